"""Import review page: pending cases, original beside de-identified frame, approve / re-mask /
reject. Nothing becomes public without the approval given here (or by the CLI)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QPainter, QPen
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.faculty.receiver_bar import ReceiverBar
from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.library.models import DOMAINS
from imgtrainer.screens.faculty import review
from imgtrainer.screens.faculty.arrivals import ArrivalWatch


class PreviewView(QWidget):
    """Paints the side-by-side preview; left-drag draws the new scan area (either panel)."""

    box_drawn = pyqtSignal(object)  # (x0, y0, x1, y1) in stored-frame pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview: review.ReviewPreview | None = None
        self.box: tuple[int, int, int, int] | None = None
        self._anchor: tuple[float, float] | None = None
        self._image: QImage | None = None
        self.message = "No case selected"
        self.setMinimumSize(480, 260)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag a rectangle over the scan area, then press Re-mask")

    def set_preview(self, preview: review.ReviewPreview | None, message: str = "") -> None:
        self.preview = preview
        self.message = message
        self._image = None
        if preview is not None:
            arr = np.ascontiguousarray(preview.image)
            self._keep = arr
            self._image = QImage(
                arr.data, arr.shape[1], arr.shape[0], arr.strides[0], QImage.Format.Format_RGB888
            )
        self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """Tall enough for the side-by-side picture at this width (no empty band below)."""
        if self._image is None:
            return 360
        return int((width - 8) * self._image.height() / self._image.width()) + 30

    def _scale_origin(self) -> tuple[float, float, float]:
        img = self._image
        assert img is not None
        s = min((self.width() - 8) / img.width(), (self.height() - 28) / img.height())
        ox = (self.width() - img.width() * s) / 2
        return s, ox, 24.0

    def _frame_xy(self, wx: float, wy: float) -> tuple[float, float]:
        """Widget point -> stored-frame pixel of whichever panel it is over."""
        s, ox, oy = self._scale_origin()
        x, y = (wx - ox) / s, (wy - oy) / s
        split = self.preview.split_x if self.preview else 0
        if x >= split:
            x -= split
        cols = split - 8
        rows = self._image.height() if self._image else 0
        return (max(0.0, min(cols - 1.0, x)), max(0.0, min(rows - 1.0, y)))

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(palette.BACKGROUND))
        if self._image is None or self.preview is None:
            p.setPen(QColor(palette.TEXT_DIM))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            p.end()
            return
        s, ox, oy = self._scale_origin()
        img = self._image.convertToFormat(QImage.Format.Format_RGB32)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(QRectF(ox, oy, img.width() * s, img.height() * s), img)
        p.setPen(QColor(palette.TEXT))
        left = "Original" if self.preview.has_original else "Original not on this computer: cleaned frame"
        p.drawText(QPointF(ox + 4, 16), left)
        p.drawText(
            QPointF(ox + self.preview.split_x * s + 4, 16), "De-identified: red = blacked out, green = kept"
        )
        if self.box is not None:
            x0, y0, x1, y1 = self.box
            pen = QPen(QColor(palette.ACCENT), 2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            for off in (0, self.preview.split_x):
                p.drawRect(QRectF(ox + (x0 + off) * s, oy + y0 * s, (x1 - x0 + 1) * s, (y1 - y0 + 1) * s))
        p.end()

    def mousePressEvent(self, ev) -> None:
        if self._image is not None and ev.button() == Qt.MouseButton.LeftButton:
            self._anchor = self._frame_xy(ev.position().x(), ev.position().y())

    def mouseMoveEvent(self, ev) -> None:
        if self._anchor is not None:
            x, y = self._frame_xy(ev.position().x(), ev.position().y())
            ax, ay = self._anchor
            self.box = (int(min(ax, x)), int(min(ay, y)), int(max(ax, x)), int(max(ay, y)))
            self.update()

    def mouseReleaseEvent(self, ev) -> None:
        if self._anchor is not None:
            self.mouseMoveEvent(ev)
            self._anchor = None
            self.box_drawn.emit(self.box)


class ImportReviewPage(QWidget):
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
        for w in (self.count_label, self.queue, self.domain, import_button):
            lv.addWidget(w)
        self.view = PreviewView(self)
        self.view.box_drawn.connect(
            lambda box: self.status.setText(f"New scan area {box}: press Re-mask to apply")
        )
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
        buttons = QHBoxLayout()
        for w in (self.approve_button, self.public):
            buttons.addWidget(w)
        buttons.addStretch(1)
        for w in (self.locate_button, self.remask_button, self.reject_button):
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
        if not self.arrivals.poll():
            return
        shown = self.folder
        self.refresh()
        for row in range(self.queue.count()):
            if shown is not None and self.queue.item(row).data(Qt.ItemDataRole.UserRole) == str(shown):
                self.queue.setCurrentRow(row)
                break

    # queue -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        from imgtrainer.library.case_io import load_case

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
        self.folder = Path(item.data(Qt.ItemDataRole.UserRole))
        self.view.box = None
        self.slider.blockSignals(True)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._load_preview()

    def _original(self) -> Path | None:
        from imgtrainer.library.case_io import load_case

        return self.sources.original(load_case(self.folder)) if self.folder else None

    def _load_preview(self) -> None:
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
        self.view.set_preview(pv)
        self._preview_of = folder
        self.info.setText(self._describe(folder, pv))
        n = len(pv.suspect_text)
        self.warning.setText(
            f"⚠ {n} text-like line(s) are still visible in the de-identified clip (yellow boxes): "
            "draw the scan area and re-mask, or reject the case."
            if n
            else ""
        )

    def _describe(self, folder: Path, pv: review.ReviewPreview) -> str:
        from imgtrainer.library.case_io import load_case

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
        from imgtrainer.library.case_io import load_case

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
            library=self.library, domain=self.domain.currentData(), imported_by=self.reviewer
        )
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
