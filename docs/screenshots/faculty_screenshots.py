"""Screenshots of the faculty workspace (login, import review, annotation, agreement, adjudication).

    xvfb-run -a -s "-screen 0 1600x1000x24" python3 docs/screenshots/faculty_screenshots.py

Works on a throw-away copy of a few demo cases and a throw-away IMGTRAINER_HOME. The import
review shows a synthetic DICOM (a demo clip with burned-in text added), never real patient data.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ["IMGTRAINER_HOME"] = tempfile.mkdtemp(prefix="imgtrainer-faculty-shots-")
ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent


def _pick_cases() -> tuple[str, ...]:
    """Two demo lung cases keyed with B-line marks and one case of another application."""
    folders = sorted(p for p in (ROOT / "cases").iterdir() if (p / "key.json").is_file())
    lung = [p.name for p in folders if '"b_line_marks"' in (p / "key.json").read_text()][:2]
    other = [p.name for p in folders if not p.name.startswith("lung")][:1]
    if len(lung) < 2:
        raise SystemExit("the demo library (cases/) needs two lung cases keyed with B-line marks")
    return (*lung, *other)


def _wait(app, cond=lambda: True, timeout: float = 20.0) -> None:
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
    img = Image.open(path).convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
    img.save(path, optimize=True)
    print(f"{path.name}: {path.stat().st_size / 1024:.0f} KB")


def _burned_in_dicom(src_case: Path, out: Path) -> Path:
    """A demo clip with a vendor-style text banner and 'patient name' burned into the pixels."""
    import cv2
    import numpy as np

    from imgtrainer.library.case_io import load_case, media_path
    from imgtrainer.media import open_clip
    from imgtrainer.media.dicom_writer import write_dicom_cine

    with open_clip(media_path(src_case, load_case(src_case))) as clip:
        frames = np.stack([np.asarray(clip.frame(i)) for i in range(min(clip.n_frames, 20))])
        regions = list(clip.regions)
    if frames.ndim == 4:
        frames = frames[..., 0]
    # a vendor-style banner above the scan area and a footer below it (the regions move down)
    top, bottom = 34, 26
    frames = np.pad(frames, ((0, 0), (top, bottom), (0, 0)))
    regions = [dataclasses.replace(r, y0=r.y0 + top, y1=r.y1 + top) for r in regions]
    for f in frames:
        cv2.putText(
            f, "DOE^JANE  ID 0012345  26/11/2026 09:41", (12, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.55, 255, 1
        )
        cv2.putText(
            f,
            "C5-2  MI 0.9  TIS 0.4",
            (f.shape[1] - 210, f.shape[0] - 8),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            230,
            1,
        )
    return write_dicom_cine(
        out, frames, regions=regions, patient_name="Doe^Jane", patient_id="0012345",
        study_description="LUNG", frame_time_ms=40.0, uid_seed="faculty-shot",
    )  # fmt: skip


def main() -> int:
    from imgtrainer.annotate.session import AnnotationSession
    from imgtrainer.gui.faculty.login import FacultyGate, FacultyLoginDialog
    from imgtrainer.gui.faculty.workspace import FacultyWindow
    from imgtrainer.gui.style import make_app
    from imgtrainer.library.case_io import load_key
    from imgtrainer.library.models import OrdinalAnswer
    from imgtrainer.resources import data_dir

    app = make_app()
    CASES = _pick_cases()
    tmp = Path(tempfile.mkdtemp(prefix="faculty-lib-"))
    lib = tmp / "library"
    lib.mkdir()
    for name in CASES:
        shutil.copytree(ROOT / "cases" / name, lib / name)
    # two raters on two lung cases (from the shipped key, one rater shifted and disagreeing)
    for name in CASES[:2]:
        expert = load_key(lib / name)
        lines = expert.answers["b_line_marks"].marks
        for rater, dx, lus in (("ana", 0, 1), ("ben", 9, 2 if name.endswith("1") else 1)):
            s = AnnotationSession(lib / name, rater)
            s.set_answer("lus_score", OrdinalAnswer(value=lus))
            for qid in ("view", "findings"):
                if qid in expert.answers:
                    s.set_answer(qid, expert.answers[qid])
            for m in lines[: 3 if rater == "ana" else 2]:
                s.add_mark(
                    "b_line_marks", m.model_copy(update={"points": [(x + dx, y) for x, y in m.points]})
                )
    home = data_dir()
    gate = FacultyGate(home)

    dialog = FacultyLoginDialog(gate)
    dialog.name.setText("Dr A. Rivera")
    dialog.show()
    _wait(app)
    _save(dialog, "faculty_login.png")
    dialog.close()
    gate.unlock("Dr A. Rivera", "faculty-pass", "faculty-pass")

    w = FacultyWindow(lib, gate, home)
    w.resize(1500, 920)
    w.show()
    _wait(app)
    src = _burned_in_dicom(lib / CASES[0], tmp / "scan0001.dcm")
    w.show_tab("review")
    done: list = []
    w.review.domain.setCurrentIndex(w.review.domain.findData("lung"))
    w.review.import_paths([src], on_done=done.append)
    _wait(app, lambda: bool(done) and w.review.view.preview is not None)
    pv = w.review.view.preview
    if pv is None:
        raise SystemExit(f"no import review preview: {w.review.status.text()} {w.review.view.message}")
    cols = pv.split_x - 8
    rows = pv.image.shape[0]
    w.review.view.box = (int(cols * 0.08), int(rows * 0.09), int(cols * 0.92), int(rows * 0.97))
    w.review.status.setText(
        "New scan area drawn: press Re-mask to apply, or Approve if the cleaned frame is right"
    )
    _wait(app)
    _save(w, "faculty_import_review.png")

    w.show_tab("annotate")
    page = w.annotate
    page.open_case(lib / CASES[0])
    _wait(app, lambda: page.viewer_state.clip is not None)
    st = page.state
    expert = load_key(lib / CASES[0])
    st.select_question("b_line_marks")
    frame = expert.answers["b_line_marks"].marks[0].frame or 0
    page.viewer_state.set_index(frame)
    for m in expert.answers["b_line_marks"].marks:
        st._take_mark(m.type, tuple(m.points), frame)
    pl = expert.answers["pleural_line_mark"].marks[0]
    st.select_question("pleural_line_mark")
    st._take_mark(pl.type, tuple(pl.points), frame)
    st.select_question("b_line_marks")
    st.select_mark(1)
    page.viewer_state.set_zoom(1.3)
    _wait(app)
    _save(w, "faculty_annotate.png")

    st.select_question("decision")
    _wait(app)
    _save(w, "faculty_decision.png")

    st.select_question("findings")  # every finding's drop-down visible at 1500 px
    _wait(app)
    _save(w, "faculty_findings.png")

    w.show_tab("agreement")
    _wait(app, lambda: w.agreement.report is not None)
    _save(w, "faculty_agreement.png")

    w.show_tab("adjudicate")
    _wait(app, lambda: w.adjudicate.viewer_state.clip is not None)
    adj = w.adjudicate
    first = next(i for i, it in enumerate(adj.adj.items) if it.mark_index is not None)
    mark = adj.adj.keys[adj.adj.items[first].rater].answers["b_line_marks"].marks[0]
    adj.viewer_state.set_index(mark.frame or 0)
    adj.table.setCurrentCell(first, 0)
    adj.decide(True)
    adj.decide(False)
    _wait(app)
    _save(w, "faculty_adjudication.png")
    w.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
