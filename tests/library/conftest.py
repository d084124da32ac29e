"""Fixtures for library tests: case folders with small generated DICOM cines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from imgtrainer.library.case_io import save_case, save_key
from imgtrainer.library.models import AnswerKey
from tests.library._factory import lung_case, lung_key, write_dicom


@pytest.fixture
def make_case(tmp_path: Path) -> Callable[..., Path]:
    """make_case(case_id, library=None, key=True, **case_fields) -> folder with a 6-frame 64x48 clip."""

    def make(
        case_id: str, library: Path | None = None, key: bool | AnswerKey = True, **fields: object
    ) -> Path:
        folder = (library or tmp_path / "lib") / case_id
        write_dicom(folder / "media" / "clip.dcm")
        save_case(folder, lung_case(case_id, **fields))
        if key is True:
            save_key(folder, lung_key(case_id))
        elif isinstance(key, AnswerKey):
            save_key(folder, key)
        return folder

    return make
