"""Import review, offscreen: import a DICOM with burned-in text, see original vs cleaned,
re-mask with a hand-drawn rectangle, approve (public, Burned In Annotation = NO) or reject."""

# ruff: noqa: F811  (pytest fixtures imported from test_faculty_helpers by name)
from __future__ import annotations

import numpy as np
import pydicom
import pytest

from imgtrainer.library.case_io import load_case, media_path
from imgtrainer.media.clip import Region
from tests.gui.test_faculty_helpers import drag, faculty_home, gate, image_to_preview  # noqa: F401

pytestmark = pytest.mark.gui


def _dicom_with_text(path, seed: int):
    """A calibrated 6-frame cine: speckle inside the region, bright 'text' in the top banner."""
    from imgtrainer.media.dicom_writer import write_dicom_cine

    rng = np.random.default_rng(seed)
    frames = np.zeros((6, 120, 160), np.uint8)
    frames[:, 20:110, 20:140] = rng.integers(40, 200, (6, 90, 120), dtype=np.uint8)
    frames[:, 4:12, 10:90] = 255  # burned-in "patient name" outside the scan region
    region = Region(20, 20, 139, 109, units_x="cm", units_y="cm", delta_x=0.05, delta_y=0.05)
    return write_dicom_cine(
        path, frames, regions=[region], patient_name="Doe^Jane", patient_id="123456",
        study_description="LUNG", uid_seed=f"rev{seed}",
    )  # fmt: skip


@pytest.fixture
def page(qtbot, tmp_path, faculty_home):
    from imgtrainer.gui import workers
    from imgtrainer.gui.faculty.import_review import ImportReviewPage

    lib = tmp_path / "lib"
    lib.mkdir()
    p = ImportReviewPage(lib, "dr_a", faculty_home)
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    p.domain.setCurrentIndex(p.domain.findData("lung"))
    srcs = [_dicom_with_text(tmp_path / f"src{i}.dcm", i) for i in (1, 2)]
    done = []
    p.import_paths(srcs, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    assert p.queue.count() == 2, p.status.text()
    return p


def test_remask_then_approve_and_reject(qtbot, page) -> None:
    p = page
    folder = p.folder
    case = load_case(folder)
    assert case.status == "pending_review" and not case.public
    pv = p.view.preview
    assert pv.has_original  # the original is remembered on this computer, outside the library
    left, right = pv.image[:, : pv.split_x - 8], pv.image[:, pv.split_x :]
    assert left[8, 50].min() > 200  # the burned-in text is visible in the original ...
    assert right[8, 50, 0] > right[8, 50, 1]  # ... and tinted red (blacked out) in the cleaned frame
    ds = pydicom.dcmread(media_path(folder, case))
    assert ds.BurnedInAnnotation == "YES" and int(ds.pixel_array[0, 8, 50]) == 0

    # re-mask: drag a smaller scan area on the preview, re-run the masking from the original
    drag(p.view, [image_to_preview(p.view, 40, 30), image_to_preview(p.view, 120, 100)])
    assert p.view.box == pytest.approx((40, 30, 120, 100), abs=1)
    p.remask()
    case = load_case(folder)
    assert case.status == "pending_review" and case.provenance.deid["remask"]["box"][:2] == pytest.approx(
        [40, 30], abs=1
    )
    arr = pydicom.dcmread(media_path(folder, case)).pixel_array
    assert arr[0, 25, 25] == 0 and arr[0, 60, 80] > 0  # outside the drawn box now black, inside kept
    assert case.media[0].sha256 is not None

    # approve: approved + public; the DICOM says the burned-in text was reviewed
    p.public.setChecked(True)
    p.approve()
    case = load_case(folder)
    assert case.status == "approved" and case.public
    ds = pydicom.dcmread(media_path(folder, case))
    assert ds.BurnedInAnnotation == "NO"
    assert p.queue.count() == 1  # gone from the queue

    # reject the other: never public
    other = p.folder
    p.reject()
    assert load_case(other).status == "rejected" and not load_case(other).public
    assert p.queue.count() == 0 and not p.approve_button.isEnabled()


def test_remask_without_original_only_removes_more(qtbot, page, tmp_path, faculty_home) -> None:
    from imgtrainer.screens.faculty import review

    p = page
    folder = p.folder
    (p.sources.path).unlink()  # forget the originals: this computer never saw them
    p.sources = review.ImportSources(faculty_home)
    p._load_preview()
    assert not p.view.preview.has_original
    before = pydicom.dcmread(media_path(folder, load_case(folder))).pixel_array.copy()
    review.remask(folder, (30, 25, 100, 90), None, "dr_a")
    after = pydicom.dcmread(media_path(folder, load_case(folder))).pixel_array
    assert after[0, 100, 130] == 0 and before[0, 100, 130] > 0  # outside the box: blacked out
    assert np.array_equal(after[:, 25:91, 30:101], before[:, 25:91, 30:101])  # inside: unchanged
    assert load_case(folder).status == "pending_review"


def test_manual_scan_area_for_stills(tmp_path) -> None:
    """The hand-drawn box also drives the masking of stills (PNG): from the original, and further
    masking of a cleaned PNG when the original is gone; both stay pending review."""
    import json

    import cv2

    from imgtrainer.deid import DeidContext, DeidOptions, deidentify_file, review_status
    from imgtrainer.deid.remask import remask_file

    img = np.zeros((120, 160, 3), np.uint8)
    img[20:110, 20:140] = 120
    cv2.putText(img, "DOE JANE 0012345", (5, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1)
    src = tmp_path / "still.png"
    cv2.imwrite(str(src), img)
    ctx = DeidContext(options=DeidOptions(manual_keep_box=(20, 20, 139, 109)))
    res = deidentify_file(src, tmp_path / "out", ctx)
    assert res.status == "cleaned" and res.report["pixels"]["kept_area"]["source"] == "manual"
    out = cv2.imread(str(res.output))
    assert out[:15].max() == 0 and out[60, 80].max() > 0 and review_status(res.output) == "pending"
    remask_file(res.output, (40, 40, 100, 100))
    out2 = cv2.imread(str(res.output))
    assert out2[30, 30].max() == 0 and out2[60, 80].max() > 0
    side = json.loads(res.output.with_name(res.output.name + ".deid.json").read_text())
    assert side["review"] == "pending" and side["report"]["remask"]["kept_area"]["boxes"] == [
        [40, 40, 100, 100]
    ]
