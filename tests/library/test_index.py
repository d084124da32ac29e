"""The case index: scans add, update only what changed, drop what vanished; filters work;
done/undone follow the practice engine's attempts table; `cases list --json` reports cases."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from imgtrainer.cli import main
from imgtrainer.library.case_io import load_case, save_case, save_key
from imgtrainer.library.index import CaseFilter, LibraryIndex, attempts_table
from imgtrainer.library.models import CategoryAnswer, FindingsAnswer
from imgtrainer.store import make_engine
from tests.library._factory import lung_key


def _bump(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000))


@pytest.fixture
def library(make_case: Callable[..., Path], tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    make_case("lung-a", library=lib, difficulty=1, tags=["covid", "teaching"])
    make_case("lung-b", library=lib, key=lung_key("lung-b", view=CategoryAnswer(value="plaps"),
              findings=FindingsAnswer(present=["pleural_effusion", "spine_sign"], absent=["blines"])))  # fmt: skip
    make_case("lung-c", library=lib, key=False, title="Pleural effusion with spine sign", difficulty=3)
    return lib


def test_rescan_reads_only_what_changed(library: Path, tmp_path: Path) -> None:
    index = LibraryIndex(make_engine(tmp_path / "db.sqlite"))
    first = index.scan(library)
    assert sorted(first.added) == ["lung-a", "lung-b", "lung-c"] and not first.failed
    again = index.scan(library)
    assert sorted(again.unchanged) == ["lung-a", "lung-b", "lung-c"] and not again.updated and not again.added
    # key edited, media replaced, case untouched
    save_key(library / "lung-a", lung_key("lung-a", view=CategoryAnswer(value="plaps")))
    _bump(library / "lung-a" / "key.json")
    with open(library / "lung-b" / "media" / "clip.dcm", "ab") as fh:
        fh.write(b"\0\0")
    third = index.scan(library)
    assert sorted(third.updated) == ["lung-a", "lung-b"] and third.unchanged == ["lung-c"]
    assert index.get("lung-a", library).view == "plaps"
    # a new rater key counts as a change too
    save_key(library / "lung-c", lung_key("lung-c").model_copy(update={"rater": "r2", "role": "rater"}))
    assert index.scan(library).updated == ["lung-c"]
    # a folder removed, a broken one reported
    shutil.rmtree(library / "lung-c")
    (library / "lung-b" / "case.json").write_text("{broken")
    fourth = index.scan(library)
    assert fourth.removed == ["lung-b", "lung-c"] or sorted(fourth.removed) == ["lung-b", "lung-c"]
    assert (
        len(fourth.failed) == 1 and "lung-b" in fourth.failed[0][0] and "invalid JSON" in fourth.failed[0][1]
    )
    assert [c.id for c in index.search(CaseFilter(library=library))] == ["lung-a"]


def test_filters(library: Path, tmp_path: Path) -> None:
    index = LibraryIndex(make_engine(tmp_path / "db.sqlite"))
    index.scan(library)

    def ids(**kw: object) -> list[str]:
        return [c.id for c in index.search(CaseFilter(library=library, **kw))]

    assert ids() == ["lung-a", "lung-b", "lung-c"]
    assert ids(domain="lung") == ids() and ids(domain="fast") == []
    assert ids(finding="blines") == ["lung-a"]
    assert ids(finding="spine_sign") == ["lung-b"]
    assert ids(view="plaps") == ["lung-b"]
    assert ids(difficulty=3) == ["lung-c"]
    assert ids(tag="covid") == ["lung-a"]
    assert ids(text="spine") == ["lung-b", "lung-c"]  # finding of b, title of c
    assert ids(text="pleural effusion") == ["lung-b", "lung-c"]
    summary = index.get("lung-b", library)
    assert summary.findings == ["pleural_effusion", "spine_sign"] and summary.has_key
    assert index.get("lung-c", library).has_key is False


def test_done_and_undone_follow_finished_attempts(library: Path, tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "db.sqlite")
    index = LibraryIndex(engine)
    index.scan(library)
    table = attempts_table()
    if table is None:
        pytest.skip("the practice engine's attempts table is not present")
    from imgtrainer.store.attempt_tables import AttemptRow, TraineeRow

    now = datetime(2026, 1, 1, tzinfo=UTC)
    with Session(engine) as s, s.begin():
        t = TraineeRow(name="ann", created_at=now)
        s.add(t)
        s.flush()
        s.add(
            AttemptRow(
                trainee_id=t.id,
                trainee="ann",
                case_id="lung-b",
                domain="lung",
                status="finished",
                started_at=now,
            )
        )
        s.add(
            AttemptRow(
                trainee_id=t.id,
                trainee="ann",
                case_id="lung-c",
                domain="lung",
                status="in_progress",
                started_at=now,
            )
        )
    done = index.search(CaseFilter(library=library, trainee="ann", done=True))
    undone = index.search(CaseFilter(library=library, trainee="ann", done=False))
    assert [c.id for c in done] == ["lung-b"]
    assert [c.id for c in undone] == ["lung-a", "lung-c"]
    assert len(index.search(CaseFilter(library=library, trainee="bob", done=False))) == 3


def test_cli_list_and_show(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from imgtrainer.annotate.auth import set_faculty_password, start_faculty_session

    home = tmp_path / "home"
    monkeypatch.setenv("IMGTRAINER_HOME", str(home))
    db = str(tmp_path / "cli.sqlite")
    assert main(["cases", "list", "--json", "--library", str(library), "--db", db]) == 0
    cases = json.loads(capsys.readouterr().out)["cases"]
    assert [c["id"] for c in cases] == ["lung-a", "lung-b"]  # lung-c has no key: held back
    # a trainee (no faculty session) sees a shareable case, never its key, nor a held-back case
    assert main(["cases", "show", "lung-b", "--library", str(library), "--db", db, "--json"]) == 0
    assert "key" not in json.loads(capsys.readouterr().out)
    assert main(["cases", "show", "lung-b", "--library", str(library), "--db", db, "--key"]) == 1
    assert "needs a faculty session" in capsys.readouterr().err
    assert main(["cases", "show", "lung-c", "--library", str(library), "--db", db]) == 1
    assert "lung-c" in capsys.readouterr().err
    home.mkdir(exist_ok=True)
    set_faculty_password(home, "faculty-pass")
    start_faculty_session(home, "faculty-pass")
    assert main(["cases", "list", "--json", "--library", str(library), "--db", db]) == 0
    cases = json.loads(capsys.readouterr().out)["cases"]
    assert [c["id"] for c in cases] == ["lung-a", "lung-b", "lung-c"]
    assert [c["shareable"] for c in cases] == [True, True, False]
    assert {"id", "domain", "title", "view", "findings", "difficulty", "tags", "path", "status"} <= set(
        cases[0]
    )
    assert main(["cases", "list", "--json", str(library), "--db", db, "--finding", "blines"]) == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)["cases"]] == ["lung-a"]
    assert main(["cases", "show", "lung-b", "--library", str(library), "--db", db, "--json", "--key"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["case"]["id"] == "lung-b" and shown["key"]["answers"]["view"]["value"] == "plaps"
    assert main(["cases", "show", "nope", "--library", str(library), "--db", db]) == 1
    assert "no case 'nope'" in capsys.readouterr().err


def test_moved_case_folder_keeps_one_row(library: Path, tmp_path: Path) -> None:
    index = LibraryIndex(make_engine(tmp_path / "db.sqlite"))
    index.scan(library)
    (library / "lung-a").rename(library / "renamed")
    case = load_case(library / "renamed")
    save_case(library / "renamed", case.model_copy(update={"title": "Renamed"}))
    report = index.scan(library)
    assert not report.failed
    hits = index.search(CaseFilter(library=library, text="renamed"))
    assert [(c.id, Path(c.path).name) for c in hits] == [("lung-a", "renamed")]
    assert len(index.search(CaseFilter(library=library))) == 3


def test_index_table_of_an_older_layout_is_rebuilt(library: Path, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE library_cases (pk INTEGER PRIMARY KEY, library TEXT, case_id TEXT)")
    con.commit()
    con.close()
    index = LibraryIndex(make_engine(db))
    assert sorted(index.scan(library).added) == ["lung-a", "lung-b", "lung-c"]
