"""The import review's issue-19 actions: quarantined files re-masked by one drag, and the words
OCR read inside the kept area masked after the reviewer confirms (mixed into ImportReviewPage)."""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import QListWidgetItem, QMessageBox

from imgtrainer.gui.workers import run_async
from imgtrainer.library.case_io import load_case
from imgtrainer.screens.faculty import quarantine


class ReviewExtras:
    """Quarantine list and OCR text masking; expects ImportReviewPage's widgets and state."""

    quarantined: list[quarantine.QuarantineItem]
    item: quarantine.QuarantineItem | None
    view: Any
    sources: Any
    status: Any
    warning: Any
    info: Any
    slider: Any
    queue: Any
    quarantine_list: Any
    quarantine_label: Any
    domain: Any

    # quarantined files ---------------------------------------------------------------------
    def _refresh_quarantine(self) -> None:
        self.quarantined = quarantine.quarantined(self.sources.path.parent.parent / "quarantine")
        self.quarantine_list.blockSignals(True)
        self.quarantine_list.clear()
        for q in self.quarantined:
            self.quarantine_list.addItem(QListWidgetItem(f"{q.title}\n{q.reason.split(': ', 1)[-1][:80]}"))
        self.quarantine_list.blockSignals(False)
        self.quarantine_label.setText(f"{len(self.quarantined)} quarantined file(s): drag the scan area")

    def _quarantine_row(self, row: int) -> None:
        if not 0 <= row < len(self.quarantined):
            return
        self.item, self.folder = self.quarantined[row], None
        self.queue.blockSignals(True)
        self.queue.setCurrentRow(-1)
        self.queue.blockSignals(False)
        self.view.box = None
        self.view.right_label = "Detected area (not trusted): drag the real scan area to import"
        for b in (self.approve_button, self.remask_button, self.reject_button, self.text_button):
            b.setEnabled(False)
        self.locate_button.setEnabled(False)
        self._load_preview()

    def _show_quarantined(self) -> None:
        item = self.item
        assert item is not None
        try:
            pv = quarantine.quarantine_preview(item, self.slider.value())
        except Exception as exc:
            self.view.set_preview(None, f"Cannot show {item.title}: {exc}")
            return
        self.slider.blockSignals(True)
        self.slider.setRange(0, pv.n_frames - 1)
        self.slider.blockSignals(False)
        self.view.set_preview(pv)
        self.info.setText(f"{item.title}: frame {pv.frame + 1}/{pv.n_frames}")
        self.warning.setText(f"Quarantined: {item.reason}")

    def _box_drawn(self, box) -> None:
        if self.item is None:
            self.status.setText(f"New scan area {box}: press Re-mask to apply")
            return
        item = self.item
        self.status.setText(f"Importing {item.title} with the scan area {box}…")

        def done(case_id: str) -> None:
            self.item = None
            self._after(
                f"{item.title} imported as {case_id} with the drawn scan area: check it, then approve"
            )

        run_async(
            lambda: quarantine.rescue(
                item,
                box,
                self.library,
                self.reviewer,
                self.domain.currentData(),
                self.sources.path.parent.parent,
            ),
            done,
            lambda exc: self.status.setText(f"Still not imported: {exc}"),
        )

    def mask_text(self) -> None:
        if self.folder is None:
            return
        words = quarantine.ocr_words(load_case(self.folder))
        listing = ", ".join(sorted({str(w["text"]) for w in words}))
        answer = QMessageBox.question(
            self, "Mask text in the scan area",
            f"Black out the {len(words)} word(s) OCR read inside the kept area ({listing}) on every frame?",
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            quarantine.mask_text(self.folder, self._original(), self.reviewer)
        except Exception as exc:
            self.status.setText(f"Text not masked: {exc}")
            return
        self.status.setText(f"Masked {len(words)} word(s) in {self.folder.name}: check it, then approve")
        self._preview_of = None
        self.changed.emit()
        self._load_preview()
