"""Tiny lung cases with keys, written with the library models (media: small PNG stills)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from pydicom.dataset import Dataset

from imgtrainer.library.case_io import save_case, save_key
from imgtrainer.library.models import (
    AnswerKey,
    Case,
    CategoryAnswer,
    CountAnswer,
    DecisionAnswer,
    DecisionQuestion,
    FindingsAnswer,
    Mark,
    MarksAnswer,
    MediaRef,
    OrdinalAnswer,
)

SECRET_EXPLANATION = "EXPLANATION-ONLY-IN-KEY-7f3a"
SECRET_NOTE = "NOTE-ONLY-IN-KEY-c41d"
SECRET_TEACHING = "TEACHING-POINT-ONLY-IN-KEY-9b2e"
SECRET_TITLE = "Pneumothorax-TITLE-SECRET-5e8c"


def write_dicom(path: Path, frames: np.ndarray, description: str) -> None:
    """A tiny multi-frame US DICOM whose free-text headers carry ``description``."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "US"
    ds.SeriesDescription = description
    ds.StudyDescription = description
    ds.ImageComments = description
    ds.add_new(0x00091010, "LO", description)  # a private tag
    ds.NumberOfFrames = frames.shape[0]
    ds.Rows, ds.Columns = frames.shape[1:3]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.FrameTime = 50.0
    ds.PixelData = frames.tobytes()
    ds.save_as(path, enforce_file_format=True)


def make_case(root: Path, idx: int, seed: int = 0) -> Path:
    """One lung case ``root/lung-<idx>`` with a consensus key; answers vary with ``idx``."""
    rng = np.random.default_rng(seed + idx)
    folder = root / f"lung-secretname-{idx:02d}"
    (folder / "media").mkdir(parents=True, exist_ok=True)
    img = rng.integers(0, 255, size=(48, 64), dtype=np.uint8)
    media = "media/clip.png" if idx % 2 else "media/clip.dcm"
    if idx % 2:
        cv2.imwrite(str(folder / media), img)
    else:
        write_dicom(folder / media, np.stack([img, img[::-1]]), f"{SECRET_TITLE} {idx}")
    blines = idx % 2 == 0
    case = Case(
        public=True,  # approved and shared: passes the review gate
        id=f"lung-secretname-{idx:02d}",
        title=f"{SECRET_TITLE} {idx}",
        domain="lung",
        media=[MediaRef(path=media)],
        indication="Dyspnoea after central line insertion.",
        difficulty=1 + idx % 3,
        tags=["secret-tag", "blines" if blines else "alines"],
        teaching_points=[SECRET_TEACHING],
        decision=DecisionQuestion(
            stem="What next?",
            options=["Observe", "Chest drain", "Diuretic", "Antibiotics"],
        ),
    )
    save_case(folder, case)
    present = (
        ["pleural_line", "lung_sliding", "blines"] if blines else ["pleural_line", "lung_sliding", "a_lines"]
    )
    absent = ["a_lines", "pleural_effusion"] if blines else ["blines", "pleural_effusion"]
    key = AnswerKey(
        case_id=case.id,
        rater="consensus",
        answers={
            "view": CategoryAnswer(value="lateral_intercostal", note=SECRET_NOTE),
            "findings": FindingsAnswer(present=present, absent=absent),
            "b_line_count": CountAnswer(value=4 if blines else 0, tolerance=1),
            "lung_sliding": CategoryAnswer(value="present"),
            "lus_score": OrdinalAnswer(value=1 if blines else 0),
            "b_line_marks": MarksAnswer(
                marks=[Mark(type="line", points=[(20.5, 5.25), (22.75, 40.5)], frame=0)] if blines else []
            ),
            "decision": DecisionAnswer(correct=2 if blines else 0, explanation=SECRET_EXPLANATION),
        },
    )
    save_key(folder, key)
    return folder


def make_library(root: Path, n: int = 4) -> list[Path]:
    return [make_case(root, i) for i in range(n)]
