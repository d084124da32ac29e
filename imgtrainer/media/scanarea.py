"""The scan area: which pixels of a frame are the imaged sector or rectangle.

De-identification keeps only these pixels and the analysis metrics look only inside them.
When the file carries Ultrasound Regions (DICOM 0018,6011) the union of its 2D tissue
regions is used. Otherwise the area is detected from the frames: tissue is textured
(speckle) and, in a cine, changes over time, while burned-in text, rulers, logos and
screen-recording borders are static, thin or flat. Candidate pixels are cleaned by
morphology, the largest component is kept, and its convex hull is the scan area (an
ultrasound sector or rectangle is convex, so anechoic fluid inside it is filled in).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from imgtrainer.media.clip import Clip, Region
from imgtrainer.media.scanarea_shape import classify, confidence, top_arc_apex

_WORK_SIZE = 320
"""Longest side (pixels) of the reduced image the detector works on; the hull is scaled back."""


@dataclass
class ScanArea:
    """The imaged area of a clip's frames.

    ``mask`` is bool ``(rows, cols)``, True inside. ``bbox`` is ``(x0, y0, x1, y1)`` inclusive.
    ``confidence`` is 0..1; below 0.5 the area cannot be trusted (deid quarantines).
    ``apex`` is the fitted sector apex ``(x, y)`` in pixels (may lie above the image).
    """

    mask: np.ndarray
    bbox: tuple[int, int, int, int]
    shape: str  # "sector" | "rectangle" | "regions"
    confidence: float
    source: str  # "regions" | "detected"
    apex: tuple[float, float] | None = None
    hull: np.ndarray | None = None  # (k, 2) int polygon (x, y) of the detected area, if any

    @property
    def area_fraction(self) -> float:
        return float(self.mask.mean()) if self.mask.size else 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly summary (without the mask)."""
        return {
            "bbox": list(self.bbox),
            "shape": self.shape,
            "confidence": round(float(self.confidence), 3),
            "source": self.source,
            "apex": None if self.apex is None else [round(self.apex[0], 1), round(self.apex[1], 1)],
            "area_fraction": round(self.area_fraction, 4),
        }


def find_scan_area(clip: Clip, *, max_frames: int = 32) -> ScanArea:
    """The scan area of ``clip``: its 2D Ultrasound Regions if any, else detected from frames."""
    rows, cols = int(clip.rows), int(clip.cols)
    regions = [r for r in clip.regions if _is_tissue_2d(r)]
    if regions:
        area = _from_regions(regions, rows, cols)
        if area is not None:
            return area
    small = _sample_gray(clip, max_frames)
    return _detect(small, rows, cols)


def find_imaged_area(clip: Clip, *, max_frames: int = 32) -> ScanArea:
    """Like ``find_scan_area`` but, inside Ultrasound Regions, narrowed to the imaged sector.

    A region is a rectangle; the sector drawn in it leaves black corners that analysis
    should not read as lost contact. De-identification keeps using the whole region.
    """
    area = find_scan_area(clip, max_frames=max_frames)
    if area.source != "regions":
        return area
    x0, y0, x1, y1 = area.bbox
    small = _sample_gray(_Crop(clip, x0, y0, x1, y1), max_frames)
    inner = _detect(small, y1 - y0 + 1, x1 - x0 + 1)
    if inner.confidence < 0.5 or inner.area_fraction < 0.3:
        return area
    mask = np.zeros_like(area.mask)
    mask[y0 : y1 + 1, x0 : x1 + 1] = inner.mask
    mask &= area.mask
    apex = None if inner.apex is None else (inner.apex[0] + x0, inner.apex[1] + y0)
    hull = None if inner.hull is None else inner.hull + np.array([x0, y0], dtype=inner.hull.dtype)
    return ScanArea(mask, _bbox(mask), inner.shape, area.confidence, "regions", apex, hull)


class _Crop:
    """Just enough of a Clip to sample frames of a sub-rectangle."""

    def __init__(self, clip: Clip, x0: int, y0: int, x1: int, y1: int) -> None:
        self._clip, self._box = clip, (x0, y0, x1, y1)
        self.n_frames, self.rows, self.cols = clip.n_frames, y1 - y0 + 1, x1 - x0 + 1

    def frame(self, i: int) -> np.ndarray:
        x0, y0, x1, y1 = self._box
        return self._clip.frame(i)[y0 : y1 + 1, x0 : x1 + 1]


def detect_scan_area(gray_frames: np.ndarray) -> ScanArea:
    """Detect the scan area from grayscale uint8 frames ``(n, rows, cols)`` (n may be 1)."""
    stack = np.asarray(gray_frames)
    if stack.ndim == 2:
        stack = stack[None]
    _, rows, cols = stack.shape
    return _detect(np.stack([_shrink(f) for f in stack]), rows, cols)


def _shrink(gray: np.ndarray) -> np.ndarray:
    """A frame reduced so that its longest side is at most ``_WORK_SIZE`` pixels."""
    rows, cols = gray.shape[:2]
    scale = min(1.0, _WORK_SIZE / max(rows, cols))
    if scale >= 1.0:
        return gray
    size = (max(8, round(cols * scale)), max(8, round(rows * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _detect(small: np.ndarray, rows: int, cols: int) -> ScanArea:
    n = small.shape[0]
    small = _normalise_level(small)
    cand, dyn_frac = _candidates(small)
    hull_small, comp_frac, solidity, rival = _largest_hull(cand)
    if hull_small is not None:
        hull_small = _grow_dim(small, hull_small)
    if hull_small is None:
        return _whole_frame(rows, cols, confidence=0.1)
    sx = cols / small.shape[2]
    sy = rows / small.shape[1]
    hull = np.column_stack([(hull_small[:, 0] + 0.5) * sx - 0.5, (hull_small[:, 1] + 0.5) * sy - 0.5])
    hull = np.round(hull).astype(np.int32)
    hull[:, 0] = np.clip(hull[:, 0], 0, cols - 1)
    hull[:, 1] = np.clip(hull[:, 1], 0, rows - 1)
    mask8 = np.zeros((rows, cols), np.uint8)
    cv2.fillPoly(mask8, [hull.reshape(-1, 1, 2)], 1)
    mask = mask8.astype(bool)
    if not mask.any():
        return _whole_frame(rows, cols, confidence=0.1)
    bbox = _bbox(mask)
    shape, apex, fit_quality = classify(mask, bbox)
    if shape == "rectangle":
        arc = top_arc_apex(small, hull_small)
        if arc is not None:
            apex = ((arc[0] + 0.5) * sx - 0.5, (arc[1] + 0.5) * sy - 0.5)
            shape, fit_quality = "sector", arc[2]
    frac = float(mask.mean())
    sep = _separation(small, hull_small)
    conf = confidence(frac, comp_frac, solidity, fit_quality, n, dyn_frac, sep, rival)
    return ScanArea(mask, bbox, shape, conf, "detected", apex, hull)


# --------------------------------------------------------------------------- regions


def _is_tissue_2d(r: Region) -> bool:
    return r.spatial_format.upper() == "2D" and r.data_type.upper() not in {"GRAPHICS", "WAVEFORM"}


def _from_regions(regions: list[Region], rows: int, cols: int) -> ScanArea | None:
    mask = np.zeros((rows, cols), bool)
    for r in regions:
        x0, x1 = max(0, min(r.x0, r.x1)), min(cols - 1, max(r.x0, r.x1))
        y0, y1 = max(0, min(r.y0, r.y1)), min(rows - 1, max(r.y0, r.y1))
        if x1 > x0 and y1 > y0:
            mask[y0 : y1 + 1, x0 : x1 + 1] = True
    if mask.sum() < 64:
        return None
    return ScanArea(mask, _bbox(mask), "regions", 0.95, "regions")


def _whole_frame(rows: int, cols: int, confidence: float) -> ScanArea:
    mask = np.ones((rows, cols), bool)
    return ScanArea(mask, (0, 0, cols - 1, rows - 1), "rectangle", confidence, "detected")


# --------------------------------------------------------------------------- detection


def _sample_gray(clip: Clip | _Crop, max_frames: int) -> np.ndarray:
    n = max(1, int(clip.n_frames))
    k = max(1, min(n, int(max_frames)))
    idx = np.unique(np.linspace(0, n - 1, k).round().astype(int))
    out = []
    for i in idx:
        try:
            out.append(_shrink(to_gray(clip.frame(int(i)))))
        except Exception:  # a corrupt frame should not stop the detection on the others
            continue
    if not out:
        out = [_shrink(np.zeros((clip.rows, clip.cols), np.uint8))]
    return np.stack(out)


def to_gray(frame: np.ndarray) -> np.ndarray:
    """uint8 grayscale of an RGB or gray frame (luma)."""
    if frame.ndim == 3:
        if frame.shape[2] == 1:
            return np.ascontiguousarray(frame[..., 0])
        return cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(frame)


def _normalise_level(small: np.ndarray) -> np.ndarray:
    """Scale a dim stack up (at most 8x) so its bright end sits near 200.

    The detector's thresholds are in grey levels; this keeps them meaning the same thing on
    a low-gain recording as on a well-gained one.
    """
    p99 = float(np.percentile(small.max(axis=0), 99))
    if p99 <= 4.0 or p99 >= 180.0:
        return small
    gain = min(8.0, 200.0 / p99)
    return np.clip(small.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def _local_std(img: np.ndarray, k: int) -> np.ndarray:
    f = img.astype(np.float32)
    m = cv2.blur(f, (k, k))
    m2 = cv2.blur(f * f, (k, k))
    return np.sqrt(np.maximum(m2 - m * m, 0))


def _candidates(small: np.ndarray) -> tuple[np.ndarray, float]:
    """Pixels that look like imaged tissue: textured and lit, or changing over time."""
    n = small.shape[0]
    mx = small.max(axis=0)
    bg = float(np.percentile(mx, 2))
    lit = cv2.medianBlur(mx, 3) > bg + 10
    pick = np.unique(np.linspace(0, n - 1, min(n, 4)).round().astype(int))
    tex = np.mean([_local_std(small[i], 5) for i in pick], axis=0)
    textured = (tex > 3.0) & lit
    dyn_frac = 0.0
    cand = textured
    if n >= 3:
        tstd = small.astype(np.float32).std(axis=0)
        dynamic = (cv2.blur(tstd, (3, 3)) > 2.0) & lit
        dyn_frac = float(dynamic.mean())
        if dyn_frac > 0.03:
            # a cine: keep what moves; static textured pixels (text) only if near moving tissue
            near = cv2.dilate(dynamic.astype(np.uint8), _disk(max(3, min(small.shape[1:]) // 40))) > 0
            cand = dynamic | (textured & near)
    return cand, dyn_frac


def _disk(r: int) -> np.ndarray:
    r = max(1, int(r))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _largest_hull(cand: np.ndarray) -> tuple[np.ndarray | None, float, float, float]:
    """Convex hull (x, y) of the largest cleaned component, its area fraction, its solidity
    and the runner-up's area relative to it (two similar candidates make the pick doubtful)."""
    h, w = cand.shape
    m = cand.astype(np.uint8)
    d = min(h, w)
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, _disk(max(1, d // 80)))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, _disk(max(2, d // 40)))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if n <= 1:
        return None, 0.0, 0.0, 0.0
    areas = stats[1:, cv2.CC_STAT_AREA]
    best = 1 + int(np.argmax(areas))
    rival = float(np.sort(areas)[-2] / areas.max()) if areas.size > 1 else 0.0
    comp = (lab == best).astype(np.uint8)
    # fill holes so anechoic regions inside tissue count as part of it
    comp = cv2.morphologyEx(comp, cv2.MORPH_CLOSE, _disk(max(2, d // 30)))
    # the body without protrusions; what the opening removed is put back piece by piece
    # only where it keeps the area convex (a label glued to a sector corner is not)
    body = cv2.morphologyEx(comp, cv2.MORPH_OPEN, _disk(max(3, d // 20)))
    if body.sum() < 0.5 * comp.sum():
        body = comp
    pts = cv2.findNonZero(body)
    if pts is None or len(pts) < 16:
        return None, 0.0, 0.0, 0.0
    hull = _convex_union(cv2.convexHull(pts).reshape(-1, 2), (comp > 0) & (body == 0))
    hull_area = max(1.0, float(cv2.contourArea(hull.reshape(-1, 1, 2))))
    solidity = min(1.0, float(comp.sum()) / hull_area)
    return hull, float(comp.mean()), solidity, rival


def flat_background(small: np.ndarray) -> np.ndarray:
    """Bool mask of the flat, unchanging screen background that reaches the frame border.

    Screen captures and secondary captures often put the sector on a grey (not black)
    ground; that ground is perfectly flat and still, while imaged tissue, however faint,
    has speckle. Its grey level is the commonest level of the flat border pixels.
    """
    ref = cv2.medianBlur(small.max(axis=0), 3)  # isolated dither dots are not texture
    flat = _local_std(ref, 3) < 1.0
    if small.shape[0] > 1:
        flat &= (small.max(axis=0).astype(np.int16) - small.min(axis=0)) <= 2
    border = np.zeros_like(flat)
    border[:2], border[-2:], border[:, :2], border[:, -2:] = True, True, True, True
    levels = ref[flat & border]
    if levels.size < 0.2 * border.sum():
        return np.zeros_like(flat)
    level = int(np.bincount(levels.astype(np.int64)).argmax())
    ground = (flat & (np.abs(ref.astype(np.int16) - level) <= 3)).astype(np.uint8)
    ground = cv2.morphologyEx(ground, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    _, lab = cv2.connectedComponents(ground, connectivity=4)
    touch = np.unique(lab[border & (ground > 0)])
    return np.isin(lab, touch[touch > 0])


def _separation(small: np.ndarray, hull: np.ndarray) -> float:
    """Share of the pixels outside the area that look like screen ground (flat or dark).

    Measured, not assumed: a sector standing on a flat or black ground is a trustworthy find;
    an area surrounded by more texture is not. 1.0 when nothing is left outside.
    """
    h, w = small.shape[1:]
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, [hull.reshape(-1, 1, 2).astype(np.int32)], 1)
    outside = inside == 0
    if outside.sum() < 0.01 * h * w:
        return 1.0
    mx = cv2.medianBlur(small.max(axis=0), 3)
    dark = mx <= float(np.percentile(mx, 2)) + 10
    plain = flat_background(small) | dark | (_local_std(mx, 5) < 2.0)
    return float(plain[outside].mean())


def _grow_dim(small: np.ndarray, hull: np.ndarray) -> np.ndarray:
    """Extend the hull over dim but lit pixels touching it (deep, weak echoes of the sector)."""
    h, w = small.shape[1:]
    mx = cv2.medianBlur(small.max(axis=0), 5).astype(np.float32)
    dark = mx[mx <= np.percentile(mx, 10)]
    bg = float(np.median(dark))
    noise = float(np.median(np.abs(dark - bg))) * 1.4826
    lit = mx > bg + max(4.0, 4.0 * noise)
    ground = flat_background(small)
    if ground.mean() >= 0.1:
        # on a flat screen ground, whatever is not ground may be image (anechoic tissue can
        # be darker than a grey ground); thin overlays on the ground are opened away below
        lit |= ~ground
    lit = (lit & ~ground).astype(np.uint8)
    d = min(h, w)
    lit = cv2.morphologyEx(lit, cv2.MORPH_OPEN, _disk(max(2, d // 50)))
    core = np.zeros((h, w), np.uint8)
    cv2.fillPoly(core, [hull.reshape(-1, 1, 2).astype(np.int32)], 1)
    _, lab = cv2.connectedComponents(lit, connectivity=8)
    keep = np.unique(lab[(core > 0) & (lit > 0)])
    keep = keep[keep > 0]
    if keep.size == 0:
        return hull
    if (np.isin(lab, keep) | (core > 0)).mean() > 0.985 and core.mean() < 0.9:
        return hull  # lit everywhere: the dim pixels are not a usable cue
    return _convex_union(hull, (lab > 0) & (lit > 0) & np.isin(lab, keep) & (core == 0))


def _convex_union(hull: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """``hull`` grown by the pieces of ``extra`` that fill most of the area they add to it.

    The scan area is convex, so a real part of it (a sector corner, its faint deep end, a
    static chest wall above sliding lung) fills what it adds to the hull, while burned-in
    text touching a corner of the sector adds a long, mostly empty sliver and is left out.
    (OpenCV >= 5.1 draws the Hershey fonts as heavier antialiased glyphs that survive the
    median filter and the opening; without this test such a label was merged into the
    sector.) A piece that fails is tried again without its thin appendages (faint beam
    edges, a text line touching it). Pieces are tried largest first.
    """
    pts = hull.reshape(-1, 2).astype(np.int32)
    area = float(cv2.contourArea(pts.reshape(-1, 1, 2)))
    r = max(2, min(extra.shape) // 40)
    queue = [extra.astype(np.uint8)]
    for depth in range(2):
        retry = np.zeros_like(queue[0])
        for part in queue:
            n, lab, stats, _ = cv2.connectedComponentsWithStats(part, connectivity=8)
            for k in sorted(range(1, n), key=lambda c: -stats[c, cv2.CC_STAT_AREA])[:32]:
                ys, xs = np.nonzero(lab == k)
                grown = cv2.convexHull(np.vstack([pts, np.column_stack([xs, ys]).astype(np.int32)]))
                new_area = float(cv2.contourArea(grown))
                if stats[k, cv2.CC_STAT_AREA] >= 0.5 * (new_area - area):
                    pts, area = grown.reshape(-1, 2), new_area
                elif depth == 0:
                    retry[lab == k] = 1
        queue = [cv2.morphologyEx(retry, cv2.MORPH_OPEN, _disk(r))]
    return pts


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    return int(xs[0]), int(ys[0]), int(xs[-1]), int(ys[-1])
