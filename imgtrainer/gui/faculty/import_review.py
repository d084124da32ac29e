"""Import review page: pending cases, original beside de-identified frame, approve / re-mask /
reject. Nothing becomes public without the approval given here (or by the CLI)."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.faculty.preview_view import PreviewView
from imgtrainer.gui.faculty.receiver_bar import ReceiverBar
from imgtrainer.gui.faculty.review_extras import ReviewExtras
from imgtrainer.gui.workers import run_async
from imgtrainer.library.case_io import load_case
from imgtrainer.library.models import DOMAINS
from imgtrainer.screens.faculty import quarantine, review
from imgtrainer.screens.faculty.arrivals import ArrivalWatch


class ImportReviewPage(ReviewExtras, QWidget):
    """The review queue of one library."""

    changed = pyqtSignal()  # a case was approved / rejected / re-masked

    def __init__(self, library: Path, reviewer: str, home: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = Path(library)
        self.reviewer = reviewer
        self.sources = review.ImportSources(home)
        self.folder: Path | None = None
        self._preview_of: Path | None = None  # the folder whose analysis the shown preview holds
        self.queue = QListWidget(self)
        self.queue.setAccessibleName("Cases pending review")
        self.queue.currentRowChanged.connect(self._row)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("sectionTitle")
        self.domain = QComboBox(self)
        self.domain.addItem("Application: from the DICOM description", None)
        for d in DOMAINS:
            self.domain.addItem(f"Application: {d}", d)
        import_button = QPushButton("Import files…", self)
        import_button.clicked.connect(self.choose_import)
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 6, 6, 6)
        self.quarantine_label = QLabel("", self)
        self.quarantine_label.setObjectName("sectionTitle")
        self.quarantine_list = QListWidget(self)
        self.quarantine_list.setAccessibleName("Quarantined files")
        self.quarantine_list.setToolTip(
            "Files the de-identification could not vouch for: drag their scan area"
        )
        self.quarantine_list.currentRowChanged.connect(self._quarantine_row)
        for w in (self.count_label, self.queue, self.quarantine_label, self.quarantine_list):
            lv.addWidget(w)
        for w in (self.domain, import_button):
            lv.addWidget(w)
        self.quarantined: list[quarantine.QuarantineItem] = []
        self.item: quarantine.QuarantineItem | None = None  # the quarantined file shown, if any
        self.view = PreviewView(self)
        self.view.box_drawn.connect(self._box_drawn)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setToolTip("Frame")
        self.slider.valueChanged.connect(lambda _v: self._load_preview())
        self.info = QLabel("", self)
        self.info.setObjectName("hint")
        self.info.setWordWrap(True)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.warning = QLabel("", self)
        self.warning.setObjectName("errorLabel")
        self.warning.setWordWrap(True)
        self.public = QCheckBox("Public after approval (trainees see it)", self)
        self.public.setChecked(True)
        self.approve_button = QPushButton("Approve", self)
        self.approve_button.setObjectName("primary")
        self.approve_button.setToolTip(
            "Burned-in text is gone: mark the media reviewed (Burned In Annotation = NO)"
        )
        self.approve_button.clicked.connect(self.approve)
        self.remask_button = QPushButton("Re-mask with drawn area", self)
        self.remask_button.clicked.connect(self.remask)
        self.reject_button = QPushButton("Reject", self)
        self.reject_button.clicked.connect(self.reject)
        self.locate_button = QPushButton("Locate original…", self)
        self.locate_button.setToolTip(
            "Point at the original file (checked by its SHA-256) to show it and re-mask from it"
        )
        self.locate_button.clicked.connect(self.locate)
        self.text_button = QPushButton("Mask text read in scan area…", self)
        self.text_button.setToolTip("Black out the words OCR read inside the kept area (orange boxes)")
        self.text_button.clicked.connect(self.mask_text)
        buttons = QHBoxLayout()
        for w in (self.approve_button, self.public):
            buttons.addWidget(w)
        buttons.addStretch(1)
        for w in (self.text_button, self.locate_button, self.remask_button, self.reject_button):
            buttons.addWidget(w)
        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(6, 6, 6, 6)
        rv.addWidget(self.view)
        rv.addWidget(self.slider)
        rv.addWidget(self.warning)
        rv.addWidget(self.info)
        rv.addLayout(buttons)
        rv.addWidget(self.status)
        rv.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([260, 1000])
        self.receiver = ReceiverBar(self.library, self)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.receiver)
        page.addWidget(split, 1)
        self.arrivals = ArrivalWatch(self.library)
        self.arrivals.poll()
        self._poll_timer = QTimer(self)  # new arrivals (receiver, pull, other imports) as they come
        self._poll_timer.timeout.connect(self.poll_arrivals)
        self._poll_timer.start(2000)
        self.refresh()

    def poll_arrivals(self) -> None:
        """Refresh the queue when a case arrived or changed, keeping the case on screen selected."""
        self.receiver.update_status()
        if not self.arrivals.poll() or self.item is not None:
            return
        shown = self.folder
        self.refresh()
        for row in range(self.queue.count()):
            if shown is not None and self.queue.item(row).data(Qt.ItemDataRole.UserRole) == str(shown):
                self.queue.setCurrentRow(row)
                break

    # queue -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        folders = review.pending_cases(self.library) if self.library.is_dir() else []
        self.queue.blockSignals(True)
        self.queue.clear()
        for folder in folders:
            try:
                case = load_case(folder)
                text = review.queue_label(case, self.sources)
            except Exception as exc:
                text = f"{folder.name}\n(cannot read: {type(exc).__name__})"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, str(folder))
            self.queue.addItem(item)
        self.queue.blockSignals(False)
        self.count_label.setText(f"{len(folders)} case(s) pending review")
        self._refresh_quarantine()
        has = bool(folders)
        for b in (self.approve_button, self.remask_button, self.reject_button, self.locate_button):
            b.setEnabled(has)
        if has:
            self.queue.setCurrentRow(0)
            self._row(0)
        else:
            self.folder = None
            self.view.set_preview(None, "Nothing to review. Import files to fill the queue.")
            self.info.setText("")

    def _row(self, row: int) -> None:
        item = self.queue.item(row) if row >= 0 else None
        if item is None:
            return
        self.item = None
        self.quarantine_list.blockSignals(True)
        self.quarantine_list.setCurrentRow(-1)
        self.quarantine_list.blockSignals(False)
        for b in (self.approve_button, self.remask_button, self.reject_button, self.locate_button):
            b.setEnabled(True)
        self.view.right_label = "De-identified: red = blacked out, green = kept, orange = text read"
        self.folder = Path(item.data(Qt.ItemDataRole.UserRole))
        self.view.box = None
        self.slider.blockSignals(True)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._load_preview()

    def _original(self) -> Path | None:
        return self.sources.original(load_case(self.folder)) if self.folder else None

    def _load_preview(self) -> None:
        if self.item is not None:
            self._show_quarantined()
            return
        folder = self.folder
        if folder is None:
            return
        try:
            original = self._original()
            same = self.view.preview is not None and self._preview_of == folder
            pv = review.build_preview(
                folder, original, self.slider.value(), self.view.preview if same else None
            )
        except Exception as exc:
            self.view.set_preview(None, f"Cannot show {folder.name}: {exc}")
            return
        self.slider.blockSignals(True)
        self.slider.setRange(0, pv.n_frames - 1)
        self.slider.blockSignals(False)
        words = quarantine.ocr_words(load_case(folder))
        quarantine.draw_words(pv, words)
        self.view.set_preview(pv)
        self._preview_of = folder
        self.info.setText(self._describe(folder, pv))
        self.text_button.setEnabled(bool(words))
        n = len(pv.suspect_text)
        lines = []
        if n:
            lines.append(
                f"⚠ {n} text-like line(s) are still visible in the de-identified clip (yellow boxes): "
                "draw the scan area and re-mask, or reject the case."
            )
        if words:
            read = ", ".join(sorted({str(w["text"]) for w in words}))[:120]
            lines.append(f"OCR read {len(words)} word(s) inside the kept area (orange boxes): {read}")
        self.warning.setText("\n".join(lines))

    def _describe(self, folder: Path, pv: review.ReviewPreview) -> str:
        case = load_case(folder)
        deid = case.provenance.deid or {}
        pixels = dict((deid.get("report") or {}).get("pixels") or {})
        kept = dict(pixels.get("kept_area") or {})
        bits = [f"frame {pv.frame + 1}/{pv.n_frames}", f"kept {100 * pv.kept_fraction:.0f}% of the frame"]
        if kept.get("source"):
            bits.append(f"scan area from {kept['source']} (confidence {kept.get('confidence', '?')})")
        if kept.get("text_lines_cut"):
            bits.append(f"{len(kept['text_lines_cut'])} text line(s) cut inside it")
        if deid.get("remask"):
            bits.append(f"re-masked by {deid['remask'].get('by')} to {deid['remask'].get('box')}")
        if deid.get("status") != "cleaned":
            bits.append("NOT de-identified on import: check the header too")
        return " · ".join(bits)

    # actions -----------------------------------------------------------------------------------
    def _after(self, message: str) -> None:
        self.status.setText(message)
        self.changed.emit()
        self.refresh()

    def approve(self) -> None:
        if self.folder is None:
            return
        try:
            case = review.approve(self.folder, self.reviewer, public=self.public.isChecked())
        except Exception as exc:
            self.status.setText(f"Not approved: {exc}")
            return
        self._after(f"Approved {case.id}" + (" and made public" if case.public else " (private)"))

    def reject(self) -> None:
        if self.folder is None:
            return
        try:
            case = review.reject(self.folder, self.reviewer)
        except Exception as exc:
            self.status.setText(f"Not rejected: {exc}")
            return
        self._after(f"Rejected {case.id}: it stays out of the library")

    def remask(self) -> None:
        if self.folder is None or self.view.box is None:
            self.status.setText("Drag a rectangle over the scan area first")
            return
        try:
            review.remask(self.folder, self.view.box, self._original(), self.reviewer)
        except Exception as exc:
            self.status.setText(f"Re-mask failed: {exc}")
            return
        self.status.setText(f"Re-masked {self.folder.name} with {self.view.box}: check it, then approve")
        self.view.box = None
        self._preview_of = None  # the file changed: analyse it again
        self.changed.emit()
        self._load_preview()

    def locate(self) -> None:
        if self.folder is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Locate the original file", str(Path.home()))
        if path:
            ok = self.sources.locate(load_case(self.folder), Path(path))
            self.status.setText(
                "Original found." if ok else "That file is not this case's original (SHA-256 differs)"
            )
            self._load_preview()

    def choose_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import ultrasound files", str(Path.home()))
        if paths:
            self.import_paths([Path(p) for p in paths])

    def import_paths(self, paths: list[Path], on_done=None) -> None:
        """Import (de-identify) files off the GUI thread, remember their originals, refresh."""
        from imgtrainer.library.importer import ImportOptions, import_files

        opts = ImportOptions(
            library=self.library, domain=self.domain.currentData(), imported_by=self.reviewer,
            quarantine_dir=self.sources.path.parent.parent / "quarantine",
        )  # fmt: skip
        self.status.setText(f"Importing {len(paths)} file(s)…")

        def done(report) -> None:
            for item in report.imported:
                src = Path(item.source)  # a file or a file inside a chosen folder (zip members are gone)
                if src.is_file():
                    self.sources.remember(item.case_id, src)
            msg = f"Imported {len(report.imported)}; quarantined {len(report.quarantined)}; failed {len(report.failed)}"
            problems = [f"{s}: {r}" for s, r in (report.quarantined + report.failed)[:3]]
            self._after(msg + ("\n" + "\n".join(problems) if problems else ""))
            if on_done is not None:
                on_done(report)

        run_async(
            lambda: import_files(paths, opts), done, lambda exc: self.status.setText(f"Import failed: {exc}")
        )
