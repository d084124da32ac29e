"""The review gate on every trainee-facing path: a library of pending, approved-without-key,
approved-private and approved-public-keyed cases; only the last kind may ever come out.

The GUI paths (trainee library, "Practise next") are in tests/gui/test_review_gate_gui.py and use
the same ``gated_library`` layout."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from imgtrainer.cli import main
from imgtrainer.library.gate import gate_problem, is_shareable
from imgtrainer.library.index import CaseFilter, LibraryIndex
from imgtrainer.store import make_engine
from imgtrainer.training.queue import QueueItem, build_queue, load_items, load_library_items

GOOD = "lung-good"
BAD = ("lung-pending", "lung-nokey", "lung-private", "lung-rejected")


def gated_library(make_case: Callable[..., Path], lib: Path) -> Path:
    """One case of every kind the gate must hold back, and one it must let through."""
    make_case("lung-pending", library=lib, status="pending_review", public=False)
    make_case("lung-nokey", library=lib, key=False, public=True)
    make_case("lung-private", library=lib, public=False)
    make_case("lung-rejected", library=lib, status="rejected", public=False)
    make_case(GOOD, library=lib, public=True)
    return lib


@pytest.fixture
def lib(make_case: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IMGTRAINER_HOME", str(tmp_path / "home"))
    return gated_library(make_case, tmp_path / "lib")


def test_gate_rule() -> None:
    assert gate_problem("approved", True, True) is None
    assert "pending" in (gate_problem("pending_review", False, True) or "")
    assert "private" in (gate_problem("approved", False, True) or "")
    assert "key" in (gate_problem("approved", True, False) or "")
    assert gate_problem("rejected", False, True) is not None


def test_core_selection_paths(lib: Path, tmp_path: Path) -> None:
    index = LibraryIndex(make_engine(tmp_path / "db.sqlite"))
    index.scan(lib)
    assert [c.id for c in index.search(CaseFilter(library=lib, shareable=True))] == [GOOD]
    assert len(index.search(CaseFilter(library=lib))) == 5  # faculty see every case
    items, problems = load_library_items(lib)
    assert [i.case.id for i in items] == [GOOD] and not problems
    items, _ = load_items(sorted(lib.iterdir()))
    assert [i.case.id for i in items] == [GOOD]
    # the adaptive queue gates items handed to it directly too
    from imgtrainer.library.case_io import load_case, load_key

    raw = [QueueItem(load_case(d), load_key(d), d) for d in sorted(lib.iterdir())]
    assert sum(is_shareable(i.case, i.key is not None) for i in raw) == 1
    queue = build_queue(raw, [], datetime.now(UTC), n=10)
    assert [e.case_id for e in queue] == [GOOD]


def test_cli_trainee_paths(lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "db.sqlite")
    assert main(["practice", "next", "--trainee", "t", "--library", str(lib), "--db", db, "--json"]) == 0
    out = capsys.readouterr()
    assert [e["case_id"] for e in json.loads(out.out)["queue"]] == [GOOD]
    assert not any(b in out.out + out.err for b in BAD)

    assert main(["cases", "list", "--json", "--library", str(lib), "--db", db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in listed["cases"]] == [GOOD]
    # held-back cases are named with the reason, never described (no title, media or findings)
    assert sorted(h["id"] for h in listed["held_back"]) == sorted(BAD)
    assert all(set(h) == {"id", "status", "reason"} for h in listed["held_back"])

    answers = tmp_path / "answers.json"
    answers.write_text("{}")
    for bad in BAD:
        for cmd in (
            ["practice", "questions", str(lib / bad), "--json"],
            ["practice", "questions", bad, "--library", str(lib)],
            ["practice", "score", str(lib / bad), "--answers", str(answers), "--trainee", "t", "--db", db],
        ):
            assert main(cmd) == 1, cmd
            out = capsys.readouterr()
            assert out.out == "" and len(out.err.strip().splitlines()) == 1, out.err
            assert "Traceback" not in out.err and ("trainees" in out.err or "faculty" in out.err)
    assert main(["practice", "questions", str(lib / GOOD), "--json"]) == 0
    capsys.readouterr()


def test_exam_build_takes_only_shareable(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pw = tmp_path / "pw"
    pw.write_text("proctor pass\n")
    pkg = tmp_path / "e.itexam"
    args = ["exam", "build", str(lib), "--time-limit", "10", "--passphrase-file", str(pw), "-o", str(pkg)]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["items"] == 1 and len(out["held_back"]) == len(BAD)
    # naming a held-back case explicitly is refused with one line
    assert main([*args[:2], str(lib / "lung-pending"), *args[3:]]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pending faculty review" in err[0]
    # the --limit counts only cases that pass the gate
    assert main([*args, "--limit", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == 1


def test_faculty_session_shows_every_case_with_status(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from imgtrainer.annotate.auth import faculty_session_active, set_faculty_password, start_faculty_session

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    set_faculty_password(home, "faculty-pass")
    db = str(tmp_path / "db.sqlite")
    assert main(["cases", "list", "--status", "pending_review", "--library", str(lib), "--db", db]) == 1
    assert "faculty" in capsys.readouterr().err
    start_faculty_session(home, "faculty-pass")
    assert faculty_session_active(home)
    assert main(["cases", "list", "--library", str(lib), "--db", db]) == 0
    text = capsys.readouterr().out
    assert all(c in text for c in (*BAD, GOOD)) and "pending_review" in text and "no key" in text
    # a new password ends the session (its MAC no longer matches)
    set_faculty_password(home, "another-pass", "faculty-pass")
    assert not faculty_session_active(home)
    assert main(["faculty", "logout"]) == 0
    assert main(["cases", "list", "--json", "--library", str(lib), "--db", db]) == 0
    capsys.readouterr()


def test_cases_edit_needs_faculty_and_changes_what_trainees_read(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from imgtrainer.annotate.auth import set_faculty_password, start_faculty_session
    from imgtrainer.library.case_io import load_case

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    db = str(tmp_path / "db.sqlite")
    edit = ["cases", "edit", GOOD, "--library", str(lib), "--db", db]
    assert main([*edit, "--probe", "linear"]) == 1
    assert "faculty session" in capsys.readouterr().err
    set_faculty_password(home, "faculty-pass")
    start_faculty_session(home, "faculty-pass")
    args = [*edit, "--title", "Breathless after a line", "--context", "ICU, 70 y, SpO2 88%",
            "--indication", "Pneumothorax?", "--probe", "linear", "--difficulty", "3"]  # fmt: skip
    assert main(args) == 0
    assert "title, indication, probe, difficulty, clinical context updated" in capsys.readouterr().out
    case = load_case(lib / GOOD)
    assert (case.title, case.indication, case.probe, case.difficulty) == (
        "Breathless after a line", "Pneumothorax?", "linear", 3,
    )  # fmt: skip
    assert case.patient.clinical_context == "ICU, 70 y, SpO2 88%"
    assert main([*edit]) == 1 and "nothing to change" in capsys.readouterr().err
    assert main([*edit, "--title", ""]) == 1 and "title" in capsys.readouterr().err
    # trainees now read the context and the probe
    assert main(["practice", "questions", str(lib / GOOD), "--json"]) == 0
    assert "ICU, 70 y" in capsys.readouterr().out
