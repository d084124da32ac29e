"""`imgtrainer demo --rebuild` reproduces the committed demo library byte for byte on the locked versions.

The clips go through OpenCV (drawing, blurs, remap, resize) and its JPEG encoder, so another OpenCV
(or NumPy, pydicom) release may change bytes; the README says which. Rebuilding a few cases, picked
from the listing, keeps this fast whatever the library holds.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

import pytest

from imgtrainer.cli import main
from imgtrainer.resources import demo_library_dir

N_PICKED = 3


def _files(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _picked(capsys) -> list[str]:
    """A few listed demo cases that are committed: first, middle and last of the listing."""
    assert main(["demo", "--list", "--json"]) == 0
    listed = [c["id"] for c in json.loads(capsys.readouterr().out)["cases"]]
    committed = [cid for cid in listed if (demo_library_dir() / cid / "case.json").is_file()]
    assert len(committed) >= N_PICKED, "the demo library is not committed"
    step = (len(committed) - 1) / (N_PICKED - 1)
    return sorted({committed[round(i * step)] for i in range(N_PICKED)})


@pytest.mark.slow
def test_rebuilt_demo_cases_match_the_committed_files(tmp_path, capsys):
    picked = _picked(capsys)
    args = ["demo", "--rebuild", "--out", str(tmp_path), "--only", *picked, "--jobs", "1", "--json"]
    assert main(args) == 0
    capsys.readouterr()
    differ = []
    for cid in picked:
        rebuilt, committed = _files(tmp_path / cid), _files(demo_library_dir() / cid)
        assert rebuilt.keys() == committed.keys(), cid
        differ += [f"{cid}/{name}" for name in rebuilt if rebuilt[name] != committed[name]]
    assert not differ, (
        f"rebuilt {', '.join(differ)} differ from the committed files (OpenCV {version('opencv-python-headless')},"
        f" NumPy {version('numpy')}, pydicom {version('pydicom')}): is the lock installed? If the"
        " generator changed on purpose, run `imgtrainer demo --rebuild` and commit cases/"
    )
