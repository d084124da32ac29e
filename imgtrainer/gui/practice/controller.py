"""Glue between the practice panel and the practice engine: open a case, save every answer as it
is given (one committed transaction each, so a crash loses nothing), finish, next from the queue."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from imgtrainer.gui.practice.panel import PracticePanel
from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.screens import services
from imgtrainer.screens.context import AppContext
from imgtrainer.screens.labels import DOMAIN_TITLES, PROBE_TITLES, case_label, neutral_context
from imgtrainer.screens.practice import PracticeState
from imgtrainer.screens.viewer.state import ViewerState
from imgtrainer.training.responses import parse_response


def case_header_html(case: Any, revealed: bool = False) -> str:
    """The case header above the questions.

    Before submission (``revealed`` False) it is blind: a neutral label, difficulty, probe, the
    patient's age/weight and the clinical context, never the title, id, tags or application (the
    first question asks for the application). After submission it names the case.
    """
    stars = "●" * case.difficulty + "○" * (3 - case.difficulty)
    probe = PROBE_TITLES.get(case.probe, case.probe)
    facts = []
    if case.patient.age_years is not None:
        facts.append(f"{case.patient.age_years:g} y")
    if case.patient.weight_kg is not None:
        facts.append(f"{case.patient.weight_kg:g} kg")
    if revealed:
        heading = html.escape(case.title)
        line = (
            f"<span style='color:{palette.ACCENT}'>{DOMAIN_TITLES.get(case.domain, case.domain)}</span>"
            f" &nbsp;·&nbsp; difficulty {stars} &nbsp;·&nbsp; {html.escape(probe)}"
            f" &nbsp;·&nbsp; <span style='color:{palette.TEXT_DIM}'>{html.escape(case.id)}</span>"
        )
        context = case.patient.clinical_context.strip()
    else:
        heading = html.escape(case_label(case.id))
        line = f"difficulty {stars} &nbsp;·&nbsp; {html.escape(probe)}"
        context = neutral_context(case.patient.clinical_context, case.indication)
    text = f"<div style='font-size:14pt; font-weight:600'>{heading}</div><div>{line}</div>"
    if context or facts:
        story = ", ".join(facts) + (". " if facts and context else "") + context
        text += f"<div style='color:#c9ced3'>{html.escape(story)}</div>"
    if revealed and case.indication.strip():
        text += (
            f"<div style='color:{palette.TEXT_DIM}'>Indication: {html.escape(case.indication.strip())}</div>"
        )
    return text


class PracticeController(QObject):
    """Owns the current attempt; the panel and viewer show it."""

    case_opened = pyqtSignal(object)  # CaseBundle
    failed = pyqtSignal(str)
    finished = pyqtSignal(object)  # CaseScore

    def __init__(
        self,
        ctx: AppContext,
        practice: PracticeState,
        viewer: ViewerState,
        panel: PracticePanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.practice, self.viewer, self.panel = ctx, practice, viewer, panel
        self.bundle: services.CaseBundle | None = None
        self.attempt_id: int | None = None
        self._recorded_time: dict[str, float] = {}
        self.loading = False
        panel.scorer = self._score
        panel.on_next = self.next_case
        practice.changed.connect(self._on_practice)

    # opening ----------------------------------------------------------------------------------------
    def open_case(self, folder: Path) -> None:
        """Load the case, its question set, the attempt (resumed if unfinished) and the clip, off the GUI thread."""
        from imgtrainer.media import open_clip

        self.loading = True

        def work() -> tuple[services.CaseBundle, int | None, dict, Any]:
            bundle = services.load_bundle(self.ctx, folder, seed=None)
            attempt_id, restored = (None, {})
            if bundle.key is not None and self.ctx.trainee:
                attempt_id, restored = services.start_or_resume(self.ctx, bundle.qset)
            clip = open_clip(bundle.media)
            clip.frame(0)  # decode the first frame here, not in the first paint
            return bundle, attempt_id, restored, clip

        run_async(work, self._opened, self._failed)

    def _opened(self, result: tuple) -> None:
        bundle, attempt_id, restored, clip = result
        self.loading = False
        self.bundle, self.attempt_id = bundle, attempt_id
        self._recorded_time = {}
        self.viewer.set_clip(clip)
        self.panel.show_questions(
            bundle.qset, case_header_html(bundle.case), restored, case_header_html(bundle.case, revealed=True)
        )
        self._restore_marks(restored)
        if bundle.key is None:
            self.panel.error.setText(
                "This case has no expert key: you can study it, but it cannot be scored."
            )
        self.case_opened.emit(bundle)

    def _show_expert_ranges(self) -> None:
        """The key's frame ranges on the timeline (orange) over the trainee's (blue)."""
        key = self.bundle.key if self.bundle else None
        asked = {q.id for q in self.practice.questions if q.kind == "frame_ranges"}
        expert = [
            tuple(r) for qid, a in (key.answers.items() if key else []) if qid in asked for r in a.ranges
        ]
        self.viewer.set_timeline_ranges(self.viewer.answer_ranges, expert)

    def _restore_marks(self, restored: dict) -> None:
        """Draw the marks of a resumed attempt again, tagged with their questions."""
        from imgtrainer.screens.practice import core_mark_to_view

        marks = []
        for qid, resp in restored.items():
            if resp.kind == "marks":
                marks += [dataclasses.replace(core_mark_to_view(m), tag=qid) for m in resp.marks]
        if marks:
            self.viewer.add_marks(marks)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.failed.emit(str(exc))

    def next_case(self) -> None:
        """Open the next case of the adaptive queue (not the one just done)."""
        exclude = self.bundle.case.id if self.bundle else None
        self.loading = True
        run_async(lambda: services.next_case_folder(self.ctx, exclude=exclude), self._open_next, self._failed)

    def _open_next(self, folder: Path | None) -> None:
        if folder is None:
            self.loading = False
            self.failed.emit("No case in the library matches.")
            return
        self.open_case(folder)

    # saving and scoring -------------------------------------------------------------------------------
    def _on_practice(self, topic: str) -> None:
        if topic == "answer" and self.practice.last_answered:
            self._save(self.practice.last_answered)

    def _save(self, qid: str) -> None:
        """Commit the answer to ``qid`` as given, with the time spent since it was last saved; a
        cleared answer is deleted from the attempt, so a resumed attempt shows it unanswered."""
        if self.attempt_id is None:
            return
        if qid not in self.practice.answers:
            self._recorded_time[qid] = 0.0  # the stored time went with the answer: count it all again
            try:
                services.clear_answer(self.ctx, self.attempt_id, qid)
            except Exception as exc:
                self.practice.error = f"Could not clear your saved answer: {exc}"
                self.practice.changed.emit("error")
            return
        q = self.practice.qset.question(qid)
        self.practice._bank_time()
        total = self.practice.time_s.get(qid, 0.0)
        delta = max(0.0, total - self._recorded_time.get(qid, 0.0))
        self._recorded_time[qid] = total
        resp = parse_response(q, self.practice.answers[qid]).model_copy(update={"time_s": round(delta, 2)})
        try:
            services.record_answer(self.ctx, self.attempt_id, qid, resp)
        except Exception as exc:
            self.practice.error = f"Could not save your answer: {exc}"
            self.practice.changed.emit("error")

    def _score(self, responses: dict) -> Any:
        if self.bundle is None:
            raise RuntimeError("no case open")
        if self.attempt_id is None:
            from imgtrainer.training.scoring import score_case

            if self.bundle.key is None:
                raise RuntimeError("this case has no expert key")
            result = score_case(self.bundle.case, self.bundle.key, self.bundle.qset, responses)
        else:
            result = services.finish_attempt(self.ctx, self.attempt_id, self.bundle)
        self._show_expert_ranges()
        self.finished.emit(result)
        return result
