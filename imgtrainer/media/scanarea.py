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
    hull_small, comp_frac, solidity = _largest_hull(cand)
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
    shape, apex, fit_quality = _classify(mask, bbox)
    if shape == "rectangle":
        arc = _top_arc_apex(small, hull_small)
        if arc is not None:
            apex = ((arc[0] + 0.5) * sx - 0.5, (arc[1] + 0.5) * sy - 0.5)
            shape, fit_quality = "sector", arc[2]
    frac = float(mask.mean())
    conf = _confidence(frac, comp_frac, solidity, fit_quality, n, dyn_frac)
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


def _largest_hull(cand: np.ndarray) -> tuple[np.ndarray | None, float, float]:
    """Convex hull (x, y) of the largest cleaned component, its area fraction and solidity."""
    h, w = cand.shape
    m = cand.astype(np.uint8)
    d = min(h, w)
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, _disk(max(1, d // 80)))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, _disk(max(2, d // 40)))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if n <= 1:
        return None, 0.0, 0.0
    areas = stats[1:, cv2.CC_STAT_AREA]
    best = 1 + int(np.argmax(areas))
    comp = (lab == best).astype(np.uint8)
    # fill holes so anechoic regions inside tissue count as part of it
    comp = cv2.morphologyEx(comp, cv2.MORPH_CLOSE, _disk(max(2, d // 30)))
    pts = cv2.findNonZero(comp)
    if pts is None or len(pts) < 16:
        return None, 0.0, 0.0
    hull = cv2.convexHull(pts).reshape(-1, 2)
    hull_area = max(1.0, float(cv2.contourArea(hull.reshape(-1, 1, 2))))
    solidity = min(1.0, float(comp.sum()) / hull_area)
    return hull, float(comp.mean()), solidity


def _grow_dim(small: np.ndarray, hull: np.ndarray) -> np.ndarray:
    """Extend the hull over dim but lit pixels touching it (deep, weak echoes of the sector)."""
    h, w = small.shape[1:]
    mx = cv2.medianBlur(small.max(axis=0), 5).astype(np.float32)
    dark = mx[mx <= np.percentile(mx, 10)]
    bg = float(np.median(dark))
    noise = float(np.median(np.abs(dark - bg))) * 1.4826
    lit = (mx > bg + max(4.0, 4.0 * noise)).astype(np.uint8)
    d = min(h, w)
    lit = cv2.morphologyEx(lit, cv2.MORPH_OPEN, _disk(max(2, d // 50)))
    core = np.zeros((h, w), np.uint8)
    cv2.fillPoly(core, [hull.reshape(-1, 1, 2).astype(np.int32)], 1)
    _, lab = cv2.connectedComponents(lit, connectivity=8)
    keep = np.unique(lab[(core > 0) & (lit > 0)])
    keep = keep[keep > 0]
    if keep.size == 0:
        return hull
    grown = np.isin(lab, keep) | (core > 0)
    if grown.mean() > 0.985 and core.mean() < 0.9:
        return hull  # lit everywhere: the dim pixels are not a usable cue
    pts = cv2.findNonZero(grown.astype(np.uint8))
    return cv2.convexHull(pts).reshape(-1, 2)


def _top_arc_apex(small: np.ndarray, hull: np.ndarray) -> tuple[float, float, float] | None:
    """Centre (x, y) of the circular top edge of a convex-probe image, and fit quality.

    Used when the sector's sides are cut off by the frame: the skin line of a convex probe
    is an arc centred on the virtual apex, and the beams radiate from that centre.
    """
    h, w = small.shape[1:]
    mx = cv2.medianBlur(small.max(axis=0), 5).astype(np.float32)
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, [hull.reshape(-1, 1, 2).astype(np.int32)], 1)
    lit = (mx > float(np.percentile(mx, 2)) + 8.0) & (inside > 0)
    cols = np.flatnonzero(lit.any(axis=0))
    if cols.size < 20:
        return None
    top = np.array([np.argmax(lit[:, c]) for c in cols], float)
    run = _central_run(top > 1)  # columns whose top is not cut by the frame edge
    if run is None:
        return None
    xs, ys = cols[run].astype(float), top[run]
    if xs.size < max(12, 0.15 * cols.size) or np.ptp(ys) < 3:
        return None
    # robust-ish Kasa circle fit, one refit without the worst 20 %
    for _ in range(2):
        a = np.column_stack([xs, ys, np.ones_like(xs)])
        b = -(xs**2 + ys**2)
        (d, e, f), *_ = np.linalg.lstsq(a, b, rcond=None)
        cx, cy = -d / 2, -e / 2
        r2 = cx**2 + cy**2 - f
        if r2 <= 0:
            return None
        res = np.abs(np.hypot(xs - cx, ys - cy) - np.sqrt(r2))
        good = res <= np.percentile(res, 80)
        xs, ys = xs[good], ys[good]
    r = float(np.sqrt(r2))
    if not (cy < ys.min() - 2 and 0.1 * h < r < 8.0 * h and 0.3 * w < cx < 0.7 * w):
        return None
    quality = float(np.clip(1.0 - np.median(res) / 2.0, 0.0, 1.0))
    return float(cx), float(cy), quality


def _trim_run(flags: np.ndarray) -> np.ndarray:
    """``flags`` keeping only the middle 80 % of its True rows (drops rounded ends)."""
    idx = np.flatnonzero(flags)
    out = np.zeros_like(flags)
    if idx.size >= 5:
        cut = max(1, idx.size // 10)
        out[idx[cut:-cut]] = True
    return out


def _central_run(flags: np.ndarray) -> slice | None:
    """The run of True values containing (or nearest to) the middle of ``flags``."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]])
    mid = flags.size / 2
    dist = np.where((starts <= mid) & (ends >= mid), 0, np.minimum(abs(starts - mid), abs(ends - mid)))
    k = int(np.argmin(dist - 1e-3 * (ends - starts)))
    return slice(int(starts[k]), int(ends[k]) + 1)


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    return int(xs[0]), int(ys[0]), int(xs[-1]), int(ys[-1])


def _classify(
    mask: np.ndarray, bbox: tuple[int, int, int, int]
) -> tuple[str, tuple[float, float] | None, float]:
    """ "sector" (with apex) or "rectangle", and how well the shape fits (0..1).

    The sides are fitted only where they do not touch the image border, so a sector whose
    lower part is cut off by the frame (common in cropped exports) is still a sector.
    """
    x0, y0, x1, y1 = bbox
    _rows_img, cols_img = mask.shape
    sub = mask[y0 : y1 + 1, x0 : x1 + 1]
    fill = float(sub.mean())
    ys = np.flatnonzero(sub.any(axis=1))
    if ys.size < 12:
        return "rectangle", None, 0.5 * fill
    left = np.array([np.argmax(sub[y]) for y in ys], float)
    right = np.array([sub.shape[1] - 1 - np.argmax(sub[y][::-1]) for y in ys], float)
    width = right - left
    widest = int(np.argmax(width >= width.max() - 1))
    top = slice(int(0.03 * widest), max(int(0.03 * widest) + 1, int(0.97 * widest)))
    yy = ys[top].astype(float)
    lf, rf = left[top], right[top]
    free_l = _trim_run((lf + x0) > 1)
    free_r = _trim_run((rf + x0) < cols_img - 2)
    min_rows = max(8, int(0.12 * sub.shape[0]))
    if free_l.sum() >= min_rows and free_r.sum() >= min_rows:
        al, bl = np.polyfit(yy[free_l], lf[free_l], 1)
        ar, br = np.polyfit(yy[free_r], rf[free_r], 1)
        res = np.sqrt(
            np.mean((lf[free_l] - (al * yy[free_l] + bl)) ** 2)
            + np.mean((rf[free_r] - (ar * yy[free_r] + br)) ** 2)
        )
        if al < -0.1 and ar > 0.1:
            y_apex = (bl - br) / (ar - al)
            x_apex = al * y_apex + bl
            if -0.25 * sub.shape[1] <= x_apex <= 1.25 * sub.shape[1] and y_apex < 0.5 * sub.shape[0]:
                quality = float(np.clip(1.0 - res / (0.03 * max(sub.shape)), 0.0, 1.0))
                return "sector", (float(x_apex + x0), float(y_apex + y0)), quality
    if fill > 0.93:
        return "rectangle", None, min(1.0, (fill - 0.85) / 0.1)
    return "rectangle", None, float(np.clip(fill, 0.0, 1.0))


def _confidence(frac: float, comp_frac: float, solidity: float, fit: float, n: int, dyn: float) -> float:
    """Heuristic 0..1 trust in a detected area: plausible size, solid, well-shaped, moving."""
    if frac < 0.04:
        size = 0.0
    elif frac < 0.12:
        size = (frac - 0.04) / 0.08
    elif frac <= 0.97:
        size = 1.0
    else:
        # the whole frame: fine for a frame cropped to the image (tissue everywhere), else doubtful
        size = 0.65 if comp_frac > 0.85 else 0.4
    shape = 0.5 + 0.5 * fit
    solid = float(np.clip((solidity - 0.3) / 0.4, 0.0, 1.0))
    motion = 1.0 if n >= 3 and dyn > 0.03 else 0.85
    conf = size * (0.55 + 0.25 * solid + 0.2 * shape) * motion
    return float(np.clip(conf, 0.0, 1.0))
