"""Screenshots of the exam screens (builder, sign-in, proctor start, exam, resume, final) from the
demo library. Run under Xvfb from the repository root:

    xvfb-run -a -s "-screen 0 1600x1000x24" python3 docs/screenshots/exam_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PyQt6.QtWidgets import QApplication, QWidget

from imgtrainer.gui import workers
from imgtrainer.gui.exam.builder import ExamBuilderDialog
from imgtrainer.gui.exam.take import ExamTakeWindow
from imgtrainer.gui.style import make_app
from imgtrainer.resources import demo_library_dir
from imgtrainer.screens.context import AppContext

PASS = "proctor passphrase"


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def wait(app: QApplication, cond, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return
        time.sleep(0.02)
    raise TimeoutError("screen did not get ready")


def save(app: QApplication, w: QWidget, path: Path) -> None:
    for _ in range(5):
        app.processEvents()
        time.sleep(0.05)
    w.grab().save(str(path), quality=0)  # PNG: 0 = strongest compression
    print(f"{path}: {path.stat().st_size // 1024} KB")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    tmp = Path(tempfile.mkdtemp(prefix="exam-shots-"))
    ctx = AppContext(library_dir=demo_library_dir(), db_url=f"sqlite:///{tmp / 'app.sqlite'}")
    # 1. the builder: lung cases by filter, rules, passphrase, build
    b = ExamBuilderDialog(ctx)
    b.resize(1400, 880)
    b.show()
    wait(app, lambda: b.case_list.count() > 0)
    b.domain_box.setCurrentIndex(b.domain_box.findData("lung"))
    wait(app, lambda: all(b.case_list.item(i).text().find("Lung") > 0 for i in range(b.case_list.count())))
    b.state.choose_shown()
    for row in list(b.state.chosen)[5:]:
        b.state.choose(row, "", False)
    box = b.chosen_cases.set_combo(2)
    box.setCurrentIndex(box.findData("default"))  # this case asks every keyed question
    b.title_edit.setText("Lung ultrasound — end of rotation exam")
    b.time_spin.setValue(20)
    b.order_box.setCurrentIndex(1)
    b.options_box.setChecked(True)
    b.set_box.setCurrentIndex(b.set_box.findData("quick"))
    b.pass1.setText(PASS)
    b.pass2.setText(PASS)
    pkg = tmp / "lung-final.itexam"
    b.output_edit.setText(str(pkg))
    b.build()
    wait(app, lambda: b.report is not None, 120)
    save(app, b, out / "exam_builder.png")
    b.close()
    # 2. sign-in, proctor start, the exam, resume, final
    clock = Clock()
    w = ExamTakeWindow(pkg, home=tmp / "home", clock=clock)
    w.confirm = lambda *_a: True
    w.resize(1366, 840)
    w.show()
    w.candidate_edit.setText("cand-017")
    save(app, w, out / "exam_signin.png")
    w.identify()
    shots: dict[str, QWidget] = {}

    names = {"Start the exam": "start", "Resume the exam": "resume", "Show the score": "score"}

    def run_dialog(dialog) -> bool:
        dialog.show()
        dialog.passphrase.setText(PASS)
        save(app, dialog, out / f"exam_proctor_{names.get(dialog.windowTitle(), 'dialog')}.png")
        shots.setdefault("start", dialog)
        dialog.try_accept()
        return dialog.result() == 1

    def answer_application(win) -> None:
        if "application" not in [q.id for q in win.state.qset.questions]:
            return  # this item's question set does not ask it
        q = win.state.qset.question("application")
        win.panel.widgets["application"].buttons[[o.id for o in q.options].index("lung")].click()

    w.run_dialog = run_dialog
    save(app, w, out / "exam_gate.png")
    w._gate_action()
    wait(app, lambda: w.panel.viewer_state.clip is not None and workers.pending() == 0)
    # the case asked with every keyed question (the "default" set): question 1 alone at first
    gated = next(
        i for i in range(w.state.n_items)
        if any(q["id"] == "application" for q in w.session.item(i)["question_set"]["questions"])
    )  # fmt: skip
    w.state.go(gated)
    wait(app, lambda: w.panel.viewer_state.clip is not None and workers.pending() == 0)
    save(app, w, out / "exam_first_question.png")
    w.state.go(0)
    wait(app, lambda: w.panel.viewer_state.clip is not None and workers.pending() == 0)
    p = w.panel
    answer_application(w)
    p.widgets["view"].buttons[3].click()
    p.widgets["findings"].boxes[next(iter(p.widgets["findings"].boxes))].click()
    clock.t = 20 * 60 - 4 * 60 - 12  # 4:12 left: amber
    w._poll()
    save(app, w, out / "exam_take.png")
    w.state.go(1)
    wait(app, lambda: w.panel.viewer_state.clip is not None and workers.pending() == 0)
    answer_application(w)
    clock.t = 20 * 60 - 42  # the last minute: red
    w._poll()
    save(app, w, out / "exam_take_last_minute.png")
    # crash and resume
    w.timer.stop()
    w.session.close()
    w.session = w.state = None
    w.close()
    w2 = ExamTakeWindow(pkg, home=tmp / "home", clock=clock)
    w2.confirm = lambda *_a: True
    w2.run_dialog = run_dialog
    w2.resize(1366, 840)
    w2.show()
    w2.candidate_edit.setText("cand-017")
    w2.identify()
    w2.grant_box.setChecked(True)  # the proctor gives back the time the app was down
    save(app, w2, out / "exam_resume.png")
    w2._gate_action()
    wait(app, lambda: w2.panel.viewer_state.clip is not None and workers.pending() == 0)
    w2.state.submit()
    w2.show_score()
    save(app, w2, out / "exam_final.png")
    w2.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
