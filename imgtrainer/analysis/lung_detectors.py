"""Published lung-ultrasound line detectors, re-implemented from the papers' descriptions.

All run per frame on the (depth, beam) grid (polar for a sector, so B-lines are columns and
A-lines rows) below the pleural line found by ``find_pleura``, and are aggregated over the
clip's analysed frames: a line that persists over frames counts more than one bright frame.

- ``brattain``: after Brattain et al. 2013 (J Ultrasound Med 32:2185), B-line scoring in polar
  coordinates. The angular profile of the mean brightness in the deeper two thirds below the
  pleura, relative to the pleura's own brightness; an angle is B-line when it exceeds half of
  the pleural brightness (aerated lung is dark there). Scores: the share of the sector covered
  per frame (mean over frames), the 90th-percentile ratio, and the share of beams covered in at
  least half of the frames.
- ``moshavegh``: after Moshavegh et al. 2019 (IEEE TUFFC 66:1002), B-lines after pleural-line
  delineation. Below the pleura: a lateral white top-hat (removes the slowly varying
  background), an alternating sequential filter with vertical line elements (keeps structures
  long in depth), Otsu's threshold, and connected components kept only when they start at the
  pleura and reach the bottom of the image. Scores: share of frames with a B-line, mean count,
  share of the pleura covered, and persistence (lines seen again within 4 beams in the next
  analysed frame).
- ``radon``: after Anantrasirichai et al. 2017 (IEEE TMI 36:2434), lines as peaks in the
  Radon domain. The region below the pleura is projected along near-vertical (B-lines) and
  near-horizontal (A-lines) directions; the strongest projection peak over its robust spread is
  the line strength. The paper recovers a sparse Radon image by iterative inversion; this keeps
  only the peak-picking, the part that can run in a few milliseconds per frame.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage as ndi

from imgtrainer.analysis.lung_pleura import Pleura

BRATTAIN_RATIO = 0.5  # deep brightness / pleural brightness above which an angle is a B-line
MOSHAVEGH_REACH = 0.75  # a B-line component spans at least this share of the region's depth
RADON_SIZE = 48  # the region is resampled to this square before projecting (pixels)


@dataclass(frozen=True)
class Roi:
    """The region below the pleura on the grid: rows ``start``..``bottom``, beams ``ok``."""

    start: int
    bottom: int
    ok: np.ndarray  # (n_beams,) bool: fully imaged beams
    pleura_row: int

    @property
    def height(self) -> int:
        return self.bottom - self.start


def roi_below_pleura(valid: np.ndarray, pleura: Pleura) -> Roi | None:
    """Rows from just below the pleura to the bottom, on beams imaged over that depth."""
    nd = valid.shape[0]
    skin_ok = pleura.skin < nd
    top = int(np.median(pleura.skin[skin_ok])) if skin_ok.any() else 0
    prow = int(np.median(pleura.row[pleura.on])) if pleura.on.any() else int(np.median(pleura.row))
    d = max(2.0, prow - top)
    start = max(0, min(pleura.bottom - 9, prow + max(2, int(0.25 * d))))
    ok = valid[start : pleura.bottom].mean(axis=0) > 0.9
    if ok.sum() < 10 or pleura.bottom - start < 12:
        return None
    return Roi(start, pleura.bottom, ok, prow)


def _region(frame: np.ndarray, roi: Roi) -> np.ndarray:
    return np.asarray(frame[roi.start : roi.bottom][:, roi.ok], np.float32)


def _pleura_level(frame: np.ndarray, roi: Roi) -> float:
    band = frame[max(0, roi.pleura_row - 2) : roi.pleura_row + 3][:, roi.ok]
    return float(np.median(band.max(axis=0))) if band.size else 1.0


def brattain_frame(frame: np.ndarray, roi: Roi) -> np.ndarray:
    """Per beam (``roi.ok`` beams), deep brightness over pleural brightness on one frame."""
    sub = _region(frame, roi)
    deep = sub[sub.shape[0] // 3 :].mean(axis=0)
    deep = ndi.gaussian_filter1d(deep, 1.5, mode="nearest")
    return deep / (_pleura_level(frame, roi) + 5.0)


def moshavegh_frame(frame: np.ndarray, roi: Roi) -> list[tuple[float, int]]:
    """B-lines on one frame as (centre beam within ``roi.ok`` beams, width in beams)."""
    sub = _region(frame, roi)
    h, nb = sub.shape
    width = max(9, nb // 4) | 1
    f = cv2.morphologyEx(sub, cv2.MORPH_TOPHAT, np.ones((1, width), np.uint8))  # lateral white top-hat
    for length in (3, 7, max(9, h // 8)):  # alternating sequential filter, vertical elements
        k = np.ones((length, 1), np.uint8)
        f = cv2.morphologyEx(cv2.morphologyEx(f, cv2.MORPH_OPEN, k), cv2.MORPH_CLOSE, k)
    f = cv2.GaussianBlur(f, (0, 0), 1.0)
    thr = max(_otsu(f), 0.08 * (_pleura_level(frame, roi) + 5.0))
    lab, _ = ndi.label(f > thr)
    out = []
    for sl in ndi.find_objects(lab):
        if sl is None:
            continue
        rows, cols = sl
        reach = (rows.stop - rows.start) / h
        if rows.start <= 0.15 * h and reach >= MOSHAVEGH_REACH:
            out.append(((cols.start + cols.stop - 1) / 2.0, cols.stop - cols.start))
    return out


def _otsu(img: np.ndarray) -> float:
    v = img.ravel()
    hist, edges = np.histogram(v, bins=64)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mu0 = m0 / np.maximum(w0, 1)
    mu1 = (m0[-1] - m0) / np.maximum(w1, 1)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(centres[int(np.argmax(between))])


_ANGLES = {"vertical": (-8.0, -4.0, 0.0, 4.0, 8.0), "horizontal": (82.0, 86.0, 90.0, 94.0, 98.0)}
_REF = (30.0, 45.0, 60.0, 120.0, 135.0, 150.0)


def radon_frame(frame: np.ndarray, roi: Roi) -> tuple[float, float]:
    """(vertical, horizontal) line strength on one frame: projection peak over robust spread.

    Each direction's score is the largest |projection - median| over the median absolute
    deviation of oblique projections (which lines along the beams or across them do not
    favour), so a clean line scores high whatever the gain.
    """
    sub = _region(frame, roi)
    img = cv2.resize(sub, (RADON_SIZE, RADON_SIZE), interpolation=cv2.INTER_AREA)
    img = img - ndi.uniform_filter(img, size=RADON_SIZE // 3, mode="nearest")  # local background
    proj = {a: _project(img, a) for a in (*_ANGLES["vertical"], *_ANGLES["horizontal"], *_REF)}
    ref = np.concatenate([proj[a] - np.median(proj[a]) for a in _REF])
    spread = float(np.median(np.abs(ref))) * 1.4826 + 1e-6
    out = []
    for key in ("vertical", "horizontal"):
        out.append(max(float(np.max(np.abs(proj[a] - np.median(proj[a])))) for a in _ANGLES[key]) / spread)
    return out[0], out[1]


def _project(img: np.ndarray, angle_deg: float) -> np.ndarray:
    """Line integrals of ``img`` along direction ``angle_deg`` (0 = down the columns)."""
    n = img.shape[0]
    c = (n - 1) / 2.0
    m = cv2.getRotationMatrix2D((c, c), angle_deg, 1.0)
    rot = cv2.warpAffine(img, m, (n, n), flags=cv2.INTER_LINEAR, borderValue=0.0)
    mask = cv2.warpAffine(np.ones_like(img), m, (n, n), flags=cv2.INTER_NEAREST, borderValue=0.0)
    cnt = mask.sum(axis=0)
    keep = cnt >= 0.5 * n
    return (rot.sum(axis=0)[keep] / cnt[keep]) * np.sqrt(n)


DETECTOR_FEATURES = (
    "brattain_cover",
    "brattain_ratio",
    "brattain_persist",
    "moshavegh_frames",
    "moshavegh_count",
    "moshavegh_cover",
    "moshavegh_persist",
    "radon_vertical",
    "radon_horizontal",
)


def detector_features(
    series: np.ndarray, valid: np.ndarray, pleura: Pleura, names: tuple[str, ...] = DETECTOR_FEATURES
) -> dict[str, float]:
    """The detectors' clip scores over the analysed frames: those in ``names`` (each detector runs
    only when one of its scores is asked for; the others are not reported)."""
    want = {n.split("_")[0] for n in names}
    out = {k: 0.0 for k in DETECTOR_FEATURES if k.split("_")[0] in want}
    roi = roi_below_pleura(valid, pleura)
    if roi is None or len(series) == 0:
        return out
    if "brattain" in want:
        ratios = np.stack([brattain_frame(f, roi) for f in series])  # (frames, beams)
        above = ratios > BRATTAIN_RATIO
        out["brattain_cover"] = float(above.mean())
        out["brattain_ratio"] = float(np.median(np.percentile(ratios, 90, axis=1)))
        out["brattain_persist"] = float((above.mean(axis=0) >= 0.5).mean())
    if "moshavegh" in want:
        out.update(_moshavegh_scores([moshavegh_frame(f, roi) for f in series], int(roi.ok.sum())))
    if "radon" in want:
        rad = np.array([radon_frame(f, roi) for f in series[:: max(1, len(series) // 12)]])
        out["radon_vertical"] = float(np.median(rad[:, 0]))
        out["radon_horizontal"] = float(np.median(rad[:, 1]))
    return out


def _moshavegh_scores(lines: list[list[tuple[float, int]]], nok: int) -> dict[str, float]:
    """Share of frames with a B-line, mean count, share of the sector covered, and persistence
    (lines seen again within 4 beams in the next analysed frame)."""
    seen = again = 0
    for a, b in itertools.pairwise(lines):
        for c, _ in a:
            seen += 1
            again += any(abs(c - c2) <= 4 for c2, _ in b)
    return {
        "moshavegh_frames": float(np.mean([len(x) > 0 for x in lines])),
        "moshavegh_count": float(np.mean([len(x) for x in lines])),
        "moshavegh_cover": float(np.mean([min(1.0, sum(w for _, w in x) / nok) for x in lines])),
        "moshavegh_persist": again / seen if seen else 0.0,
    }
