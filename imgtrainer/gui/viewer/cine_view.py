"""The cine image widget: draws the current frame with ``drawImage`` plus calipers and marks.

It owns no domain state: it reads ``ViewerState`` in ``paintEvent`` and turns mouse input into
state method calls. Frames are wrapped in a QImage without copying (DESIGN §8).
"""

from __future__ import annotations

import time

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PyQt6.QtWidgets import QSizePolicy, QWidget

from imgtrainer.gui.widgets import palette
from imgtrainer.screens.viewer.state import Mark, ViewerState


def frame_to_qimage(frame: np.ndarray) -> QImage:
    """Wrap a uint8 (rows, cols[, 3]) array as a QImage sharing its memory (keep the array alive)."""
    arr = frame if frame.flags.c_contiguous else np.ascontiguousarray(frame)
    rows, cols = arr.shape[:2]
    if arr.ndim == 2:
        return QImage(arr.data, cols, rows, arr.strides[0], QImage.Format.Format_Grayscale8)
    return QImage(arr.data, cols, rows, arr.strides[0], QImage.Format.Format_RGB888)


class CineView(QWidget):
    """Paints ``state``'s current frame; mouse: tools, right-drag window/level, wheel zoom."""

    painted = pyqtSignal(int, float)  # frame index, perf_counter time: used by the benchmark

    def __init__(self, state: ViewerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.placeholder = "Open a case from the library"  # shown while no clip is loaded
        self.overlays: list = []  # callables (painter, geometry) drawn over the frame
        self._drag_mode: str | None = None
        self._last_pos = QPointF()
        self._frame_ref: np.ndarray | None = None
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAccessibleName("Cine image")
        state.changed.connect(self._on_state)

    def _on_state(self, topic: str) -> None:
        if topic == "frame" and self.state.playing and self.isVisible():
            self.repaint()  # playing: present now, not after another trip through the event loop
        elif topic in (
            "frame",
            "clip",
            "view",
            "draft",
            "measurements",
            "marks",
            "mmode",
            "message",
            "overlay",
        ):
            self.update()

    def geometry_now(self):
        return self.state.geometry(self.width(), self.height())

    # painting --------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        st = self.state
        frame = st.display_frame()
        if frame is None:
            p.fillRect(self.rect(), QColor(palette.BACKGROUND))
            p.setPen(QColor(palette.TEXT_DIM))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            p.end()
            return
        self._frame_ref = frame  # the QImage borrows this memory until the next paint
        geom = self.geometry_now()
        target = QRectF(*geom.target_rect())
        self._fill_outside(p, target)  # only the letterbox: the frame covers the rest
        image = frame_to_qimage(frame)
        if abs(geom.scale - 1.0) > 1e-3:
            image = image.convertToFormat(QImage.Format.Format_RGB32)
            # smooth when still (reading a frame), fast while playing (every millisecond counts)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, geom.scale < 2.5 and not st.playing)
        p.drawImage(target, image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_annotations(p, geom)
        for overlay in self.overlays:
            overlay(p, geom)
        self._paint_hud(p)
        p.end()
        self.painted.emit(st.index, time.perf_counter())

    def _fill_outside(self, p: QPainter, target: QRectF) -> None:
        bg = QColor(palette.BACKGROUND)
        w, h = float(self.width()), float(self.height())
        top, bottom = max(0.0, target.top()), min(h, target.bottom())
        for r in (
            QRectF(0, 0, w, top),
            QRectF(0, bottom, w, h - bottom),
            QRectF(0, top, max(0.0, target.left()), bottom - top),
            QRectF(target.right(), top, max(0.0, w - target.right()), bottom - top),
        ):
            if r.width() > 0 and r.height() > 0:
                p.fillRect(r, bg)

    def _pt(self, geom, xy) -> QPointF:
        return QPointF(*geom.to_widget(xy[0] + 0.5, xy[1] + 0.5))

    def _paint_mark(self, p: QPainter, geom, mark: Mark, colour: str, dashed: bool = False) -> None:
        pen = QPen(QColor(colour), 2.5)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        pts = [self._pt(geom, xy) for xy in mark.points]
        if mark.kind == "point":
            for q in pts:
                p.drawEllipse(q, 6, 6)
                p.drawLine(QPointF(q.x() - 9, q.y()), QPointF(q.x() + 9, q.y()))
                p.drawLine(QPointF(q.x(), q.y() - 9), QPointF(q.x(), q.y() + 9))
        elif mark.kind == "line":
            p.drawLine(pts[0], pts[-1])
        else:
            p.drawPolygon(QPolygonF(pts))

    def _paint_annotations(self, p: QPainter, geom) -> None:
        st = self.state
        for mark in st.expert_marks:
            self._paint_mark(p, geom, mark, palette.EXPERT, dashed=True)
        for mark in st.marks:
            self._paint_mark(p, geom, mark, palette.TRAINEE)
        for m in st.measurements:
            if m.frame != st.index:
                continue
            p.setPen(QPen(QColor(palette.CALIPER), 2))
            pts = [self._pt(geom, xy) for xy in m.points]
            if m.kind == "distance":
                p.drawLine(pts[0], pts[1])
                for q in pts:
                    p.drawLine(QPointF(q.x() - 5, q.y() - 5), QPointF(q.x() + 5, q.y() + 5))
                    p.drawLine(QPointF(q.x() - 5, q.y() + 5), QPointF(q.x() + 5, q.y() - 5))
            elif m.kind == "ellipse":
                p.drawEllipse(QRectF(pts[0], pts[1]).normalized())
            else:
                p.drawPolygon(QPolygonF(pts))
            self._label(p, pts[-1], f"{m.value:.2f} {m.unit}", palette.CALIPER)
        if st.mmode_line is not None:
            p.setPen(QPen(QColor(palette.MMODE), 2))
            a, b = (self._pt(geom, xy) for xy in st.mmode_line)
            p.drawLine(a, b)
            self._label(p, b, "M-mode", palette.MMODE)
        if st.draft:
            p.setPen(QPen(QColor(palette.DRAFT), 1.5, Qt.PenStyle.DashLine))
            pts = [self._pt(geom, xy) for xy in st.draft]
            if st.tool == "ellipse" and len(pts) == 2:
                p.drawEllipse(QRectF(pts[0], pts[1]).normalized())
            else:
                path = QPainterPath(pts[0])
                for q in pts[1:]:
                    path.lineTo(q)
                p.drawPath(path)
                for q in pts if st.tool == "polygon" else []:
                    p.drawEllipse(q, 3, 3)

    def _label(self, p: QPainter, at: QPointF, text: str, colour: str) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, self.font().pointSizeF()))
        p.setFont(font)
        rect = p.fontMetrics().boundingRect(text).adjusted(-4, -2, 4, 2)
        rect.moveTopLeft(at.toPoint() + QPointF(8, 8).toPoint())
        p.fillRect(rect, QColor(0, 0, 0, 170))
        p.setPen(QColor(colour))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_hud(self, p: QPainter) -> None:
        st = self.state
        clip = st.clip
        t = float(clip.frame_times_s[st.index] - clip.frame_times_s[0]) if clip.n_frames else 0.0
        text = f"frame {st.index + 1}/{clip.n_frames}   {t:.2f} s   {clip.fps:.0f} fps   {st.speed:g}×"
        if st.zoom != 1.0:
            text += f"   zoom {st.zoom:.1f}×"
        rect = p.fontMetrics().boundingRect(text).adjusted(-6, -3, 6, 3)
        rect.moveTopLeft(QPointF(6, 6).toPoint())
        p.fillRect(rect, QColor(0, 0, 0, 160))
        p.setPen(QColor(palette.TEXT_DIM))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if st.message:
            rect = QRectF(8, self.height() - 30, self.width() - 16, 24)
            p.fillRect(rect, QColor(0, 0, 0, 180))
            p.setPen(QColor(palette.MESSAGE))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, st.message)

    # mouse -----------------------------------------------------------------------------------
    def _image_pos(self, pos: QPointF) -> tuple[float, float]:
        x, y = self.geometry_now().to_image(pos.x(), pos.y())
        return (x, y)

    def mousePressEvent(self, ev) -> None:
        self.setFocus()
        self._last_pos = ev.position()
        button = ev.button()
        tool = self.state.tool
        if button == Qt.MouseButton.RightButton or (
            button == Qt.MouseButton.LeftButton and tool == "window_level"
        ):
            self._drag_mode = "wl"
        elif button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and tool == "navigate"
        ):
            self._drag_mode = "pan"
        elif button == Qt.MouseButton.LeftButton:
            self._drag_mode = "tool"
            self.state.press(self._image_pos(ev.position()))

    def mouseMoveEvent(self, ev) -> None:
        pos = ev.position()
        dx, dy = pos.x() - self._last_pos.x(), pos.y() - self._last_pos.y()
        self._last_pos = pos
        if self._drag_mode == "pan":
            self.state.pan_by(dx, dy)
        elif self._drag_mode == "wl":
            self.state.adjust_window_level(dx, dy)
        elif self._drag_mode == "tool":
            self.state.drag(self._image_pos(pos))

    def mouseReleaseEvent(self, ev) -> None:
        if self._drag_mode == "tool":
            self.state.release(self._image_pos(ev.position()))
        self._drag_mode = None

    def mouseDoubleClickEvent(self, ev) -> None:
        if self.state.tool == "polygon":
            self.state.finish_draw()
        elif self.state.tool == "navigate":
            self.state.reset_view()

    def wheelEvent(self, ev) -> None:
        steps = ev.angleDelta().y() / 120.0
        if steps:
            pos = ev.position()
            self.state.zoom_at(1.15**steps, pos.x(), pos.y(), self.width(), self.height())
