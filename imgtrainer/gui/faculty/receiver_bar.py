"""The DICOM receiver's status line on the import-review page, with Start / Stop."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from imgtrainer.screens.faculty.arrivals import ReceiverControl, ReceiverSettings


class ReceiverBar(QWidget):
    """Shows what the library's receiver is doing; starts it with the port, AE title and senders."""

    def __init__(self, library: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control = ReceiverControl(library)
        self.label = QLabel("", self)
        self.label.setObjectName("hint")
        self.label.setWordWrap(True)
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setValue(11112)
        self.port.setPrefix("port ")
        self.ae = QLineEdit("IMGTRAINER", self)
        self.ae.setMaxLength(16)
        self.ae.setToolTip("Our AE title: the 'called AE' the device or PACS sends to")
        self.allow = QLineEdit(self)
        self.allow.setPlaceholderText("allowed senders: CART1@10.0.0.7, PACS@10.0.0.0/24")
        self.allow.setMinimumWidth(320)
        self.allow.setToolTip("Calling AE title @ address (or network) of each device allowed to send")
        self.start_button = QPushButton("Start receiver", self)
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop receiver", self)
        self.stop_button.clicked.connect(self.stop)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(self.label, 1)
        for w in (self.port, self.ae, self.allow, self.start_button, self.stop_button):
            row.addWidget(w)
        st = self.control.status() or {}
        if st.get("allowed"):
            self.allow.setText(", ".join(st["allowed"]))
            self.port.setValue(int(st.get("port") or 11112))
            self.ae.setText(str(st.get("ae_title") or "IMGTRAINER"))
        self.update_status()

    def settings(self) -> ReceiverSettings:
        allow = tuple(a.strip() for a in self.allow.text().split(",") if a.strip())
        return ReceiverSettings(
            port=self.port.value(), ae_title=self.ae.text().strip() or "IMGTRAINER", allow=allow
        )

    def update_status(self) -> None:
        running = self.control.running()
        self.label.setText(self.control.describe())
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for w in (self.port, self.ae, self.allow):
            w.setEnabled(not running)

    def start(self) -> None:
        try:
            self.control.start(self.settings())
        except (ValueError, OSError) as exc:
            self.label.setText(f"Receiver not started: {exc}")
            return
        self.label.setText("Receiver: starting…")
        self.start_button.setEnabled(False)

    def stop(self) -> None:
        self.control.stop()
        self.update_status()
