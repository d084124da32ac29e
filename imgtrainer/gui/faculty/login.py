"""Faculty login: the password gate in front of keys and annotation tools.

``FacultyGate`` (Qt-free) holds whether faculty mode is unlocked and by whom; the first use
sets the password (``imgtrainer.annotate.auth``, scrypt). ``FacultyLoginDialog`` asks for the
rater name and the password (twice on first use).
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from imgtrainer.annotate.auth import (
    MIN_PASSWORD_LENGTH,
    AuthError,
    check_faculty_password,
    has_faculty_password,
    set_faculty_password,
)
from imgtrainer.screens.signal import Signal


class FacultyGate:
    """Faculty mode: locked until the password is given. ``changed`` is emitted on (un)lock."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.rater: str | None = None
        self.changed = Signal()

    @property
    def unlocked(self) -> bool:
        return self.rater is not None

    @property
    def first_use(self) -> bool:
        return not has_faculty_password(self.home)

    def unlock(self, rater: str, password: str, confirm: str | None = None) -> None:
        """Log in as ``rater``; on first use set the password (``confirm`` must match).

        Raises AuthError with the reason on failure."""
        rater = " ".join(rater.split())
        if not rater:
            raise AuthError("type your name: it names your key file (keys/<name>.json)")
        if self.first_use:
            if confirm is None or confirm != password:
                raise AuthError("the two passwords differ")
            set_faculty_password(self.home, password)
        elif not check_faculty_password(self.home, password):
            raise AuthError("wrong faculty password")
        self.rater = rater
        self.changed.emit("unlocked")

    def lock(self) -> None:
        self.rater = None
        self.changed.emit("locked")


class FacultyLoginDialog(QDialog):
    """Name + password (+ confirmation on first use). Accepts only when the gate unlocks."""

    def __init__(self, gate: FacultyGate, parent: QWidget | None = None, rater: str = "") -> None:
        super().__init__(parent)
        self.gate = gate
        first = gate.first_use
        self.setWindowTitle("Faculty login" if not first else "Set the faculty password")
        v = QVBoxLayout(self)
        intro = QLabel(
            (
                "First faculty use on this computer: choose the faculty password "
                f"(at least {MIN_PASSWORD_LENGTH} characters). Trainees cannot open keys or "
                "annotation tools without it."
            )
            if first
            else "Faculty mode opens answer keys, annotation, import review and adjudication.",
            self,
        )
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        v.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit(rater, self)
        self.name.setPlaceholderText("e.g. Dr A. Rivera")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit(self)
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Your name (rater)", self.name)
        form.addRow("Faculty password", self.password)
        if first:
            form.addRow("Repeat the password", self.confirm)
        else:
            self.confirm.setVisible(False)
        v.addLayout(form)
        self.error = QLabel("", self)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        v.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Log in" if not first else "Set and log in"
        )
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)
        (self.password if rater else self.name).setFocus()
        self.resize(440, self.sizeHint().height())

    def try_login(self) -> None:
        try:
            self.gate.unlock(
                self.name.text(), self.password.text(), self.confirm.text() if self.gate.first_use else None
            )
        except AuthError as exc:
            self.error.setText(str(exc))
            self.password.selectAll()
            self.password.setFocus()
            return
        self.accept()
