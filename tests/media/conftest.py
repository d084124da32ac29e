"""Fixtures for the media tests: the real DICOM folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def dicom_dir(shared_data: Path) -> Path:
    return shared_data / "dicom"
