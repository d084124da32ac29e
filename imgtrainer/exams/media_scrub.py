"""Exam copies of media without descriptive text that could give the answer away.

Case media are already de-identified, but DICOM free-text attributes (Series Description
"Lateral zone: 3 B-lines", Study Description, Image Comments, Protocol Name...) and PNG text
chunks can still name the diagnosis. The exam package gets a copy where every free-text value
(VR LO, SH, ST, LT, UT, UC, PN) is emptied, at every nesting level, and private tags are removed;
pixel data and the attributes needed to decode and calibrate them (coded values, numbers, UIDs)
are kept. PNG stills are re-encoded losslessly (drops text chunks). Other formats are copied
unchanged (their container metadata is not scrubbed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from imgtrainer.errors import ExamError

_TEXT_VRS = {"LO", "SH", "ST", "LT", "UT", "UC", "PN"}


def _is_dicom(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(132)
    return len(head) == 132 and head[128:132] == b"DICM"


def _scrub_dicom(src: Path, dst: Path) -> None:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(src)
    except (InvalidDicomError, OSError, ValueError) as exc:
        raise ExamError(f"{src}: cannot read DICOM to scrub its text ({exc})") from None
    ds.remove_private_tags()

    def blank(dataset: pydicom.Dataset, elem: pydicom.DataElement) -> None:
        if elem.VR in _TEXT_VRS and elem.tag.group != 0x0002:
            elem.value = ""

    ds.walk(blank)
    ds.save_as(dst, enforce_file_format=True)


def _scrub_png(src: Path, dst: Path) -> None:
    import cv2

    img = cv2.imread(str(src), cv2.IMREAD_UNCHANGED)
    if img is None or not cv2.imwrite(str(dst), img):
        raise ExamError(f"{src}: cannot re-encode the PNG still")


def scrub_media(src: Path, dst: Path) -> Path:
    """Write the exam copy of ``src`` to ``dst`` and return ``dst``."""
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if _is_dicom(src):
        _scrub_dicom(src, dst)
    elif src.suffix.lower() == ".png":
        _scrub_png(src, dst)
    else:
        shutil.copyfile(src, dst)
    return dst
