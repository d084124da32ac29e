"""Take a screenshot of every screen of the app, for the docs and for review by eye.

Run under a real X server (the images then show what a trainee sees):

    xvfb-run -a -s "-screen 0 1600x1000x24" python3 docs/screenshots/make_screenshots.py --library cases

Uses a throw-away IMGTRAINER_HOME, so the user's own progress is untouched. PNGs are quantised
to a 192-colour palette with Pillow (no dithering, so text edges stay clean) to stay small.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("IMGTRAINER_HOME", tempfile.mkdtemp(prefix="imgtrainer-shots-"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", type=Path, default=None, help="case library (default: the bundled demo)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument("--size", default="1366x768", help="window size for the main screens")
    ap.add_argument("--practice", type=int, default=8, help="extra cases practised before the progress shot")
    ap.add_argument(
        "--hidpi",
        action="store_true",
        help="only the feedback screen, saved as 10-case-4k.png at full device resolution (run with "
        "QT_SCALE_FACTOR=2 on a 3840x2160 screen and --size 1920x1080)",
    )
    a = ap.parse_args(argv)
    from PIL import Image
    from PyQt6.QtWidgets import QApplication

    from imgtrainer.gui import workers
    from imgtrainer.gui.dialogs import AboutDialog, ProfileDialog, ShortcutsDialog
    from imgtrainer.gui.main_window import MainWindow
    from imgtrainer.gui.style import make_app
    from imgtrainer.resources import demo_library_dir
    from imgtrainer.screens.context import AppContext
    from imgtrainer.screens.practice import option_values

    app = make_app()
    width, height = (int(v) for v in a.size.split("x"))
    a.out.mkdir(parents=True, exist_ok=True)

    def pump(seconds: float = 0.3, until=None, timeout: float = 20.0) -> None:
        end = time.monotonic() + (timeout if until else seconds)
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
            if until is not None and until():
                break
        for _ in range(5):
            app.processEvents()

    def save(pixmap, name: str) -> Path:
        """Save at the pixmap's device pixels (a 200 % window gives a 2x image), quantised."""
        path = a.out / name
        pixmap.save(str(path))
        img = Image.open(path).convert("RGB").quantize(colors=192, dither=Image.Dither.NONE)
        img.save(path, optimize=True)
        print(f"{path}: {img.size[0]}x{img.size[1]} px, {path.stat().st_size // 1024} KB")
        return path

    def shot(widget, name: str) -> None:
        pump(0.2)
        save(widget.grab(), name)

    if not a.hidpi:
        dlg = ProfileDialog(["Dr A. Resident", "Dr B. Fellow"])
        dlg.show()
        shot(dlg, "01-first-run.png")
        dlg.close()

    ctx = AppContext(library_dir=a.library or demo_library_dir(), trainee="Dr A. Resident")
    w = MainWindow(ctx)
    w.resize(width, height)
    w.show()
    lib = w.library_page
    pump(until=lambda: lib.list.count() > 0 and len(lib._thumbs) >= min(lib.list.count(), 12))
    if not a.hidpi:
        shot(w, "02-library.png")

    # practice: the demo's B-line case when there is one (its lung assist is shown later), else
    # the first lung case, else the first case
    items = [lib.list.item(i) for i in range(lib.list.count())]
    ids = [str(it.data(0x0101)) for it in items]
    want = "lung-07" if "lung-07" in ids else next((i for i in ids if i.startswith("lung")), ids[0])
    pick = items[ids.index(want)]
    lib._activated(pick)
    pump(until=lambda: w.practice_state.qset is not None)
    ps, st = w.practice_state, w.viewer_state
    st.set_index(st.n_frames // 2)
    if not a.hidpi:  # blind start: neutral header, only the application question until it is answered
        shot(w, "03a-first-question.png")
    for qid, digit in (("application", 2), ("view", 4), ("acep_quality", 4)):
        if any(q.id == qid for q in ps.questions):
            ps.focus_id(qid)
            ps.answer_digit(digit)
    if any(q.id == "findings" for q in ps.questions):
        ps.focus_id("findings")
        for d in (1, 5, 6):
            ps.answer_digit(d)
    if any(q.id == "pleural_line_mark" for q in ps.questions):
        ps.focus_id("pleural_line_mark")
        clip = st.clip
        y = clip.rows * 0.22
        st.press((clip.cols * 0.3, y))
        st.drag((clip.cols * 0.7, y + 2))
        st.release((clip.cols * 0.7, y + 2))
    ps.focus_id("findings")
    pump(0.3)
    if "findings" in w.practice_panel.widgets:  # the findings list, with its Alt+0 … keys past 9
        w.practice_panel.scroll.ensureWidgetVisible(w.practice_panel.widgets["findings"], 0, 0)
    if not a.hidpi:
        shot(w, "03-practice.png")
    if any(q.id == "decision" for q in ps.questions):
        ps.focus_id("decision")
        ps.answer_digit(1)
    w.submit()
    w.submit()
    pump(0.3)
    panel = w.practice_panel
    panel.scroll.verticalScrollBar().setValue(0)
    if a.hidpi:
        pump(0.3)
        save(w.grab(), "10-case-4k.png")  # full device resolution: no downscaling, no blur
        print(f"window {w.width()}x{w.height()} logical, device pixel ratio {w.devicePixelRatioF()}")
        pump(until=lambda: workers.pending() == 0, timeout=10)
        w.close()
        return 0
    shot(w, "04-feedback.png")

    # viewer tools: M-mode strip, quality panel, a caliper and a refused measurement
    w.toggle_quality()
    clip = st.clip
    st.set_tool("mmode")
    st.press((clip.cols * 0.5, clip.rows * 0.1))
    st.release((clip.cols * 0.5, clip.rows * 0.9))
    st.set_tool("distance")
    st.press((clip.cols * 0.35, clip.rows * 0.2))
    st.release((clip.cols * 0.35, clip.rows * 0.6))
    pump(until=lambda: w.quality_panel.report is not None and w.viewer.mmode_strip.mmode is not None)
    shot(w, "05-viewer-tools.png")
    w.toggle_quality()
    st.clear_annotations()
    st.set_message("")
    st.set_show_assist(True)
    pump(
        until=lambda: (
            w.viewer.assist.report is not None or w.viewer.assist.error.startswith("Lung assist not")
        )
    )
    shot(w, "06-lung-assist.png")
    st.set_show_assist(False)
    items = [lib.list.item(i) for i in range(lib.list.count())]  # the list may have been rebuilt
    ids = [str(it.data(0x0101)) for it in items]
    if "lung-06" in ids:  # a clip the assist is unsure about: it says so instead of guessing
        lib._activated(items[ids.index("lung-06")])
        pump(until=lambda: w.practice_state.qset is not None and w.practice_state.qset.case_id == "lung-06")
        st.set_index(st.n_frames // 2)
        w.submit()
        w.submit()
        st.set_show_assist(True)
        pump(until=lambda: w.viewer.assist.report is not None)
        shot(w, "06b-lung-assist-uncertain.png")
        st.set_show_assist(False)

    # a few more cases through the real flow (N, digit answers, Enter), so progress has a curve
    rng = random.Random(7)
    for _ in range(a.practice):
        current = ps.qset.case_id
        w.show_case()
        w.next_case()
        pump(until=lambda c=current: ps.qset is not None and ps.qset.case_id != c and not ps.submitted)
        key = w.practice.bundle.key
        good = rng.random() < 0.75  # a trainee who is right about three times in four
        for i, q in enumerate(ps.questions):
            ps.set_focus(i)
            expert = key.answers.get(q.id) if key is not None else None
            if q.kind in ("category", "ordinal", "decision"):
                values = option_values(q)
                want = getattr(expert, "value", None)
                if q.kind == "decision" and expert is not None:
                    want = ps.qset.option_order.get(q.id, list(range(len(values)))).index(expert.correct)
                if q.id == "application":
                    want = ps.qset.domain
                n = values.index(want) + 1 if good and want in values else rng.randint(1, len(values))
                ps.answer_digit(min(n, 9))
            elif q.kind == "findings" and expert is not None:
                present = set(expert.present) if good else set(rng.sample([f.id for f in q.findings], 2))
                for d, f in enumerate(q.findings, 1):  # 10 and beyond: Alt+0 … (answer_digit 10+)
                    if f.id in present:
                        ps.answer_digit(d)
        w.submit()
        w.submit()
        pump(0.2)
    w.show_progress()
    pump(until=lambda: w.progress_page.logbook is not None)
    shot(w, "07-progress.png")

    help_dialog = ShortcutsDialog(w)
    help_dialog.show()
    shot(help_dialog, "08-shortcuts.png")
    help_dialog.close()
    about = AboutDialog(w)
    about.show()
    shot(about, "09-about.png")
    about.close()

    pump(until=lambda: workers.pending() == 0, timeout=10)
    w.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
