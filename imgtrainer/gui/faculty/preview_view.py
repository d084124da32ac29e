"""The import review's picture: original beside de-identified frame; left-drag draws a scan area."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QPainter, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from imgtrainer.gui.widgets import palette
from imgtrainer.screens.faculty import review


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
        self.right_label = "De-identified: red = blacked out, green = kept"
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
        p.drawText(QPointF(ox + self.preview.split_x * s + 4, 16), self.right_label)
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
