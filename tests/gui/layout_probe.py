"""Open the practice and progress screens at a window size and list text that does not fit.

Used in-process by ``test_layout_fit.py`` and, for a 200 % display, as a subprocess (the Qt scale
factor is fixed when the QApplication starts):

    QT_SCALE_FACTOR=2 QT_QPA_PLATFORM=offscreen python3 -m tests.gui.layout_probe 1920x1080 cases/

Prints JSON: the device pixel ratio and the faults per screen and application.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from PyQt6.QtWidgets import QApplication

from tests.gui.fit import text_faults

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def pump(until=None, timeout: float = 20.0) -> None:
    """Run the event loop until ``until()`` holds (or a short settle without a condition)."""
    end = time.monotonic() + (timeout if until else 0.2)
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)
        if until is not None and until():
            break
    for _ in range(5):
        QApplication.processEvents()


def busy_logbook():
    """A logbook at the edge of every column: 3-digit counts, a maintenance reminder, mastery,
    a long streak and every finding of every application answered (the longest labels)."""
    from imgtrainer.library.models import DOMAINS
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.progress.logbook import build_logbook

    attempts, findings = [], []
    plan = {"airway": (12, 1.0, 0), "lung": (25, 0.9, 1), "gastric": (9, 0.5, 2), "cardiac": (140, 0.95, 3)}
    for dom, (n, score, age_days) in plan.items():
        for i in range(n):
            when = NOW - timedelta(days=age_days * 60 + n - i)
            attempts.append(
                SimpleNamespace(case_id=f"{dom}-{i % 97}", domain=dom, score=score, finished_at=when)
            )
    for dom in DOMAINS:
        for j, f in enumerate(load_taxonomy(dom).findings):
            for outcome in ("tp", "tn", "fp", "fn")[: 1 + j % 4]:
                findings.append(
                    SimpleNamespace(
                        domain=dom, finding=f.id, label=f.label, outcome=outcome, distractor=False
                    )
                )
    return build_logbook("Dr Alexandra Featherstonehaugh-Smith", attempts, [], findings, NOW)


def progress_faults(window) -> dict[str, list[str]]:
    """Faults of the progress page for each application's findings and curves."""
    page = window.progress_page
    window.show_progress()
    pump(until=lambda: page.logbook is not None)
    page.show_logbook(busy_logbook())
    out = {}
    for i in range(page.domain_box.count()):
        page.domain_box.setCurrentIndex(i)
        pump()
        out[str(page.domain_box.currentData())] = text_faults(page)
    return out


def practice_faults(window, folders: list[Path]) -> dict[str, list[str]]:
    """Faults of the case page with every question shown, one case per folder."""
    out = {}
    ps = window.practice_state
    for folder in folders:
        before = ps.qset
        window.open_case(folder)
        pump(until=lambda b=before: ps.qset is not None and ps.qset is not b)
        ps.focus_id("application")
        ps.answer_digit(1 + ["airway", "lung", "gastric", "cardiac", "fast"].index(ps.qset.domain))
        pump()
        out[folder.name] = text_faults(window.side) + text_faults(window.viewer)
    return out


def one_case_per_domain(library: Path) -> list[Path]:
    from imgtrainer.library.case_io import load_case

    seen: dict[str, Path] = {}
    for folder in sorted(p for p in library.iterdir() if (p / "case.json").is_file()):
        seen.setdefault(load_case(folder).domain, folder)
    return list(seen.values())


def probe(size: str, library: Path) -> dict:
    from imgtrainer.gui import workers
    from imgtrainer.gui.main_window import MainWindow
    from imgtrainer.gui.style import make_app
    from imgtrainer.screens.context import AppContext

    app = make_app()
    width, height = (int(v) for v in size.split("x"))
    db = Path(tempfile.mkdtemp(prefix="layout-probe-")) / "p.sqlite"
    ctx = AppContext(library_dir=library, db_url=f"sqlite:///{db}", trainee="Dr A. Resident")
    w = MainWindow(ctx)
    w.resize(width, height)
    w.show()
    pump(until=lambda: w.library_page.list.count() > 0 and hasattr(w, "practice"))
    result = {
        "device_pixel_ratio": w.devicePixelRatioF(),
        "window": [w.width(), w.height()],
        "practice": practice_faults(w, one_case_per_domain(library)),
        "progress": progress_faults(w),
    }
    pump(until=lambda: workers.pending() == 0, timeout=10)
    w.close()
    app.processEvents()
    return result


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], Path(sys.argv[2]))))
