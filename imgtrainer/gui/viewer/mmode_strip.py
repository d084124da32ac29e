"""The M-mode strip beside the image: grey levels along the M-mode line over time, built by
``imgtrainer.analysis.mmode`` on a worker thread, with a play head at the current frame time."""

from __future__ import annotations

from typing import Any

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QImage, QPainter, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.media.clip import Clip
from imgtrainer.screens.viewer.state import ViewerState


def _build(clip: Clip, line: tuple[float, float, float, float]) -> Any:
    """Build on a separate reader of the same file, so the viewer's decoder is never shared."""
    from imgtrainer.analysis.mmode import build_mmode
    from imgtrainer.media import open_clip

    if clip.path is not None and clip.info.kind != "array":
        with open_clip(clip.path, cache_mb=64) as own:
            return build_mmode(own, line)
    return build_mmode(clip, line)


class MModeStrip(QWidget):
    """Hidden until the trainee draws an M-mode line; ``mmode`` holds the last result."""

    def __init__(self, state: ViewerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.mmode: Any = None
        self.error = ""
        self._image: np.ndarray | None = None
        self._serial = 0
        self.setMinimumWidth(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("M-mode strip")
        self.setVisible(False)
        state.changed.connect(self._on_state)

    def _on_state(self, topic: str) -> None:
        st = self.state
        if topic in ("mmode", "clip"):
            if st.mmode_line is None or st.clip is None:
                self.mmode, self._image = None, None
                self.setVisible(False)
                return
            self.setVisible(True)
            self._compute(st.clip, st.mmode_line)
        elif topic == "frame" and self.mmode is not None:
            self.update()

    def _compute(self, clip: Clip, line: tuple) -> None:
        self._serial += 1
        serial = self._serial
        (x0, y0), (x1, y1) = line
        self.error = "Building the M-mode…"
        self.mmode = None
        self.update()

        def done(mm: Any) -> None:
            if serial == self._serial:
                self.mmode, self.error = mm, ""
                self._image = np.ascontiguousarray(mm.image)
                self.update()

        def fail(exc: BaseException) -> None:
            if serial == self._serial:
                self.error = f"M-mode not possible: {exc}"
                self.update()

        run_async(lambda: _build(clip, (x0, y0, x1, y1)), done, fail)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(palette.BACKGROUND))
        p.setPen(QColor(palette.MMODE))
        p.drawText(QRectF(6, 4, self.width() - 12, 18), Qt.AlignmentFlag.AlignLeft, "M-mode")
        if self.mmode is None or self._image is None:
            p.setPen(QColor(palette.TEXT_DIM))
            p.drawText(
                self.rect().adjusted(8, 0, -8, 0),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.error,
            )
            p.end()
            return
        img = self._image
        qimg = QImage(img.data, img.shape[1], img.shape[0], img.strides[0], QImage.Format.Format_Grayscale8)
        target = QRectF(6, 24, self.width() - 12, self.height() - 48)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(target, qimg.convertToFormat(QImage.Format.Format_RGB32))
        times = self.mmode.times_s
        clip = self.state.clip
        if clip is not None and len(times) > 1:
            t = float(clip.frame_times_s[self.state.index])
            frac = (t - times[0]) / (times[-1] - times[0])
            x = target.left() + max(0.0, min(1.0, frac)) * target.width()
            p.setPen(QPen(QColor(palette.CALIPER), 1.5))
            p.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
        span = float(times[-1] - times[0]) if len(times) > 1 else 0.0
        depth = (
            f", {self.mmode.cm_per_row * len(self.mmode.positions):.1f} cm along the line"
            if self.mmode.cm_per_row
            else ""
        )
        p.setPen(QColor(palette.TEXT_DIM))
        p.drawText(
            QRectF(6, self.height() - 22, self.width() - 12, 18),
            Qt.AlignmentFlag.AlignLeft,
            f"{span:.2f} s across{depth}",
        )
        p.end()
