"""Fixtures: a tiny lung library, a sealed package, and injectable clocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgtrainer.exams.build import build_package
from imgtrainer.exams.crypto import MIN_N
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.settings import ExamSettings
from tests.exams._cases import make_library

PASS = "correct horse battery"


class FakeClock:
    """A monotonic clock the test moves by hand (seconds)."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


class FakeWall:
    """A wall clock (ISO text) that can be set forward or back."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> str:
        return self.now.isoformat()


@pytest.fixture
def library(tmp_path: Path) -> list[Path]:
    return make_library(tmp_path / "lib", 4)


def make_package(folders: list[Path], out: Path, **settings: object) -> ExamPackage:
    build_package(folders, out, PASS, ExamSettings(**settings), kdf_n=MIN_N)
    return ExamPackage.open(out)


@pytest.fixture
def package(library: list[Path], tmp_path: Path) -> ExamPackage:
    return make_package(library, tmp_path / "exam.itexam", time_limit_s=600)
