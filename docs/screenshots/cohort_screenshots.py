"""Screenshots of the programme director's cohort screen and its drill-down.

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1600x1000x24" python3 docs/screenshots/cohort_screenshots.py

Builds a throw-away store with a synthetic cohort: the 5 hand-built trainees of the cohort test
plus 7 simulated ones (attempts with a known error rate), in a throw-away IMGTRAINER_HOME.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ["IMGTRAINER_HOME"] = tempfile.mkdtemp(prefix="imgtrainer-cohort-shots-")
ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))


def _wait(app, cond=lambda: True, timeout: float = 30.0) -> None:
    from imgtrainer.gui import workers

    end = time.monotonic() + timeout
    while time.monotonic() < end and (workers.pending() or not cond()):
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def _save(widget, name: str) -> None:
    from PIL import Image

    path = OUT / name
    widget.grab().save(str(path))
    img = Image.open(path).convert("RGB").quantize(colors=192, dither=Image.Dither.NONE)
    img.save(path, optimize=True)
    print(path)


def _more_trainees(engine, now) -> None:
    """Seven more trainees with simulated lung / FAST / cardiac practice."""
    from sqlalchemy.orm import Session

    from imgtrainer.progress.trainees import TraineeDirectory
    from imgtrainer.store.attempt_tables import TraineeRow
    from tests.progress.test_cohort import _attempts, _outcomes, _scan

    rng = random.Random(20)
    names = ["Eli Novak", "Fatima Haddad", "Gus Berg", "Hana Sato", "Ivan Petrov", "Jo Mensah", "Kai Lund"]
    d = TraineeDirectory(engine)
    people = [d.add(n, now, group="PGY-1 2026" if i % 3 == 0 else "PGY-2 2026") for i, n in enumerate(names)]
    with Session(engine) as s, s.begin():
        for i, t in enumerate(people):
            row = s.get(TraineeRow, t.id)
            for dom, n, err in (
                ("lung", 8 + 3 * i, 0.1 + 0.05 * (i % 4)),
                ("fast", 2 + 2 * i, 0.35),
                ("cardiac", i * 4, 0.2),
            ):
                if not n:
                    continue
                scores = [0.5 if rng.random() < err else 1.0 for _ in range(n)]
                atts = _attempts(s, row, dom, scores, rng.choice([1, 3, 8, 20, 95 if i == 5 else 4]))
                _outcomes(
                    s,
                    row,
                    atts[0],
                    dom,
                    {"lung": "blines", "fast": "free_fluid_ruq", "cardiac": "lv_function_reduced"}[dom],
                    {
                        "TP": rng.randint(2, 9),
                        "FN": rng.randint(0, 3),
                        "TN": rng.randint(3, 9),
                        "FP": rng.randint(0, 2),
                    },
                )
            for k in range(i % 4):
                _scan(s, row, "lung", 5 + k, "Dr Okafor" if k % 2 else "")


def main() -> int:
    import tests.progress.test_cohort as hand_built
    from imgtrainer.gui.cohort.table import CohortWindow
    from imgtrainer.gui.progress.screen import ProgressScreen
    from imgtrainer.gui.style import make_app
    from imgtrainer.screens.cohort import CohortState
    from imgtrainer.screens.context import AppContext
    from tests.progress.test_cohort import build

    hand_built.NOW = NOW = datetime.now(UTC).replace(microsecond=0)  # dates relative to today
    app = make_app()
    url = f"sqlite:///{Path(os.environ['IMGTRAINER_HOME']) / 'dept.sqlite'}"
    engine, _ = build(url)
    _more_trainees(engine, NOW - timedelta(days=0))
    state = CohortState(lambda: engine, clock=lambda: NOW)
    win = CohortWindow(state)
    win.resize(1560, 560)
    win.show()
    _wait(app, lambda: win.table.rowCount() == 12)
    _save(win, "cohort.png")
    state.sort_by("fast", descending=False)
    _wait(app)
    _save(win, "cohort-sorted-by-fast.png")
    opened: list = []
    state.open_trainee.connect(lambda uid, name: opened.append((uid, name)))
    row = next(i for i, e in enumerate(state.entries) if e["trainee"] == "Dev Patel")
    win.table.selectRow(row)
    win.table.cellDoubleClicked.emit(row, 0)
    ctx = AppContext(db_url=url, trainee=opened[0][0])
    page = ProgressScreen(ctx)
    page.setWindowTitle(f"Progress — {opened[0][1]}")
    page.resize(1400, 820)
    page.show()
    page.refresh()
    _wait(app, lambda: page.logbook is not None)
    _save(page, "cohort-drill-down.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
