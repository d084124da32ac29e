"""Drawing and editing keyed marks on the shared cine view, and the keyed-frames strip.

``KeyMarksOverlay`` is added to ``CineView.overlays``: the selected question's marks in orange
with small (5 px) square handles, other questions' marks dimmed, calipers in yellow with their
value. It also filters the view's mouse events: a press within ``HIT_PX`` (a larger invisible
hit area) of a handle drags that point; anything else goes on to the drawing tools.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QPainter, QPen, QPolygonF
from PyQt6.QtWidgets import QSizePolicy, QWidget

from imgtrainer.gui.widgets import palette
from imgtrainer.screens.faculty.annotation import AnnotationState, MarkRef

HANDLE_PX = 5  # drawn handle size (widget pixels): small, for precise placement
HIT_PX = 9  # invisible hit radius around a handle (widget pixels)
OTHER = QColor(200, 205, 210, 150)


class KeyMarksOverlay(QObject):
    """Paints the rater's keyed marks and drags their handles."""

    def __init__(self, state: AnnotationState, view: QWidget) -> None:
        super().__init__(view)
        self.state = state
        self.view = view
        self._drag: tuple[int, int] | None = None
        self._drag_xy: tuple[float, float] | None = None
        view.overlays.append(self.paint)  # type: ignore[attr-defined]
        view.installEventFilter(self)
        state.changed.connect(lambda _topic: view.update())

    # painting ----------------------------------------------------------------------------------
    def _pt(self, geom, xy) -> QPointF:
        return QPointF(*geom.to_widget(xy[0] + 0.5, xy[1] + 0.5))

    def _points(self, ref: MarkRef) -> list[tuple[float, float]]:
        pts = list(ref.mark.points)
        if self._drag is not None and self._drag_xy is not None and ref.question_id == self.state.current:
            mi, pi = self._drag
            if ref.index == mi and not ref.measurement:
                pts[pi] = self._drag_xy
        return pts

    def paint(self, p: QPainter, geom) -> None:
        st = self.state
        for ref in st.frame_marks():
            current = ref.question_id == st.current
            selected = current and ref.index == st.selected and not ref.measurement
            colour = (
                QColor(palette.CALIPER) if ref.measurement else QColor(palette.EXPERT) if current else OTHER
            )
            pts = [self._pt(geom, xy) for xy in self._points(ref)]
            if selected:
                p.setPen(QPen(QColor(255, 255, 255, 200), 5))
                self._shape(p, ref.mark.type, pts)
            p.setPen(QPen(colour, 2.0 if current or ref.measurement else 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            self._shape(p, ref.mark.type, pts)
            if current and not ref.measurement:
                p.setPen(QPen(QColor("#000000"), 1))
                p.setBrush(QColor("#ffffff") if selected else colour)
                h = HANDLE_PX
                for q in pts:
                    p.drawRect(QRectF(q.x() - h / 2, q.y() - h / 2, h, h))
                p.setBrush(Qt.BrushStyle.NoBrush)
            if ref.measurement:
                ans = st.answer(ref.question_id)
                if ans is not None and pts:
                    unit = "cm²" if ans.unit == "cm2" else ans.unit
                    self._label(p, pts[-1], f"{ans.value:.2f} {unit}", colour)
            elif current and pts:
                self._label(p, pts[0], f"{ref.index + 1}", colour)

    def _shape(self, p: QPainter, kind: str, pts: list[QPointF]) -> None:
        if kind == "point":
            for q in pts:
                p.drawEllipse(q, 4, 4)
        elif kind == "line":
            p.drawLine(pts[0], pts[-1])
        elif kind == "ellipse":
            p.drawEllipse(QRectF(pts[0], pts[-1]).normalized())
        elif kind == "polyline":
            p.drawPolyline(QPolygonF(pts))
        else:
            p.drawPolygon(QPolygonF(pts))

    def _label(self, p: QPainter, at: QPointF, text: str, colour: QColor) -> None:
        rect = p.fontMetrics().boundingRect(text).adjusted(-3, -1, 3, 1)
        rect.moveTopLeft((at + QPointF(7, 5)).toPoint())
        p.fillRect(rect, QColor(0, 0, 0, 160))
        p.setPen(colour)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    # handle dragging ---------------------------------------------------------------------------
    def eventFilter(self, obj, ev) -> bool:
        t = ev.type()
        if t == QEvent.Type.MouseButtonPress and ev.button() == Qt.MouseButton.LeftButton:
            if self.state.viewer.tool == "window_level":
                return False
            geom = self.view.geometry_now()  # type: ignore[attr-defined]
            xy = geom.to_image(ev.position().x(), ev.position().y())
            hit = self.state.pick_handle((xy[0] - 0.5, xy[1] - 0.5), HIT_PX / geom.scale)
            if hit is None:
                return False
            self.view.setFocus()
            self._drag, self._drag_xy = hit, None
            self.state.select_mark(hit[0])
            return True
        if t == QEvent.Type.MouseMove and self._drag is not None:
            geom = self.view.geometry_now()  # type: ignore[attr-defined]
            x, y = geom.to_image(ev.position().x(), ev.position().y())
            self._drag_xy = (x - 0.5, y - 0.5)
            self.view.update()
            return True
        if t == QEvent.Type.MouseButtonRelease and self._drag is not None:
            (mi, pi), xy = self._drag, self._drag_xy
            self._drag, self._drag_xy = None, None
            if xy is not None:
                self.state.move_point(mi, pi, xy)
            self.view.update()
            return True
        return False


class KeyedFramesStrip(QWidget):
    """Under the timeline: keyed frame ranges (orange bars) and frames holding marks (ticks)."""

    MARGIN = 10.0  # matches imgtrainer.gui.viewer.timeline

    def __init__(self, state: AnnotationState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setFixedHeight(14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Keyed frame ranges (bars) and frames with marks (ticks); click to go there")
        state.changed.connect(lambda _t: self.update())
        state.viewer.changed.connect(lambda t: self.update() if t in ("clip", "frame") else None)

    def _x(self, index: float) -> float:
        n = max(1, self.state.viewer.n_frames - 1)
        return self.MARGIN + (self.width() - 2 * self.MARGIN) * index / n

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(palette.PANEL))
        if self.state.viewer.n_frames:
            for a, b in self.state.keyed_ranges():
                p.fillRect(
                    QRectF(self._x(a) - 1, 2, max(3.0, self._x(b) - self._x(a) + 2), 5),
                    QColor(palette.EXPERT),
                )
            p.setPen(QPen(QColor(palette.CALIPER), 2))
            for f in sorted(self.state.marked_frames()):
                x = self._x(f)
                p.drawLine(QPointF(x, 8), QPointF(x, 13))
        p.end()

    def mousePressEvent(self, ev) -> None:
        n = max(1, self.state.viewer.n_frames - 1)
        frac = (ev.position().x() - self.MARGIN) / max(1.0, self.width() - 2 * self.MARGIN)
        self.state.viewer.set_index(round(max(0.0, min(1.0, frac)) * n))


def show_tools(viewer: QWidget, tools: list[str]) -> None:
    """Show only these tools of a ``CineViewer``'s tool bar (the others are hidden)."""
    for tool, act in getattr(viewer, "tool_actions", {}).items():
        act.setVisible(tool in tools)
    bar = getattr(viewer, "tools", None)
    for act in bar.actions() if bar is not None else []:
        if act.text() in ("Undo", "Clear"):  # the viewer's own undo would bypass the key's history
            act.setVisible(False)
