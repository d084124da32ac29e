"""The candidate's exam screen state, with no Qt: current case, committed answers, policies, clock.

It binds an ``ExamSession`` (the Qt-free exam core) to the practice question widgets: each case's
answers live in a ``PracticeState`` (so the same widgets are reused), and every change the widgets
make is committed to the session at once (``commit_changes``: one fsynced transaction per changed
answer). Decisions are the one translation: the widgets answer with the index *as shown*, the exam
with the option id (the original index), so shuffled options grade correctly.

The window polls ``tick()`` a few times a second: it heartbeats the session (persisting the clock),
follows a forward move the core made when a case's time ran out, and notices the automatic
submission at the time limit. Nothing here ever sees an answer key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from imgtrainer.errors import ExamError, ImgTrainerError
from imgtrainer.exams.session import ExamSession
from imgtrainer.screens.practice import PracticeState
from imgtrainer.screens.signal import Signal
from imgtrainer.training.questions import QuestionSet, QuestionView

FORWARD_ONLY = "This exam is forward-only: earlier cases cannot be revisited."
NO_REPLAY = "Replay is off in this exam: each clip plays once."
STEP_IN_PLAY = (
    "Replay is off in this exam: frames can be stepped only during the clip's one play (press Play)."
)
LAST_CASE = "This is the last case. Press Submit exam when you are done."
CASE_TIME_UP = "The time for this case is up: its answers are closed."


def format_clock(seconds: float | None) -> str:
    """``h:mm:ss`` or ``m:ss`` (rounded up, so 0:00 means the time is really up).

    >>> format_clock(59.2), format_clock(3600), format_clock(None)
    ('1:00', '1:00:00', '–')
    """
    if seconds is None:
        return "–"
    s = max(0, int(-(-seconds // 1)))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def countdown_level(remaining_s: float | None, limit_s: float | None) -> str:
    """'normal', 'amber' (last 5 min, at most a quarter of the limit) or 'red' (last minute,
    at most a tenth of the limit). Without a limit: 'normal'.

    >>> [countdown_level(r, 3600) for r in (900, 300, 60)]
    ['normal', 'amber', 'red']
    """
    if remaining_s is None or not limit_s:
        return "normal"
    if remaining_s <= min(60.0, 0.1 * limit_s):
        return "red"
    if remaining_s <= min(300.0, 0.25 * limit_s):
        return "amber"
    return "normal"


def to_exam_response(q: QuestionView, raw: Any) -> Any:
    """A practice-widget answer as the exam's response (decision: shown index -> option id)."""
    if raw is None or q.kind != "decision":
        return raw
    return int(q.options[int(raw)].id)


def from_exam_response(q: QuestionView, response: Any) -> Any:
    """A committed exam response as the practice widgets' answer (None if it cannot be shown)."""
    if response is None:
        return None
    if q.kind != "decision":
        return response
    choice = response.get("choice") if isinstance(response, dict) else response
    ids = [o.id for o in q.options]
    return ids.index(str(choice)) if str(choice) in ids else None


class ExamTakeState:
    """One candidate's running exam as the window shows it; ``changed`` emits a topic string:
    'item' (another case is shown), 'answers' (a commit), 'clock', 'locked' (this case's answers
    closed), 'submitted', 'error'."""

    def __init__(self, session: ExamSession) -> None:
        self.session = session
        self.changed = Signal()
        # question 1 (the application) first: every later question names the application
        # (imgtrainer.exams.placement.visible_questions); once answered it is locked
        self.practice = PracticeState(gate_application=True)
        self.practice.changed.connect(self._on_practice)
        self.index = -1
        self.item: dict[str, Any] | None = None
        self.qset: QuestionSet | None = None
        self.error = ""
        self.remaining: float | None = None
        self.item_remaining: float | None = None
        self._committed: dict[str, Any] = {}  # this case: question -> practice-form answer
        self._answered: dict[str, set[str]] = {}  # item id -> questions with a committed answer
        self._play_open: set[int] = set()  # cases whose single allowed play is under way
        self._loading = False

    # settings -------------------------------------------------------------------------------------
    @property
    def settings(self) -> dict[str, Any]:
        return self.session.settings

    @property
    def n_items(self) -> int:
        return len(self.session.order)

    @property
    def forward_only(self) -> bool:
        return self.settings.get("navigation") == "forward"

    @property
    def replay_allowed(self) -> bool:
        return bool(self.settings.get("replay_loops", True))

    @property
    def time_limit_s(self) -> float | None:
        """This candidate's limit: the exam's plus extra time and the proctor's additions."""
        return self.session.time_limit_s()

    @property
    def case_time_limit_s(self) -> float | None:
        return self.settings.get("case_time_limit_s")

    @property
    def submitted(self) -> bool:
        return self.session.state == "submitted"

    # lifecycle ------------------------------------------------------------------------------------
    def begin(self) -> None:
        """After ``start``/``resume``: load what was answered and show the session's current case."""
        self._answered = {
            item: {q for q, r in answers.items() if r is not None}
            for item, answers in self.session.answers().items()
        }
        self.tick()
        if not self.submitted:
            self.show(self.session.current)

    def show(self, index: int) -> None:
        """Show case ``index`` (already the session's current one): its questions and answers."""
        self.index = index
        self.item = self.session.item(index)
        qset = QuestionSet.model_validate(self.item["question_set"])
        self.qset = qset
        saved = self.session.answers().get(self.item["item_id"], {})
        restored: dict[str, Any] = {}
        self._committed = {}
        from imgtrainer.training.responses import parse_response

        for q in qset.questions:
            raw = from_exam_response(q, saved.get(q.id))
            if raw is None:
                continue
            try:
                restored[q.id] = parse_response(q, raw)
            except ImgTrainerError:
                continue  # an answer the widgets cannot show is left as committed
            self._committed[q.id] = raw
        self._loading = True
        try:
            self.practice.load(qset, restored)
            self._committed = dict(self.practice.answers)
        finally:
            self._loading = False
        self.error = ""
        if self.case_time_limit_s is not None:
            self.item_remaining = self.session.item_remaining_s(index)
        if self.time_limit_s is not None:
            self.remaining = self.session.remaining_s()
        self.changed.emit("item")
        if self.item_locked():
            self._lock_item()

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Widgets may rewrite answers here (a clip is being shown again): commit nothing."""
        before, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = before

    def item_locked(self, index: int | None = None) -> bool:
        """True when the per-case time of case ``index`` (default: shown) has run out."""
        limit = self.case_time_limit_s
        if limit is None or self.submitted:
            return self.submitted
        left = self.session.item_remaining_s(self.index if index is None else index)
        return left is not None and left <= 0

    def _lock_item(self) -> None:
        self.practice.submitted = True  # the widgets disable their controls on this topic
        self.practice.changed.emit("submitted")
        self.changed.emit("locked")

    # answers --------------------------------------------------------------------------------------
    def _on_practice(self, topic: str) -> None:
        if topic == "answer" and not self._loading:
            self.commit_changes()

    def commit_changes(self) -> int:
        """Commit every answer of the shown case that differs from what was committed; returns
        how many were written. A refused answer leaves ``error`` set and is not marked committed."""
        if self.qset is None or self.item is None or self.session.state != "running":
            return 0
        item_id = self.item["item_id"]
        answers = self.practice.answers
        written = 0
        for q in self.qset.questions:
            now = answers.get(q.id)
            if q.id in self._committed and self._committed[q.id] == now:
                continue
            if q.id not in self._committed and now is None:
                continue
            try:
                self.session.answer(self.index, q.id, to_exam_response(q, now))
            except Exception as exc:  # refused or not written: kept pending, retried on the next change
                known = isinstance(exc, ImgTrainerError)
                self._fail(str(exc) if known else f"Could not save your answer ({exc}); tell your proctor.")
                if self.submitted:
                    self.changed.emit("submitted")
                elif self.item_locked():
                    self._lock_item()
                return written
            written += 1
            if now is None:
                self._committed.pop(q.id, None)
                self._answered.setdefault(item_id, set()).discard(q.id)
            else:
                self._committed[q.id] = now
                self._answered.setdefault(item_id, set()).add(q.id)
        if written:
            self.error = ""
            self.changed.emit("answers")
        return written

    def answered_count(self, index: int | None = None) -> int:
        item_id = self.session.order[self.index if index is None else index]
        return len(self._answered.get(item_id, ()))

    def question_count(self, index: int | None = None) -> int:
        item = self.session.item(self.index if index is None else index)
        return len(item["question_set"]["questions"])

    def totals(self) -> tuple[int, int]:
        """(questions answered, questions in the exam)."""
        done = sum(len(v) for v in self._answered.values())
        total = sum(len(it["question_set"]["questions"]) for it in self.session.package.items)
        return done, total

    # navigation -----------------------------------------------------------------------------------
    def can_go(self, index: int) -> tuple[bool, str]:
        """May the candidate move to case ``index``? (allowed, the reason when not)."""
        if self.submitted:
            return False, "The exam has been submitted."
        if self.forward_only and index < self.index:
            return False, FORWARD_ONLY
        if not 0 <= index < self.n_items:
            return False, LAST_CASE if index >= self.n_items else "This is the first case."
        return True, ""

    def go(self, index: int) -> bool:
        """Commit what is pending, then move to case ``index`` (if the policy allows)."""
        ok, why = self.can_go(index)
        if not ok:
            self._fail(why)
            return False
        self.commit_changes()
        if self.submitted:
            return False
        try:
            self.session.goto(index)
        except ExamError as exc:
            self._fail(str(exc))
            if self.submitted:
                self.changed.emit("submitted")
            return False
        self.show(index)
        return True

    # playback (replay policy) ---------------------------------------------------------------------
    def request_play(self) -> bool:
        """The candidate pressed Play: allowed unless replay is off and the clip was played.
        Resuming a paused first play is not a replay."""
        if self.index in self._play_open:
            return True
        try:
            ok = self.session.play(self.index)
        except ExamError as exc:
            self._fail(str(exc))
            return False
        if ok and not self.replay_allowed:
            self._play_open.add(self.index)
        if not ok:
            self._fail(NO_REPLAY)
        return ok

    def play_finished(self) -> None:
        """The clip reached its end: with replay off, its one play is used up."""
        self._play_open.discard(self.index)

    def can_step(self) -> tuple[bool, str]:
        """Frame stepping and seeking, which would replay the clip by hand: with replay off they
        are allowed only while the clip's one play is open (e.g. paused to mark a frame range)."""
        if self.replay_allowed or self.index in self._play_open:
            return True, ""
        return False, self.can_play()[1] or STEP_IN_PLAY  # played already: NO_REPLAY

    def can_play(self) -> tuple[bool, str]:
        if self.replay_allowed or self.index in self._play_open:
            return True, ""
        played = self.session.plays(self.index)  # counted in the core's audit log
        return (False, NO_REPLAY) if played else (True, "")

    # clock and submission -------------------------------------------------------------------------
    def tick(self) -> None:
        """Poll the session: heartbeat, countdowns, forced moves and the automatic submission."""
        if self.submitted:  # however it happened (a commit, a move, the core's clock)
            self.changed.emit("submitted")
            return
        if self.session.state != "running":
            return
        self.remaining = self.session.remaining_s()
        if self.submitted:
            self.changed.emit("submitted")
            return
        if self.session.current != self.index and self.index >= 0:
            self.show(self.session.current)  # the core moved on: this case's time ran out
        if self.case_time_limit_s is not None and self.index >= 0:
            self.item_remaining = self.session.item_remaining_s(self.index)
            if self.submitted:
                self.changed.emit("submitted")
                return
            if self.item_remaining is not None and self.item_remaining <= 0 and not self.practice.submitted:
                self._lock_item()
        self.changed.emit("clock")

    def elapsed_s(self) -> float:
        return self.session.elapsed_s()

    def unanswered(self) -> int:
        done, total = self.totals()
        return total - done

    def submit(self) -> None:
        """The candidate submits: commit what is pending, close the attempt, write results."""
        self.commit_changes()
        if not self.submitted:
            self.session.submit("candidate")
        self.changed.emit("submitted")

    def _fail(self, message: str) -> None:
        self.error = message
        self.changed.emit("error")
