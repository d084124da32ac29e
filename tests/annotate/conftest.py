from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from imgtrainer.library.case_io import save_case
from imgtrainer.library.models import Case, DecisionQuestion, MediaRef


@pytest.fixture
def case_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "lung-test-01"
    (folder / "media").mkdir(parents=True)
    cv2.imwrite(str(folder / "media" / "frame.png"), np.full((120, 160), 90, np.uint8))
    case = Case(
        public=True,  # approved and shared: passes the review gate
        id="lung-test-01",
        title="Test lung case",
        domain="lung",
        media=[MediaRef(path="media/frame.png")],
        decision=DecisionQuestion(stem="Next step?", options=["Observe", "Drain", "Intubate"]),
    )
    save_case(folder, case)
    return folder
