"""Mapping between widget pixels and stored-frame pixels for a zoomed, panned image (Qt-free).

The image is fitted to the widget (aspect kept), multiplied by ``zoom`` and shifted by ``pan``
(widget pixels). Image coordinates are ``(x, y)`` in stored-frame pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_ZOOM = 0.25
MAX_ZOOM = 16.0


@dataclass(frozen=True)
class ViewGeometry:
    widget_w: float
    widget_h: float
    cols: int
    rows: int
    zoom: float = 1.0
    pan_x: float = 0.0
    pan_y: float = 0.0

    @property
    def scale(self) -> float:
        """Widget pixels per image pixel."""
        if self.cols <= 0 or self.rows <= 0 or self.widget_w <= 0 or self.widget_h <= 0:
            return 1.0
        return min(self.widget_w / self.cols, self.widget_h / self.rows) * self.zoom

    @property
    def origin(self) -> tuple[float, float]:
        """Widget position of the image's top-left corner."""
        s = self.scale
        return (
            (self.widget_w - self.cols * s) / 2 + self.pan_x,
            (self.widget_h - self.rows * s) / 2 + self.pan_y,
        )

    def to_image(self, wx: float, wy: float) -> tuple[float, float]:
        ox, oy = self.origin
        s = self.scale
        return ((wx - ox) / s, (wy - oy) / s)

    def to_widget(self, ix: float, iy: float) -> tuple[float, float]:
        ox, oy = self.origin
        s = self.scale
        return (ox + ix * s, oy + iy * s)

    def target_rect(self) -> tuple[float, float, float, float]:
        """(x, y, w, h) in widget pixels where the whole frame is drawn."""
        ox, oy = self.origin
        return (ox, oy, self.cols * self.scale, self.rows * self.scale)

    def inside(self, ix: float, iy: float) -> bool:
        return 0 <= ix < self.cols and 0 <= iy < self.rows


def zoom_about(geom: ViewGeometry, factor: float, wx: float, wy: float) -> tuple[float, float, float]:
    """New (zoom, pan_x, pan_y) that scales by ``factor`` keeping widget point (wx, wy) fixed."""
    new_zoom = max(MIN_ZOOM, min(MAX_ZOOM, geom.zoom * factor))
    ix, iy = geom.to_image(wx, wy)
    trial = ViewGeometry(geom.widget_w, geom.widget_h, geom.cols, geom.rows, new_zoom, 0.0, 0.0)
    tx, ty = trial.to_widget(ix, iy)
    return new_zoom, wx - tx, wy - ty
