"""The import-review page shows new arrivals as they come, and the receiver's status."""

# ruff: noqa: F811
from __future__ import annotations

import pytest

from imgtrainer.deid.context import DeidContext
from imgtrainer.intake.filing import FilingOptions, file_instance
from tests.gui.test_faculty_helpers import faculty_home  # noqa: F401
from tests.intake.video_factory import CLIPS, make_video_dicom

pytestmark = pytest.mark.gui


def test_arrival_appears_in_the_queue(qtbot, tmp_path, faculty_home) -> None:
    from imgtrainer.gui.faculty.import_review import ImportReviewPage

    lib = tmp_path / "lib"
    lib.mkdir()
    page = ImportReviewPage(lib, "dr_a", faculty_home)
    qtbot.addWidget(page)
    assert page.queue.count() == 0
    assert "not set up" in page.receiver.label.text()
    assert page.receiver.start_button.isEnabled() and not page.receiver.stop_button.isEnabled()
    clip = tmp_path / "arrived.dcm"
    make_video_dicom(CLIPS[2], clip, "h264", frames=8)
    filed = file_instance(clip, "k1", DeidContext(), FilingOptions(library=lib))
    assert filed.status == "filed", filed.reason
    page.poll_arrivals()  # what the 2-second timer does
    assert page.queue.count() == 1
    assert page.count_label.text().startswith("1 case")
