"""Screenshots of the import review's issue-19 parts: words OCR read inside the scan area (orange
boxes, listed, with the reviewer-confirmed masking) and a quarantined file waiting for its one-drag
re-mask. Needs ../shared/data. Run under Xvfb from the repository root:

    xvfb-run -a -s "-screen 0 1600x1000x24" python3 docs/screenshots/deid_review_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DATA = (ROOT / ".." / "shared" / "data").resolve()
sys.path.insert(0, str(ROOT))
os.environ.setdefault("IMGTRAINER_HOME", tempfile.mkdtemp())

from imgtrainer.gui.faculty.import_review import ImportReviewPage  # noqa: E402
from imgtrainer.gui.style import make_app  # noqa: E402
from imgtrainer.media import open_clip  # noqa: E402
from imgtrainer.media.clip import Region  # noqa: E402
from imgtrainer.media.dicom_writer import write_dicom_cine  # noqa: E402
from imgtrainer.media.scanarea import find_scan_area  # noqa: E402
from imgtrainer.resources import data_dir  # noqa: E402


def _wait(app, cond=lambda: True, timeout: float = 60.0) -> None:
    from imgtrainer.gui import workers

    end = time.monotonic() + timeout
    while time.monotonic() < end and (workers.pending() or not cond()):
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def _save(widget, name: str) -> None:
    from PIL import Image

    path = OUT / name
    widget.grab().save(str(path))
    Image.open(path).convert("RGB").quantize(colors=128, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"{path.name}: {path.stat().st_size / 1024:.0f} KB")


def _labelled_lung(tmp: Path) -> Path:
    """Real BLUS frames with a sonographer's label typed inside the fan."""
    with open_clip(DATA / "lung-blus" / "lus_videos" / "patient_12_L1.mp4") as clip:
        frames = np.stack([np.asarray(clip.frame(i))[..., 0] for i in range(0, min(clip.n_frames, 12))])
        x0, y0, x1, y1 = find_scan_area(clip).bbox
    frames = np.ascontiguousarray(frames)
    for f in frames:
        cv2.putText(f, "RT PTX", (x0 + 60, y0 + 90), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 255, 2)
    region = Region(x0, y0, x1, y1, units_x="cm", units_y="cm", delta_x=0.02, delta_y=0.02)
    return write_dicom_cine(tmp / "lung_label.dcm", frames, regions=[region], patient_name="Doe^Jane",
                            study_description="LUNG")  # fmt: skip


def _ambiguous(tmp: Path) -> Path:
    rng = np.random.default_rng(3)
    tex = cv2.GaussianBlur((rng.rayleigh(1, (240, 512)) * 60).clip(0, 255).astype(np.uint8), (0, 0), 1)
    img = np.full((240, 512), 40, np.uint8)
    img[20:120, 20:160] = tex[20:120, 20:160]
    img[120:220, 300:480] = tex[120:220, 300:480]
    return write_dicom_cine(
        tmp / "ambiguous.dcm", img[None], patient_name="Doe^Jane", study_description="LUNG"
    )


def main() -> None:
    app = make_app([])
    tmp = Path(tempfile.mkdtemp())
    lib = tmp / "library"
    lib.mkdir()
    page = ImportReviewPage(lib, "Dr A. Rivera", data_dir())
    page.resize(1500, 940)
    page.show()
    page.domain.setCurrentIndex(page.domain.findData("lung"))
    done: list = []
    page.import_paths([_labelled_lung(tmp), _ambiguous(tmp)], on_done=done.append)
    _wait(app, lambda: bool(done) and page.view.preview is not None)
    _save(page, "faculty_review_ocr.png")
    page.quarantine_list.setCurrentRow(0)
    _wait(app)
    pv = page.view.preview
    cols = pv.split_x - 8
    page.view.box = (
        int(cols * 0.58),
        int(pv.image.shape[0] * 0.5),
        int(cols * 0.94),
        int(pv.image.shape[0] * 0.92),
    )
    page.status.setText("Drag over the scan area: the file is imported with it on release")
    _wait(app)
    _save(page, "faculty_review_quarantine.png")


if __name__ == "__main__":
    main()
