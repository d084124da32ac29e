"""Screenshots of the QA review of trainees' performed scans (queue and review screen).

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1700x1000x24" python3 docs/screenshots/qa_screenshots.py

Builds a throw-away QA folder: three trainees' submissions made from demo cases (a lung study
with two views, a FAST and a cardiac study), in a throw-away IMGTRAINER_HOME.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ["IMGTRAINER_HOME"] = tempfile.mkdtemp(prefix="imgtrainer-qa-shots-")
ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))


def _wait(app, cond=lambda: True, timeout: float = 30.0) -> None:
    from imgtrainer.gui import workers

    end = time.monotonic() + timeout
    while time.monotonic() < end and (workers.pending() or not cond()):
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)


def _save(widget, name: str) -> None:
    from PIL import Image

    path = OUT / name
    widget.grab().save(str(path))
    img = Image.open(path).convert("RGB").quantize(colors=192, dither=Image.Dither.NONE)
    img.save(path, optimize=True)
    print(path)


def _submissions(qa: Path) -> None:
    from imgtrainer.qa.submission import new_submission, submit_case
    from imgtrainer.resources import demo_library_dir

    demo = demo_library_dir()
    now = datetime.now(UTC)
    plan = [
        ("Ana Ruiz", "lung", "lung-02", 6, {"indication_lung": "interstitial_syndrome", "acep_quality": 4}),
        ("Ben Cho", "fast", "fast-01", 3, {"acep_quality": 3}),
        ("Cara Diaz", "cardiac", "cardiac-01", 1, {"acep_quality": 2}),
    ]
    for trainee, app, case, days, reading in plan:
        if not (demo / case).is_dir():
            case = next(p.name for p in sorted(demo.iterdir()) if p.name.startswith(app))
        when = now - timedelta(days=days)
        sub = new_submission(
            trainee,
            app,
            (when - timedelta(days=1)).date(),
            [case],
            now=when,
            reading=reading,
            supervision="direct",
            decision_note="B-lines in both zones: treat as pulmonary oedema" if app == "lung" else "",
        )
        submit_case(demo / case, qa, sub)


def main() -> None:

    from imgtrainer.gui.qa.review import QaWindow
    from imgtrainer.gui.style import make_app
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.screens.qa import QaState
    from imgtrainer.store.engine import make_engine

    app = make_app()
    qa = Path(os.environ["IMGTRAINER_HOME"]) / "qa"
    _submissions(qa)
    store = AttemptStore(make_engine(None))
    win = QaWindow(QaState(qa, "Dr Lee", lambda: store))
    win.resize(1660, 940)
    win.show()
    _wait(app, lambda: win.queue.rowCount() == 3)
    _save(win, "qa_queue.png")
    win.queue.selectRow(0)
    _wait(app, lambda: win.viewer.state.clip is not None)
    win.state.set_acep(4)
    win.reading.setCurrentCell(1, 0)
    win.state.agree(win.state.lines[0].question_id)
    win.state.agree(win.state.lines[1].question_id)
    win.state.set_answer("acep_quality", 3)
    win.feedback.setPlainText("Good depth and gain. The second zone is too lateral: slide one rib space up.")
    _wait(app, timeout=8)
    _save(win, "qa_review.png")


if __name__ == "__main__":
    main()
