"""The proctor's passphrase dialog: starting an exam, showing a score. The check itself is a
callable given by the caller (the exam core), run when OK is pressed; a wrong passphrase keeps the
dialog open with the reason, so nothing is started by mistake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.errors import ImgTrainerError


class ProctorDialog(QDialog):
    """Ask the proctor's passphrase and run ``action(passphrase)``; ``result_value`` holds its
    return value when the dialog is accepted."""

    def __init__(
        self,
        title: str,
        message: str,
        action: Callable[[str], Any],
        ok_text: str = "Start exam",
        parent: QWidget | None = None,
        label: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("proctorDialog")
        self.action = action
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        intro = QLabel(message, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.asks_pin = bool(label and "PIN" in label)
        layout.addWidget(QLabel(label or "Proctor passphrase:", self))
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setObjectName("proctorPassphrase")
        layout.addWidget(self.passphrase)
        self.error = QLabel("", self)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 200)

    def try_accept(self) -> None:
        text = self.passphrase.text()
        if not text:
            self.error.setText("Enter the proctor passphrase" + (" or PIN." if self.asks_pin else "."))
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.result_value = self.action(text)
        except ImgTrainerError as exc:
            self.error.setText(_plain(exc))
            self.passphrase.selectAll()
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.passphrase.clear()
        self.accept()


def _plain(exc: BaseException) -> str:
    """An error for a person at the desk: the wrong-passphrase case without the file path."""
    text = str(exc)
    if "wrong proctor passphrase or PIN" in text:
        return "Wrong passphrase or PIN. Try again."
    if "wrong proctor passphrase" in text:
        return "Wrong passphrase (or this package was not built with it). Try again."
    return text
