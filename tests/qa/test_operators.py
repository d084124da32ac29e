"""The operator table and the claim rules without a network: name normalisation, hashing (the
name never stored), a device mapped after its studies arrived, and the settle wait."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from pydicom.dataset import Dataset

from imgtrainer.qa import operators
from imgtrainer.qa.device import CLAIMS_DIR, claim_received, record_receipt, submission_id_for
from imgtrainer.resources import demo_library_dir


def _received(library: Path, case_id: str) -> None:
    """A filed received series: a demo case copied under an intake case id, its files aged."""
    from imgtrainer.library.case_io import load_case, save_case

    shutil.copytree(demo_library_dir() / "lung-01", library / case_id)
    case = load_case(library / case_id)
    save_case(library / case_id, case.model_copy(update={"id": case_id}))
    old = time.time() - 3600
    for p in (library / case_id).rglob("*"):
        os.utime(p, (old, old))


def test_names_are_hashed_normalised_and_never_stored(tmp_path: Path) -> None:
    qa = tmp_path / "qa"
    operators.add(qa, "ben", None, "Okafor^Ben", None)
    raw = (qa / operators.TABLE_FILE).read_bytes().lower()
    assert b"okafor" not in raw and b"ben^" not in raw
    ds = Dataset()
    ds.OperatorsName = ["Someone^Else", "  OKAFOR ^ ben "]  # multi-valued, other spelling
    hit = operators.resolve(operators.load_table(qa), "CART9", [str(v) for v in ds.OperatorsName])
    assert hit is not None and hit[0].trainee == "ben" and hit[1] == "operator"
    assert operators.resolve(operators.load_table(qa), "CART9", ["Okafor^Benedict"]) is None
    assert operators.remove(qa, None, "okafor^ben") == 1


def test_device_mapped_after_receipt_is_claimed_once_after_settling(tmp_path: Path) -> None:
    qa, library = tmp_path / "qa", tmp_path / "library"
    ds = Dataset()
    ds.OperatorsName = "Nobody^Mapped"
    rec = record_receipt(library, "rx-00aa11bb22cc33dd", "CART7", ds, qa)
    assert rec["trainee"] is None and rec["calling_ae"] == "CART7"
    assert b"Nobody" not in (library / CLAIMS_DIR / "rx-00aa11bb22cc33dd.json").read_bytes()
    _received(library, "rx-00aa11bb22cc33dd")
    assert [c.status for c in claim_received(library, qa, settle_s=0)] == ["unmapped"]

    operators.add(qa, "ana", "CART7", None, "lung")
    (library / "rx-00aa11bb22cc33dd" / "case.json").touch()  # the series just changed
    assert [c.status for c in claim_received(library, qa, settle_s=60)] == ["waiting"]
    claims = claim_received(library, qa, settle_s=0)
    assert [(c.status, c.trainee) for c in claims] == [("submitted", "ana")]
    assert claims[0].submission == submission_id_for("rx-00aa11bb22cc33dd")
    assert [c.status for c in claim_received(library, qa, settle_s=0)] == ["already"]
    assert len([p for p in qa.iterdir() if p.name.startswith("qa-")]) == 1


def test_kill_during_claim_then_claim_again_gives_one_submission_per_series(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    qa, library = tmp_path / "qa", tmp_path / "library"
    operators.add(qa, "ana", "CART7", None, "lung")
    ids = [f"rx-{i:016x}" for i in range(6)]
    for case_id in ids:
        record_receipt(library, case_id, "CART7", Dataset(), qa)
        _received(library, case_id)
    env = dict(os.environ, IMGTRAINER_QA_DIR=str(qa), PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    cmd = [
        sys.executable,
        "-m",
        "imgtrainer",
        "qa",
        "claim-received",
        "--library",
        str(library),
        "--settle",
        "0",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(qa.glob("qa-*")) and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)  # mid-way through the claims (or just after them)
    proc.wait(10)
    claims = claim_received(library, qa, settle_s=0)
    assert len(claims) == 6 and {c.status for c in claims} <= {"already", "submitted"}
    made = sorted(p.name for p in qa.glob("qa-*"))
    assert made == sorted(submission_id_for(i) for i in ids)
    assert all((qa / m / "submission.json").is_file() and (qa / m / "case.json").is_file() for m in made)
