"""About, keyboard-help and first-run trainee dialogs. The disclaimer is shown in About and on first run."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imgtrainer import DISCLAIMER, __version__
from imgtrainer.screens.context import AppContext
from imgtrainer.screens.shortcuts import MOUSE_HELP, SHORTCUTS


def disclaimer_label(parent: QWidget | None = None) -> QLabel:
    label = QLabel(f"<b>Educational use, not for diagnosis.</b><br>{DISCLAIMER}", parent)
    label.setObjectName("disclaimer")
    label.setWordWrap(True)
    return label


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About imgtrainer")
        layout = QVBoxLayout(self)
        title = QLabel(
            f"<h2>imgtrainer {__version__}</h2>"
            "<p>Offline trainer for point-of-care ultrasound image interpretation, "
            "following the ASRA I-AIM framework (Indication, Acquisition, Interpretation, "
            "Medical decision-making): airway, lung, gastric, cardiac (FoCUS) and FAST.</p>",
            self,
        )
        title.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(disclaimer_label(self))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(520, 280)


class ShortcutsDialog(QDialog):
    """Help > Keyboard shortcuts: generated from the same table that binds the keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard and mouse")
        layout = QVBoxLayout(self)
        rows = [(" / ".join(s.keys), s.description) for s in SHORTCUTS] + list(MOUSE_HELP)
        actions = [s.action for s in SHORTCUTS]
        rows[actions.index("answer_digit")] = ("1 … 9", "Choose answer 1–9 of the current question")
        rows[actions.index("answer_digit_ten")] = (
            "Alt+0 … Alt+9",
            "Choose answer 10–19 (Alt adds ten: Alt+0 is 10, Alt+4 is 14)",
        )
        table = QTableWidget(len(rows), 2, self)
        table.setHorizontalHeaderLabels(["Key / mouse", "Action"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (key, desc) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(key))
            table.setItem(r, 1, QTableWidgetItem(desc))
        table.setWordWrap(True)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.resizeColumnToContents(0)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.resizeRowsToContents()
        self.table = table
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 700)

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        self.table.resizeRowsToContents()


class ProfileDialog(QDialog):
    """First run: pick an existing trainee profile or create one. ``chosen`` holds the name."""

    def __init__(self, names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to imgtrainer")
        self.chosen: str | None = None
        layout = QVBoxLayout(self)
        head = QLabel(
            "<h2>Welcome</h2><p>Choose your trainee profile, or create one. "
            "Your answers and progress are kept on this computer under this name.</p>",
            self,
        )
        head.setWordWrap(True)
        layout.addWidget(head)
        layout.addWidget(disclaimer_label(self))
        self.list = QListWidget(self)
        self.list.addItems(list(names))
        self.list.setVisible(bool(names))
        self.list.itemDoubleClicked.connect(lambda _item: self._accept_selected())
        if names:
            self.list.setCurrentRow(0)
            layout.addWidget(QLabel("Existing profiles:", self))
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("New trainee name, e.g. Dr A. Resident")
        self.name_edit.returnPressed.connect(self._accept_new)
        self.create_button = QPushButton("Create profile", self)
        self.create_button.clicked.connect(self._accept_new)
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.create_button)
        layout.addLayout(row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(names))
        self.buttons.accepted.connect(self._accept_selected)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.error = QLabel("", self)
        self.error.setObjectName("errorLabel")
        layout.addWidget(self.error)
        self.setMinimumWidth(540)
        if names:
            self.resize(540, 460)
        else:
            self.adjustSize()
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _accept_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            self._accept_new()
            return
        self.chosen = item.text()
        self.accept()

    def _accept_new(self) -> None:
        name = " ".join(self.name_edit.text().split())
        if not name:
            self.error.setText("Type a name to create a profile.")
            return
        self.chosen = name
        self.accept()


def trainee_names(ctx: AppContext) -> list[str]:
    """Existing trainee profiles, from the progress/training store."""
    from imgtrainer.screens.services import list_trainees

    return list_trainees(ctx)


def choose_trainee(ctx: AppContext, parent: QWidget | None = None) -> str | None:
    """Show the first-run / switch dialog; create the profile when a new name is typed."""
    from imgtrainer.screens.services import ensure_trainee

    dialog = ProfileDialog(trainee_names(ctx), parent)
    if dialog.exec() and dialog.chosen:
        ensure_trainee(ctx, dialog.chosen)
        return dialog.chosen
    return None
