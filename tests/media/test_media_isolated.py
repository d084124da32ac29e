"""The killable decoder process: results, errors, time limits and crashes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from imgtrainer.errors import DecodeTimeoutError, MediaError, TruncatedPixelDataError
from imgtrainer.media.isolated import IsolatedRunner


def _raise_truncated(path: str) -> None:
    raise TruncatedPixelDataError(path, "short")


def test_runner_results_errors_timeouts_and_crashes() -> None:
    runner = IsolatedRunner()
    try:
        assert runner.call(divmod, (7, 2), 30.0, "divmod", "p") == (3, 1)
        with pytest.raises(TruncatedPixelDataError, match="short"):  # typed errors cross over
            runner.call(_raise_truncated, ("x.dcm",), 30.0, "t", "x.dcm")
        start = time.monotonic()
        with pytest.raises(DecodeTimeoutError, match=r"within 0\.5 s"):
            runner.call(time.sleep, (30,), 0.5, "sleeping", "p")
        assert time.monotonic() - start < 5  # killed, not waited for
        with pytest.raises(MediaError, match="died"):
            runner.call(os._exit, (3,), 30.0, "crash", "p")
        assert runner.call(divmod, (9, 4), 30.0, "divmod", "p") == (2, 1)  # a fresh worker
    finally:
        runner.close()


def test_slow_j2k_decode_times_out(shared_data: Path) -> None:
    from imgtrainer.media import open_clip

    path = shared_data / "dicom/pydicom-data/US1_J2KR.dcm"
    with open_clip(path, decode_timeout_s=0.001) as clip, pytest.raises(DecodeTimeoutError, match="frame 0"):
        clip.frame(0)
    with open_clip(shared_data / "dicom/pydicom-data/US1_J2KR.dcm") as clip:  # the next clip is fine
        assert clip.frame(0).shape == (480, 640, 3)
