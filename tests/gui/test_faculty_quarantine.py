"""Import review, offscreen (issue 19): a file quarantined for an ambiguous scan area is listed
with its reason and imported by one drag over its scan area; words OCR read inside the kept
area are boxed and listed, and blacked out after the reviewer confirms."""

# ruff: noqa: F811  (pytest fixtures imported from test_faculty_helpers by name)
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PyQt6.QtWidgets import QMessageBox

from imgtrainer.deid import ocr
from imgtrainer.library.case_io import load_case, media_path
from imgtrainer.media.clip import Region
from tests.gui.test_faculty_helpers import drag, faculty_home, image_to_preview  # noqa: F401

pytestmark = pytest.mark.gui


def _ambiguous(path):
    """Two rival textured patches on a grey ground, no Ultrasound Regions: quarantined."""
    from imgtrainer.media.dicom_writer import write_dicom_cine

    rng = np.random.default_rng(3)
    tex = cv2.GaussianBlur((rng.rayleigh(1, (120, 256)) * 60).clip(0, 255).astype(np.uint8), (0, 0), 1)
    img = np.full((120, 256), 40, np.uint8)
    img[10:60, 10:80] = tex[10:60, 10:80]
    img[60:110, 150:240] = tex[60:110, 150:240]
    return write_dicom_cine(
        path, img[None], patient_name="Doe^Jane", study_description="LUNG", uid_seed="amb"
    )


def _labelled(path):
    """A cine whose region holds the label 'RT PTX' in white."""
    from imgtrainer.media.dicom_writer import write_dicom_cine

    rng = np.random.default_rng(4)
    frames = np.zeros((4, 200, 260), np.uint8)
    frames[:, 20:190, 20:250] = rng.integers(30, 120, (4, 170, 230), dtype=np.uint8)
    for f in frames:
        cv2.putText(f, "RT PTX", (60, 110), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 255, 2)
    region = Region(20, 20, 249, 189, units_x="cm", units_y="cm", delta_x=0.05, delta_y=0.05)
    return write_dicom_cine(path, frames, regions=[region], patient_name="Doe^Jane", study_description="LUNG")


@pytest.fixture
def page(qtbot, tmp_path, faculty_home):
    from imgtrainer.gui.faculty.import_review import ImportReviewPage

    lib = tmp_path / "lib"
    lib.mkdir()
    p = ImportReviewPage(lib, "dr_a", faculty_home)
    qtbot.addWidget(p)
    p.resize(1200, 760)
    p.show()
    p.domain.setCurrentIndex(p.domain.findData("lung"))
    return p


def _import(qtbot, p, paths) -> None:
    from imgtrainer.gui import workers

    done = []
    p.import_paths(paths, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)


def test_quarantined_file_is_imported_by_one_drag(qtbot, page, tmp_path) -> None:
    from imgtrainer.gui import workers

    p = page
    _import(qtbot, p, [_ambiguous(tmp_path / "amb.dcm")])
    assert p.queue.count() == 0
    assert p.quarantine_list.count() == 1
    p.quarantine_list.setCurrentRow(0)
    assert "scan area" in p.warning.text() and "confidence" in p.warning.text()
    drag(p.view, [image_to_preview(p.view, 150, 60), image_to_preview(p.view, 240, 110)])
    qtbot.waitUntil(lambda: workers.pending() == 0 and p.queue.count() == 1, timeout=60000)
    assert p.quarantine_list.count() == 0
    case = load_case(p.folder)
    assert case.status == "pending_review"
    assert case.provenance.deid["report"]["pixels"]["kept_area"]["source"] == "manual"


@pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")
def test_text_read_in_the_scan_area_is_boxed_and_masked_after_confirmation(
    qtbot, page, tmp_path, monkeypatch
) -> None:
    p = page
    _import(qtbot, p, [_labelled(tmp_path / "lab.dcm")])
    assert p.queue.count() == 1
    assert "OCR read" in p.warning.text() and "PTX" in p.warning.text()
    assert p.text_button.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    p.mask_text()
    assert "text_masked" not in (load_case(p.folder).provenance.deid or {})
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    p.mask_text()
    case = load_case(p.folder)
    assert case.provenance.deid["text_masked"]["by"] == "dr_a"
    import pydicom

    frames = pydicom.dcmread(media_path(p.folder, case)).pixel_array
    assert not [w for w in ocr.read_frame(frames[0], np.ones(frames.shape[1:3], bool)) if "PTX" in w.text]
    assert not p.text_button.isEnabled()
