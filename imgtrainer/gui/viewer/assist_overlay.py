"""The lung-assist overlay on the cine view: pleural line, A-lines, B-lines and a summary box.

Computed by ``imgtrainer.analysis.lung.assess_lung`` on a worker thread (its own reader of the
file) when the trainee turns it on; in practice it stays hidden until the answers are submitted
(``ViewerState.assist_locked``).
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QObject, QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QPainter, QPainterPath, QPen

from imgtrainer.gui.viewer.cine_view import CineView
from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.media.clip import Clip
from imgtrainer.screens.labels import DOMAIN_TITLES
from imgtrainer.screens.viewer.assist import drawables, summary_lines

_ROLE_PEN = {
    "pleura": (palette.GOOD, 2.5, Qt.PenStyle.SolidLine),
    "a_line": (palette.GOOD, 1.5, Qt.PenStyle.DotLine),
    "b_line": (palette.NEUTRAL, 2.5, Qt.PenStyle.SolidLine),
}


def _assess(clip: Clip) -> dict[str, Any]:
    from imgtrainer.analysis.lung import assess_lung
    from imgtrainer.media import open_clip

    if clip.path is not None and clip.info.kind != "array":
        with open_clip(clip.path, cache_mb=64) as own:
            return assess_lung(own).to_dict()
    return assess_lung(clip).to_dict()


class AssistOverlay(QObject):
    """Adds itself to ``view.overlays``; draws only while ``state.show_assist``."""

    def __init__(self, view: CineView) -> None:
        super().__init__(view)
        self.view = view
        self.state = view.state
        self.report: dict[str, Any] | None = None
        self.error = ""
        self._for: Clip | None = None
        view.overlays.append(self.paint)
        self.state.changed.connect(self._on_state)

    def _on_state(self, topic: str) -> None:
        st = self.state
        if topic == "clip":
            self.report, self._for, self.error = None, None, ""
        if st.assist_domain not in (None, "lung"):
            self.report, self._for = None, None
            name = DOMAIN_TITLES.get(st.assist_domain, st.assist_domain)
            self.error = f"Lung assist is for lung clips: this case is {name}"
            return
        if self.error.startswith("Lung assist is for lung clips"):
            self.error = ""
        if (
            topic in ("overlay", "clip")
            and st.show_assist
            and st.clip is not None
            and st.clip is not self._for
        ):
            self._compute(st.clip)

    def _compute(self, clip: Clip) -> None:
        self._for = clip
        self.error = "Lung assist: analysing…"

        def done(report: dict[str, Any], for_clip: Clip = clip) -> None:
            if for_clip is self.state.clip:
                self.report, self.error = report, ""
                self.view.update()

        def fail(exc: BaseException, for_clip: Clip = clip) -> None:
            if for_clip is self.state.clip:
                self.error = f"Lung assist not available: {exc}"
                self.view.update()

        run_async(lambda: _assess(clip), done, fail)
        self.view.update()

    def paint(self, p: QPainter, geom: Any) -> None:
        if not self.state.show_assist:
            return
        if self.report is None:
            self._box(p, [self.error or "Lung assist: analysing…"])
            return
        for d in drawables(self.report, self.state.index):
            colour, width, style = _ROLE_PEN[d.role]
            p.setPen(QPen(QColor(colour), width, style))
            pts = [QPointF(*geom.to_widget(x + 0.5, y + 0.5)) for x, y in d.points]
            path = QPainterPath(pts[0])
            for q in pts[1:]:
                path.lineTo(q)
            p.drawPath(path)
        self._box(p, summary_lines(self.report))

    def _box(self, p: QPainter, lines: list[str]) -> None:
        fm = p.fontMetrics()
        w = max(fm.horizontalAdvance(t) for t in lines) + 16
        h = fm.height() * len(lines) + 10
        rect = QRectF(self.view.width() - w - 8, 34, w, h)
        p.fillRect(rect, QColor(0, 0, 0, 185))
        for k, text in enumerate(lines):
            p.setPen(QColor(palette.GOOD if k == 0 else palette.TEXT))
            p.drawText(
                QRectF(rect.left() + 8, rect.top() + 5 + k * fm.height(), w, fm.height()),
                Qt.AlignmentFlag.AlignLeft,
                text,
            )
