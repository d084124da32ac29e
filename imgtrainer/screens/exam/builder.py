"""The exam builder's state, with no Qt: the chosen cases and every setting of the exam.

The dialog binds to ``changed`` and calls ``set``/``choose``; ``problems()`` lists what still
blocks a build, in words for the faculty member, and ``request()`` turns the state into the
arguments of ``imgtrainer.exams.build.build_package``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgtrainer.errors import ExamError
from imgtrainer.exams.settings import ExamSettings
from imgtrainer.screens.signal import Signal

MIN_PASSPHRASE = 8
OWN_SET = ""  # question set: each case's own (case.json ``question_set``)


@dataclass
class BuildRequest:
    """Everything ``build_package`` needs (plain data, handed to a worker thread)."""

    folders: list[Path]
    out: Path
    passphrase: str
    settings: ExamSettings
    set_name: str | None
    case_sets: dict[str, str] = field(default_factory=dict)  # case id -> its own question set


@dataclass
class ExamBuilderState:
    library: Path
    shown: list[Any] = field(default_factory=list)  # CaseSummary rows matching the filters
    chosen: dict[str, Path] = field(default_factory=dict)  # case id -> folder, in exam order
    case_sets: dict[str, str] = field(default_factory=dict)  # case id -> question set (overrides)
    title: str = "POCUS image-review exam"
    set_name: str = OWN_SET
    randomise_cases: bool = False
    randomise_options: bool = False
    time_limit_min: int = 30  # 0: no overall limit
    case_limit_s: int = 0  # 0: no per-case limit
    replay: bool = True
    forward_only: bool = False
    pass_mark_pct: int = 70
    feedback: str = "score"  # or "full"
    passphrase: str = ""
    passphrase2: str = ""
    output: str = ""
    busy: bool = False
    message: str = ""
    changed: Signal = field(default_factory=Signal)

    # editing ---------------------------------------------------------------------------------------
    def set(self, name: str, value: Any) -> None:
        """Change one setting (a dataclass field other than the case lists)."""
        if name in ("shown", "chosen", "case_sets", "changed") or not hasattr(self, name):
            raise ValueError(f"unknown exam setting {name!r}")
        if getattr(self, name) != value:
            setattr(self, name, value)
            self.changed.emit("settings")

    def set_shown(self, rows: list[Any]) -> None:
        self.shown = list(rows)
        self.changed.emit("shown")

    def choose(self, case_id: str, folder: Path | str, on: bool = True) -> None:
        """Add a case to the exam (at the end) or take it out."""
        if on and case_id not in self.chosen:
            self.chosen[case_id] = Path(folder)
        elif not on:
            self.chosen.pop(case_id, None)
            self.case_sets.pop(case_id, None)
        else:
            return
        self.changed.emit("chosen")

    def set_case_set(self, case_id: str, set_name: str | None) -> None:
        """Ask question set ``set_name`` for this case (None or '': the exam's choice)."""
        if set_name and set_name != OWN_SET:
            self.case_sets[case_id] = set_name
        else:
            self.case_sets.pop(case_id, None)
        self.changed.emit("case_sets")

    def choose_shown(self) -> None:
        """Add every case matching the filters (choice by filter)."""
        for row in self.shown:
            self.chosen.setdefault(row.id, Path(row.path))
        self.changed.emit("chosen")

    def clear_chosen(self) -> None:
        self.chosen.clear()
        self.case_sets.clear()
        self.changed.emit("chosen")

    def move(self, case_id: str, delta: int) -> None:
        """Move a chosen case up (-1) or down (+1) in the fixed exam order."""
        ids = list(self.chosen)
        if case_id not in ids:
            return
        i = ids.index(case_id)
        j = max(0, min(len(ids) - 1, i + delta))
        ids.insert(j, ids.pop(i))
        self.chosen = {k: self.chosen[k] for k in ids}
        self.changed.emit("chosen")

    # checking --------------------------------------------------------------------------------------
    def settings(self) -> ExamSettings:
        """The exam settings; raises ExamError naming the setting that is wrong."""
        try:
            return ExamSettings(
                title=self.title.strip() or "Exam",
                time_limit_s=self.time_limit_min * 60 if self.time_limit_min > 0 else None,
                case_time_limit_s=self.case_limit_s if self.case_limit_s > 0 else None,
                randomise_cases=self.randomise_cases,
                randomise_options=self.randomise_options,
                replay_loops=self.replay,
                navigation="forward" if self.forward_only else "free",
                pass_mark=self.pass_mark_pct / 100.0,
                feedback="full" if self.feedback == "full" else "score",
            )
        except ValueError as exc:
            detail = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
            if "case_time_limit_s" in str(exc):
                detail = "the time per case is longer than the whole exam"
            raise ExamError(f"exam settings: {detail}") from None

    def problems(self) -> list[str]:
        """What still blocks the build (empty when ready)."""
        out = []
        if not self.chosen:
            out.append("Choose at least one case.")
        if len(self.passphrase) < MIN_PASSPHRASE:
            out.append(f"The proctor passphrase needs at least {MIN_PASSPHRASE} characters.")
        elif self.passphrase != self.passphrase2:
            out.append("The two passphrase entries differ.")
        if not self.output.strip():
            out.append("Choose where to save the exam package.")
        try:
            self.settings()
        except ExamError as exc:
            out.append(str(exc))
        return out

    def request(self) -> BuildRequest:
        problems = self.problems()
        if problems:
            raise ExamError(problems[0])
        out = Path(self.output.strip()).expanduser()
        if not out.suffix:
            out = out.with_suffix(".itexam")
        return BuildRequest(
            folders=list(self.chosen.values()),
            out=out,
            passphrase=self.passphrase,
            settings=self.settings(),
            set_name=self.set_name or None,
            case_sets={k: v for k, v in self.case_sets.items() if k in self.chosen},
        )
