"""Timeline scrubber: drag to scrub, Shift+drag to select a frame range (drawn highlighted)."""

from __future__ import annotations

from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QPainter, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from imgtrainer.gui.widgets import palette
from imgtrainer.screens.viewer.state import ViewerState

_MARGIN = 10.0


class Timeline(QWidget):
    """A horizontal scrub bar bound to ``ViewerState.index`` and ``frame_range``."""

    def __init__(self, state: ViewerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._range_anchor: int | None = None
        self.setMinimumHeight(30)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Drag to scrub. Shift+drag selects a frame range.")
        self.setAccessibleName("Timeline")
        state.changed.connect(lambda topic: self.update() if topic in ("frame", "clip", "range") else None)

    def _x_for(self, index: float) -> float:
        n = max(1, self.state.n_frames - 1)
        return _MARGIN + (self.width() - 2 * _MARGIN) * index / n

    def index_at(self, x: float) -> int:
        n = max(1, self.state.n_frames - 1)
        frac = (x - _MARGIN) / max(1.0, self.width() - 2 * _MARGIN)
        return max(0, min(n, round(frac * n)))

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        mid = self.height() / 2
        p.fillRect(QRectF(_MARGIN, mid - 3, self.width() - 2 * _MARGIN, 6), QColor("#3a3f45"))
        st = self.state
        if st.n_frames:
            for (a, b), colour, y in [(r, palette.TRAINEE, mid + 5) for r in st.answer_ranges] + [
                (r, palette.EXPERT, mid - 9) for r in st.expert_ranges
            ]:
                x0, x1 = self._x_for(a), self._x_for(b)
                p.fillRect(QRectF(x0, y, max(3.0, x1 - x0), 4), QColor(colour))
            if st.frame_range is not None:
                a, b = st.frame_range
                x0, x1 = self._x_for(a), self._x_for(b)
                p.fillRect(QRectF(x0, mid - 8, max(3.0, x1 - x0), 16), QColor(palette.TRAINEE))
            x = self._x_for(st.index)
            p.fillRect(QRectF(_MARGIN, mid - 3, x - _MARGIN, 6), QColor(palette.ACCENT).darker(160))
            p.setPen(QPen(QColor(palette.TEXT), 2))
            p.setBrush(QColor(palette.TEXT))
            p.drawEllipse(QRectF(x - 6, mid - 6, 12, 12))
        p.end()

    def mousePressEvent(self, ev) -> None:
        idx = self.index_at(ev.position().x())
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._range_anchor = idx
            self.state.set_frame_range(idx, idx)
        else:
            self._range_anchor = None
            self.state.pause()
            self.state.set_index(idx)

    def mouseMoveEvent(self, ev) -> None:
        idx = self.index_at(ev.position().x())
        if self._range_anchor is not None:
            self.state.set_frame_range(self._range_anchor, idx)
        self.state.set_index(idx)

    def mouseReleaseEvent(self, ev) -> None:
        self._range_anchor = None
