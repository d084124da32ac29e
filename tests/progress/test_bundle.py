"""Air-gapped transfer: a trainee's signed progress bundle imports into the department store
(both engines) once, and every byte edit of it is refused."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from imgtrainer.errors import TamperError
from imgtrainer.progress.attempts import AttemptStore
from imgtrainer.progress.bundle import export_bundle, import_bundle, verify_bundle
from imgtrainer.progress.enrolment import create_department_key, make_card, trainee_key
from imgtrainer.progress.logbook import logbook_for
from imgtrainer.progress.trainees import TraineeDirectory
from imgtrainer.store.engine import make_engine
from tests.store._laptop import make_laptop, table_counts

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def signed(tmp_path: Path):
    """(laptop engine, trainee, department key, bundle bytes)."""
    laptop = make_engine(tmp_path / "laptop.sqlite")
    make_laptop(str(laptop.url), n_attempts=3)
    t = TraineeDirectory(laptop).list(group="PGY-1 2026")[0]
    dept_key = create_department_key(tmp_path / "dept.key")
    card = make_card(dept_key, t.to_dict())
    data = export_bundle(laptop, t.uuid, NOW, bytes.fromhex(card["key"]))
    return laptop, t, dept_key, data


def test_bundle_imports_once_into_the_department_store(signed, db_url: str) -> None:
    laptop, t, dept_key, data = signed
    dept = make_engine(db_url, upgrade=True)
    doc, report = import_bundle(dept, data, dept_key, "b.json")
    assert doc["trainee"]["id"] == t.uuid
    assert (report.copied["attempts"], report.copied["answers"], report.copied["scan_log"]) == (3, 9, 1)
    _, again = import_bundle(dept, data, dept_key, "b.json")
    assert set(again.copied.values()) == {0}
    a = logbook_for(AttemptStore(laptop), t.uuid, NOW + timedelta(days=1)).to_dict()
    b = logbook_for(AttemptStore(dept), t.uuid, NOW + timedelta(days=1)).to_dict()
    assert a == b
    # only that trainee travelled (the other "Sam Lee" stays on the laptop)
    assert table_counts(dept)["trainees"] == 1
    dept.dispose()


def test_every_byte_edit_is_refused(signed) -> None:
    _, _, dept_key, data = signed
    verify_bundle(data, dept_key, "b")  # the untouched bundle verifies
    rng = random.Random(17)
    positions = sorted(set(rng.sample(range(len(data)), min(len(data), 700))) | {0, len(data) - 1})
    edits = 0
    for pos in positions:
        new = rng.choice([b for b in range(256) if b != data[pos]])
        edited = data[:pos] + bytes([new]) + data[pos + 1 :]
        with pytest.raises(TamperError):
            verify_bundle(edited, dept_key, "b")
        edits += 1
    for pos in rng.sample(range(len(data)), 50):  # deletions and insertions
        with pytest.raises(TamperError):
            verify_bundle(data[:pos] + data[pos + 1 :], dept_key, "b")
        with pytest.raises(TamperError):
            verify_bundle(data[:pos] + b" " + data[pos:], dept_key, "b")
        edits += 2
    assert edits >= 800  # 100% of them caught


def test_another_department_or_trainee_key_is_refused(signed, tmp_path: Path) -> None:
    laptop, t, dept_key, _ = signed
    other = create_department_key(tmp_path / "other.key")
    data = export_bundle(laptop, t.uuid, NOW, trainee_key(other, t.uuid))
    with pytest.raises(TamperError, match="signature does not verify"):
        verify_bundle(data, dept_key, "b")
    sam2 = TraineeDirectory(laptop).list(group="PGY-2 2026")[0]  # signed with the wrong trainee's key
    data = export_bundle(laptop, sam2.uuid, NOW, trainee_key(dept_key, t.uuid))
    with pytest.raises(TamperError):
        verify_bundle(data, dept_key, "b")


def test_cli_enrol_join_export_import(tmp_path: Path, db_url: str) -> None:
    def cli(*args, home):
        env = {"IMGTRAINER_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
        return subprocess.run(
            [sys.executable, "-m", "imgtrainer", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
        )

    director, laptop_home = tmp_path / "director", tmp_path / "laptop"
    director.mkdir()
    laptop_home.mkdir()
    make_engine(db_url, upgrade=True).dispose()
    assert (
        cli("trainees", "add", "Kim Ono", "--group", "PGY-2 2026", "--db", db_url, home=director).returncode
        == 0
    )
    r = cli(
        "trainees",
        "enrol",
        "Kim Ono",
        "--db",
        db_url,
        "--department-key",
        tmp_path / "dept.key",
        "-o",
        tmp_path / "card.json",
        home=director,
    )
    assert r.returncode == 0, r.stderr
    lap = f"sqlite:///{tmp_path / 'lap.sqlite'}"
    assert cli("trainees", "join", tmp_path / "card.json", "--db", lap, home=laptop_home).returncode == 0
    r = cli("progress", "log-scan", "--trainee", "Kim Ono", "--domain", "lung", "--db", lap, home=laptop_home)
    assert r.returncode == 0, r.stderr
    r = cli(
        "progress",
        "export",
        "--trainee",
        "Kim Ono",
        "-o",
        tmp_path / "kim.json",
        "--db",
        lap,
        home=laptop_home,
    )
    assert r.returncode == 0, r.stderr
    bundle = (tmp_path / "kim.json").read_bytes()
    pos = bundle.index(b'"lung"') + 2
    (tmp_path / "edited.json").write_bytes(bundle[:pos] + b"i" + bundle[pos + 1 :])
    bad = cli(
        "progress",
        "import",
        tmp_path / "edited.json",
        "--db",
        db_url,
        "--department-key",
        tmp_path / "dept.key",
        home=director,
    )
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    ok = cli(
        "progress",
        "import",
        tmp_path / "kim.json",
        "--db",
        db_url,
        "--department-key",
        tmp_path / "dept.key",
        home=director,
    )
    assert ok.returncode == 0, ok.stderr
    counts = table_counts(make_engine(db_url))
    assert counts["trainees"] == 1 and counts["scan_log"] == 1  # the laptop's Kim is the department's Kim
