"""Hypothesis mutates header and pixel bytes of real files: only MediaError escapes, nothing hangs."""

from __future__ import annotations

import functools
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imgtrainer.errors import MediaError
from imgtrainer.media import open_clip

SEEDS = [
    "dicomParser/IM00001.fragmented_no_bot_jpeg_baseline.50.dcm",
    "godcm/US-MONO2-8-8x-execho.dcm",
    "octave-dicom/US-PAL-8-10x-echo.dcm",
    "pydicom/ExplVR_BigEnd.dcm",
    "pydicom/examples_ybr_color.dcm",
    "pydicom-data/gdcm-US-ALOKA-16.dcm",
    "pydicom-data/US1_J2KR.dcm",
    "fo-dicom/GH364.dcm",
]


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(SEEDS))
    kind = draw(st.sampled_from(["header", "length", "pixels", "truncate"]))
    return name, kind, draw(st.integers(0, 2**32 - 1))  # type: ignore[return-value]


def _mutate(data: bytes, kind: str, seed: int) -> bytes:
    import random

    rng = random.Random(seed)
    b = bytearray(data)
    if kind == "truncate":
        return bytes(b[: rng.randint(132, len(b) - 1)])
    if kind == "header":
        for _ in range(rng.randint(1, 12)):
            b[rng.randint(128, min(len(b) - 1, 3000))] = rng.randrange(256)
    elif kind == "length":
        i = rng.randint(132, min(len(b) - 8, 6000))
        b[i : i + 4] = rng.choice([b"\xff\xff\xff\xff", b"\xf0\xff\xff\xff", b"\x00\x00\x00\x7f"])
    else:
        for _ in range(rng.randint(1, 100)):
            b[rng.randint(len(b) // 2, len(b) - 1)] = rng.randrange(256)
    return bytes(b)


@functools.cache
def _seed(root: Path, name: str) -> bytes:
    return (root / "dicom" / name).read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=mutants())
def test_mutants_raise_only_media_errors(m: tuple[str, str, int], shared_data: Path, tmp_path: Path) -> None:
    name, kind, seed = m
    path = tmp_path / "m.dcm"
    path.write_bytes(_mutate(_seed(shared_data, name), kind, seed))
    start = time.monotonic()
    try:
        with open_clip(path, cache_mb=8, decode_timeout_s=5.0) as clip:
            clip.frame(0)
            clip.frame(-1)
    except MediaError:
        pass
    assert time.monotonic() - start < 10.0
