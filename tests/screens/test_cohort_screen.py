"""Cohort screen state (no Qt) on the hand-built cohort: cells, colours that mean something,
sorting, group filter, drill-down and exports."""

from __future__ import annotations

from pathlib import Path

from imgtrainer.screens.cohort import COLUMNS, CohortState
from tests.progress.test_cohort import NOW, build


def _state(tmp_path: Path):
    engine, t = build(f"sqlite:///{tmp_path / 's.sqlite'}")
    st = CohortState(lambda: engine, clock=lambda: NOW)
    st.load()
    return st, t


def test_cells_and_tones(tmp_path: Path) -> None:
    st, t = _state(tmp_path)
    assert [r["trainee"].text for r in st.rows] == [
        "Ana Ruiz",
        "Ana Ruiz",
        "Ben Cho",
        "Cara Diaz",
        "Dev Patel",
    ]
    by = {e["trainee_id"]: r for e, r in zip(st.entries, st.rows, strict=True)}
    ana, ben, cara, dev = (by[t[k].uuid] for k in ("ana", "ben", "cara", "dev"))
    assert (ana["lung"].text, ana["lung"].tone) == ("10/20 · L1 2 · mastered", "good")
    assert (ben["fast"].text, ben["fast"].tone) == ("6/20 · L1 0 · at risk", "bad")
    assert (cara["last_practice"].text, cara["last_practice"].tone) == ("120 d · Gastric overdue", "warn")
    assert (dev["exam"].text, dev["exam"].tone) == ("85% pass", "good")
    assert (dev["lung"].tone, dev["cardiac"].tone) == ("good", None)  # minimum met / learning: no colour
    assert ana["airway"].tone is None and ana["group"].tone is None  # nothing to say: no colour
    assert ben["weakest"].text.startswith("free_fluid_ruq 25%/50%")
    assert st.summary() == "5 trainee(s): 2 with an application at risk, 1 overdue"
    assert {c.key for c in COLUMNS} == set(ana)


def test_sort_filter_drill_down_export(tmp_path: Path) -> None:
    st, t = _state(tmp_path)
    st.sort_by("attempts")
    assert [r["attempts"].text for r in st.rows] == ["0", "3", "6", "12", "24"]
    st.sort_by("attempts")  # the same column again: descending
    assert st.rows[0]["attempts"].text == "24"
    st.sort_by("last_practice")
    assert st.rows[0]["trainee"].text == "Dev Patel" and st.rows[-1]["trainee"].text == "Cara Diaz"
    opened = []
    st.open_trainee.connect(lambda uid, name: opened.append((uid, name)))
    st.drill_down(0)
    assert opened == [(t["dev"].uuid, "Dev Patel")]
    st.set_group("PGY-1 2026")
    assert [e["trainee_id"] for e in st.entries] == [t["ana2"].uuid] and st.groups == [
        "PGY-1 2026",
        "PGY-2 2026",
    ]
    assert st.export_csv(tmp_path / "c.csv").read_text().count("\n") == 6  # header + 5 applications
    assert st.export_pdf(tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")


def test_app_syncs_a_laptop_when_the_department_is_reachable(tmp_path: Path, monkeypatch) -> None:
    import socket

    from imgtrainer.screens.context import AppContext
    from imgtrainer.screens.services import department_sync
    from imgtrainer.store.engine import make_engine
    from tests.store._laptop import make_laptop, table_counts

    laptop = f"sqlite:///{tmp_path / 'laptop.sqlite'}"
    make_laptop(laptop, n_attempts=2)
    ctx = AppContext(db_url=laptop)
    monkeypatch.delenv("IMGTRAINER_DEPARTMENT_URL", raising=False)
    assert department_sync(ctx) is None  # nothing configured: nothing to do
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("IMGTRAINER_DEPARTMENT_URL", f"postgresql://x:pw@127.0.0.1:{port}/x")
    msg = department_sync(ctx)
    assert msg.startswith("department store not reachable") and "pw@" not in msg
    dept = f"sqlite:///{tmp_path / 'dept.sqlite'}"
    monkeypatch.setenv("IMGTRAINER_DEPARTMENT_URL", dept)
    assert "6 new record(s)" in department_sync(ctx)  # 4 attempts and 2 Level 1 scans
    assert table_counts(make_engine(dept))["attempts"] == 4
