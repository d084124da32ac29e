"""Department-scale imports survive kills (issue 19): a 500-file import into a library by
``imgtrainer import --jobs 2`` is killed 50 times (SIGKILL to the whole process group, workers
included), each time at a random moment up to 0.6 s after it has put one more case in place (so
every run gets under way whatever the machine's load), then run to the end. After every kill the
library holds only complete cases; at the end it holds each source exactly once and no staging is
left. ``deid`` of a folder resumes the same way, with the same output names."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pydicom
import pytest
from phi_factory import make_file
from pydicom.uid import generate_uid

from imgtrainer.library.case_io import load_case
from imgtrainer.library.importer import sha256_file

N_FILES, N_KILLS = 500, 50


def _sources(folder: Path, n: int) -> set[str]:
    """``n`` distinct small ultrasound files (one PHI-laden file, each copy with its own UIDs and
    pixels); returns their sha256 digests."""
    base = make_file(folder / "base.dcm", "grey", 1, seed=5).path
    ds = pydicom.dcmread(base)
    arr = ds.pixel_array.copy()
    base.unlink()
    digests = set()
    for i in range(n):
        arr[30 + i % 60, 40 + (i // 60) % 80] = (int(arr[30, 40]) + 1 + i) % 250
        ds.PixelData = arr.tobytes()
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        p = folder / f"f{i:03d}.dcm"
        ds.save_as(p, enforce_file_format=True)
        digests.add(sha256_file(p))
    return digests


def _env(home: Path) -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    return {**os.environ, "IMGTRAINER_HOME": str(home), "PYTHONPATH": str(root)}


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "imgtrainer", *args]


def _visible(lib: Path) -> int:
    try:
        return sum(1 for p in lib.iterdir() if not p.name.startswith("."))
    except OSError:
        return 0


def _check_library(lib: Path) -> list[str]:
    """Every visible entry is a complete case whose media matches its recorded digest."""
    originals = []
    for folder in sorted(p for p in lib.iterdir() if not p.name.startswith(".")):
        case = load_case(folder)
        media = folder / case.primary_media.path
        assert sha256_file(media) == case.primary_media.sha256, folder.name
        originals.append(case.provenance.original_file)
    assert len(originals) == len(set(originals)), "a source was imported twice"
    return originals


@pytest.mark.slow
def test_import_survives_fifty_kills(tmp_path: Path) -> None:
    src, lib, home = tmp_path / "src", tmp_path / "lib", tmp_path / "home"
    src.mkdir()
    digests = _sources(src, N_FILES)
    cmd = _cmd(
        "import", str(src), "--library", str(lib), "--domain", "lung", "--jobs", "2", "--no-ocr", "--quiet"
    )
    rng = random.Random(19)
    counts, kills = [], 0
    for _ in range(N_KILLS):
        before = _visible(lib)
        proc = subprocess.Popen(
            cmd, env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 60  # whatever the machine's load: kill once it is under way
        while time.monotonic() < deadline and _visible(lib) <= before and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.05))  # ... at a random moment of the next files' work
        if proc.poll() is not None:  # a quiet machine finished the import first: nothing to kill
            break
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:  # it finished between the check and the kill
            proc.wait()
            break
        proc.wait()
        kills += 1
        if lib.exists():
            counts.append(len(_check_library(lib)))
    assert kills >= N_KILLS // 2, f"only {kills} kills landed during the import"
    assert counts and counts[-1] > 0, "no progress between kills"
    done = subprocess.run([*cmd, "--json"], env=_env(home), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    originals = _check_library(lib)
    assert {o.removeprefix("sha256:") for o in originals} == digests
    assert len(report["imported"]) + len(report["skipped"]) == N_FILES
    assert not (lib / ".importing").exists()
    assert counts == sorted(counts)  # progress is never lost


def test_deid_folder_resumes_with_the_same_outputs(tmp_path: Path) -> None:
    src, out, home = tmp_path / "src", tmp_path / "out", tmp_path / "home"
    src.mkdir()
    _sources(src, 24)
    cmd = _cmd("deid", str(src), "--out", str(out), "--jobs", "2", "--no-ocr", "--json")
    proc = subprocess.Popen(cmd, env=_env(home), stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while (
        time.time() < deadline and len(list((out / ".deid-done").glob("*.json")) if out.exists() else []) < 5
    ):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = {p.name for p in out.glob("*.dcm")}
    assert first, "nothing written before the kill"
    done = subprocess.run(cmd, env=_env(home), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rep = json.loads(done.stdout)
    assert rep["summary"]["files"] == 24 and rep["summary"]["resumed"] >= len(first) - 2
    outs = {p.name for p in out.glob("*.dcm")}
    assert first <= outs and len(outs) == 24  # resumed names are the same: nothing duplicated
    assert not [p for p in out.rglob(".*tmp*") if p.is_file()]
    for p in out.glob("*.dcm"):
        assert np.asarray(pydicom.dcmread(p).pixel_array).size
