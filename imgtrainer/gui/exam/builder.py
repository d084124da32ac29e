"""Faculty: build a sealed exam package from library cases (Exam > Build exam…).

Cases are chosen by hand (tick them) or by filter ("Add all shown"), from the library index.
The rules (question set, order, time limits, replay, navigation, pass mark, what candidates see)
and the proctor passphrase (twice) live in ``ExamBuilderState``; the build runs on a worker
thread with a progress bar (``build_package`` reports each case).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.exam.builder_order import ChosenCases
from imgtrainer.gui.workers import run_async
from imgtrainer.screens import services
from imgtrainer.screens.context import AppContext
from imgtrainer.screens.exam.builder import OWN_SET, ExamBuilderState
from imgtrainer.screens.labels import DOMAIN_TITLES

SET_NAMES = ("default", "quick")  # sets every application's taxonomy names (others fall back to all)


class _Progress(QObject):
    """Carries build progress from the worker thread to the GUI thread (queued signal)."""

    step = pyqtSignal(int, int, str)


def _question_sets() -> list[str]:
    """Named question sets of all applications' taxonomies (falls back to the common two)."""
    names: list[str] = list(SET_NAMES)
    try:
        from imgtrainer.library.taxonomy_io import available_domains, load_taxonomy

        for d in available_domains():
            for name in load_taxonomy(d).question_sets:
                if name not in names:
                    names.append(name)
    except Exception:  # a broken taxonomy file must not stop the builder
        pass
    return names


class ExamBuilderDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, kdf_n: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kdf_n = kdf_n  # tests use a cheap KDF; None: the secure default
        self.state = ExamBuilderState(library=Path(ctx.library_dir))
        self.report: Any = None
        self.set_names = _question_sets()
        self.setWindowTitle("Build an exam package")
        self.setObjectName("examBuilder")
        layout = QHBoxLayout(self)
        layout.addWidget(self._build_cases(), 3)
        layout.addWidget(self._build_rules(), 2)
        self.state.changed.connect(self._on_state)
        self.resize(1280, 820)
        self.search()

    # left: cases -----------------------------------------------------------------------------
    def _build_cases(self) -> QWidget:
        box = QGroupBox("1 · Cases", self)
        col = QVBoxLayout(box)
        self.library_label = QLabel(f"Library: {self.ctx.library_dir}", box)
        self.library_label.setObjectName("hint")
        self.library_label.setWordWrap(True)
        col.addWidget(self.library_label)
        row = QHBoxLayout()
        self.domain_box = QComboBox(box)
        self.domain_box.addItem("All applications", None)
        for d, label in DOMAIN_TITLES.items():
            self.domain_box.addItem(label, d)
        self.difficulty_box = QComboBox(box)
        self.difficulty_box.addItem("Any difficulty", None)
        for d in (1, 2, 3):
            self.difficulty_box.addItem(f"Difficulty {d}", d)
        self.text_edit = QLineEdit(box)
        self.text_edit.setPlaceholderText("Finding, tag or words…")
        for w in (self.domain_box, self.difficulty_box):
            w.currentIndexChanged.connect(lambda _i: self.search())
        self.text_edit.returnPressed.connect(self.search)
        row.addWidget(self.domain_box)
        row.addWidget(self.difficulty_box)
        row.addWidget(self.text_edit, 1)
        col.addLayout(row)
        self.case_list = QListWidget(box)
        self.case_list.setObjectName("examCaseList")
        self.case_list.setStyleSheet(
            "QListWidget::indicator { width: 12px; height: 12px; border: 2px solid #8a939c;"
            " border-radius: 3px; background: #0f1113; }"
            " QListWidget::indicator:checked { background: #56B4E9; border-color: #d8eefb; }"
            " QListWidget::item { padding: 2px; }"
        )
        self.case_list.itemChanged.connect(self._item_changed)
        col.addWidget(self.case_list, 1)
        buttons = QHBoxLayout()
        add_all = QPushButton("Add all shown", box)
        add_all.setToolTip("Choose every case that matches the filters")
        add_all.clicked.connect(self.state.choose_shown)
        clear = QPushButton("Clear choice", box)
        clear.clicked.connect(self.state.clear_chosen)
        self.chosen_label = QLabel("", box)
        buttons.addWidget(add_all)
        buttons.addWidget(clear)
        buttons.addWidget(self.chosen_label, 1)
        col.addLayout(buttons)
        col.addWidget(QLabel("Chosen cases (fixed order, or shuffled per candidate if chosen):", box))
        self.chosen_cases = ChosenCases(self.state, self.set_names, box)
        self.chosen_cases.setMaximumHeight(230)
        col.addWidget(self.chosen_cases)
        return box

    # right: rules, passphrase, output ----------------------------------------------------------
    def _build_rules(self) -> QWidget:
        st = self.state
        box = QWidget(self)
        col = QVBoxLayout(box)
        rules = QGroupBox("2 · Rules", box)
        form = QFormLayout(rules)
        self.title_edit = QLineEdit(st.title, rules)
        self.title_edit.textChanged.connect(lambda t: st.set("title", t))
        form.addRow("Title", self.title_edit)
        self.set_box = QComboBox(rules)
        self.set_box.addItem("Each case's own question set", OWN_SET)
        for name in self.set_names:
            self.set_box.addItem(f"Question set “{name}”", name)
        self.set_box.currentIndexChanged.connect(lambda _i: st.set("set_name", self.set_box.currentData()))
        form.addRow("Questions", self.set_box)
        self.order_box = QComboBox(rules)
        self.order_box.addItems(["Fixed order (as listed)", "Shuffled per candidate"])
        self.order_box.currentIndexChanged.connect(lambda i: st.set("randomise_cases", i == 1))
        form.addRow("Case order", self.order_box)
        self.options_box = QCheckBox("Shuffle answer options per candidate", rules)
        self.options_box.toggled.connect(lambda on: st.set("randomise_options", on))
        form.addRow("", self.options_box)
        self.time_spin = QSpinBox(rules)
        self.time_spin.setRange(0, 600)
        self.time_spin.setSuffix(" min")
        self.time_spin.setSpecialValueText("no limit")
        self.time_spin.setValue(st.time_limit_min)
        self.time_spin.valueChanged.connect(lambda v: st.set("time_limit_min", v))
        form.addRow("Whole exam", self.time_spin)
        self.case_spin = QSpinBox(rules)
        self.case_spin.setRange(0, 3600)
        self.case_spin.setSingleStep(15)
        self.case_spin.setSuffix(" s")
        self.case_spin.setSpecialValueText("no limit")
        self.case_spin.valueChanged.connect(lambda v: st.set("case_limit_s", v))
        form.addRow("Each case", self.case_spin)
        self.replay_box = QCheckBox("Clips may be replayed", rules)
        self.replay_box.setChecked(st.replay)
        self.replay_box.toggled.connect(lambda on: st.set("replay", on))
        form.addRow("Replay", self.replay_box)
        self.nav_box = QComboBox(rules)
        self.nav_box.addItems(["Free (go back and forth)", "Forward only"])
        self.nav_box.currentIndexChanged.connect(lambda i: st.set("forward_only", i == 1))
        form.addRow("Navigation", self.nav_box)
        self.pass_spin = QSpinBox(rules)
        self.pass_spin.setRange(0, 100)
        self.pass_spin.setSuffix(" %")
        self.pass_spin.setValue(st.pass_mark_pct)
        self.pass_spin.valueChanged.connect(lambda v: st.set("pass_mark_pct", v))
        form.addRow("Pass mark", self.pass_spin)
        self.feedback_box = QComboBox(rules)
        self.feedback_box.addItem("Score only", "score")
        self.feedback_box.addItem("Full feedback, after the proctor releases results", "full")
        self.feedback_box.currentIndexChanged.connect(
            lambda _i: st.set("feedback", self.feedback_box.currentData())
        )
        form.addRow("Candidates see", self.feedback_box)
        col.addWidget(rules)
        secret = QGroupBox("3 · Proctor passphrase", box)
        sform = QFormLayout(secret)
        self.pass1 = QLineEdit(secret)
        self.pass2 = QLineEdit(secret)
        for edit, name in ((self.pass1, "passphrase"), (self.pass2, "passphrase2")):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.textChanged.connect(lambda t, n=name: st.set(n, t))
        sform.addRow("Passphrase", self.pass1)
        sform.addRow("Again", self.pass2)
        hint = QLabel("It starts each attempt and unlocks grading. It cannot be recovered.", secret)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        sform.addRow(hint)
        col.addWidget(secret)
        out = QGroupBox("4 · Package file", box)
        orow = QHBoxLayout(out)
        self.output_edit = QLineEdit(out)
        self.output_edit.setPlaceholderText("exam.itexam")
        self.output_edit.textChanged.connect(lambda t: st.set("output", t))
        browse = QPushButton("Browse…", out)
        browse.clicked.connect(self._browse)
        orow.addWidget(self.output_edit, 1)
        orow.addWidget(browse)
        col.addWidget(out)
        self.problems_label = QLabel("", box)
        self.problems_label.setObjectName("errorLabel")
        self.problems_label.setWordWrap(True)
        col.addWidget(self.problems_label)
        self.progress = QProgressBar(box)
        self.progress.setVisible(False)
        col.addWidget(self.progress)
        self.status = QLabel("", box)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.status)
        col.addStretch(1)
        row = QHBoxLayout()
        self.build_button = QPushButton("Build package", box)
        self.build_button.setObjectName("primary")
        self.build_button.clicked.connect(self.build)
        close = QPushButton("Close", box)
        close.clicked.connect(self.reject)
        row.addStretch(1)
        row.addWidget(close)
        row.addWidget(self.build_button)
        col.addLayout(row)
        self._on_state("chosen")
        return box

    # actions ---------------------------------------------------------------------------------
    def search(self) -> None:
        """Refresh the index of the library and list the cases matching the filters (worker)."""
        criteria = {
            "domain": self.domain_box.currentData(),
            "difficulty": self.difficulty_box.currentData(),
            "text": self.text_edit.text().strip() or None,
        }

        def work() -> list[Any]:
            services.scan_library(self.ctx)
            return services.search_cases(self.ctx, **criteria)

        run_async(
            work, self.state.set_shown, lambda exc: self.status.setText(f"Cannot read the library: {exc}")
        )

    def _item_changed(self, item: QListWidgetItem) -> None:
        row = item.data(Qt.ItemDataRole.UserRole)
        self.state.choose(row.id, row.path, item.checkState() == Qt.CheckState.Checked)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the exam package", str(Path.home() / "exam.itexam"), "Exam package (*.itexam)"
        )
        if path:
            self.output_edit.setText(path)

    def build(self) -> None:
        """Build off the GUI thread; the progress bar follows each case."""
        st = self.state
        try:
            req = st.request()
        except Exception as exc:
            self.problems_label.setText(str(exc))
            return
        from imgtrainer.exams.build import build_package

        relay = _Progress(self)
        relay.step.connect(self._progress)
        self.progress.setRange(0, len(req.folders) + 1)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        st.set("busy", True)
        extra = {} if self.kdf_n is None else {"kdf_n": self.kdf_n}

        def work() -> Any:
            return build_package(
                req.folders,
                req.out,
                req.passphrase,
                req.settings,
                set_name=req.set_name,
                case_sets=req.case_sets,
                progress=lambda d, n, what: relay.step.emit(d, n, what),
                **extra,
            )

        run_async(work, self._built, self._failed)

    def _progress(self, done: int, total: int, what: str) -> None:
        self.progress.setValue(done)
        self.status.setText(
            f"Case {min(done + 1, total)} of {total}: {what}" if done < total else what.capitalize()
        )

    def _built(self, report: Any) -> None:
        self.report = report
        self.state.set("busy", False)
        self.progress.setValue(self.progress.maximum())
        text = (
            f"<b>Built</b> {report.path}<br>{report.n_items} cases, {report.n_questions} questions. "
            "Copy this file to the candidates' PCs; keep the passphrase for the proctor."
        )
        if report.skipped:
            text += (
                f"<br><span style='color:#ff9c66'>Skipped {len(report.skipped)}:</span><br>"
                + "<br>".join(report.skipped[:5])
            )
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self.state.set("busy", False)
        self.progress.setVisible(False)
        self.status.setText(f"<span style='color:#ff9c66'>Build failed: {exc}</span>")

    # state -> view ---------------------------------------------------------------------------
    def _on_state(self, topic: str) -> None:
        st = self.state
        if topic in ("shown", "chosen"):
            self.case_list.blockSignals(True)
            self.case_list.clear()
            for row in st.shown:
                stars = "●" * row.difficulty + "○" * (3 - row.difficulty)
                text = f"{row.id}  —  {row.title}   [{DOMAIN_TITLES.get(row.domain, row.domain)}, {stars}]"
                item = QListWidgetItem(text, self.case_list)
                item.setData(Qt.ItemDataRole.UserRole, row)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if row.id in st.chosen else Qt.CheckState.Unchecked)
                if not row.has_key:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                    item.setToolTip("No consensus key: a case needs one to be in an exam")
            self.case_list.blockSignals(False)
        if topic == "chosen":
            n = len(st.chosen)
            self.chosen_label.setText(f"{n} case{'s' if n != 1 else ''} chosen · {len(st.shown)} shown")
        problems = st.problems()
        self.problems_label.setText("\n".join(problems))
        self.build_button.setEnabled(not problems and not st.busy)
        self.build_button.setToolTip(problems[0] if problems else "Write the sealed package")
