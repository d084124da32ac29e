from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from imgtrainer.media.clip import ArrayClip, Region
from imgtrainer.media.scanarea import ScanArea, detect_scan_area, find_scan_area
from tests.analysis._synth import speckle_clip


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_detects_synthetic_sector_and_excludes_text() -> None:
    frames, truth = speckle_clip()
    area = find_scan_area(ArrayClip(frames))
    assert isinstance(area, ScanArea)
    assert area.source == "detected"
    assert area.shape == "sector"
    assert _iou(area.mask, truth) > 0.9
    assert not area.mask[5:20, 5:140].any()  # the burned-in name
    assert area.confidence >= 0.5
    assert area.apex is not None and abs(area.apex[0] - 200) < 20


def test_heavy_antialiased_label_at_the_corner_stays_out() -> None:
    """A thick antialiased label touching the sector's corner is not merged into it.

    OpenCV 5.1 started drawing the Hershey fonts as antialiased TrueType glyphs; that label
    survived the detector's filtering and its convex hull swallowed it. This case draws such
    a label on every OpenCV version.
    """
    frames, truth = speckle_clip(text_weight=2)
    area = find_scan_area(ArrayClip(frames))
    assert _iou(area.mask, truth) > 0.9
    assert not area.mask[5:20, 5:140].any()


def test_still_falls_back_to_texture() -> None:
    frames, truth = speckle_clip(n=1)
    area = find_scan_area(ArrayClip(frames))
    assert _iou(area.mask, truth) > 0.85
    assert not area.mask[5:20, 5:140].any()


def test_regions_win_over_detection() -> None:
    frames, _ = speckle_clip(n=2)
    regions = [
        Region(10, 30, 200, 250, spatial_format="2D"),
        Region(0, 260, 399, 299, spatial_format="M-MODE"),
    ]
    area = find_scan_area(ArrayClip(frames, regions=regions))
    assert area.source == "regions"
    assert area.bbox == (10, 30, 200, 250)
    assert area.mask.sum() == 191 * 221


def test_blank_frames_give_low_confidence() -> None:
    area = detect_scan_area(np.zeros((3, 100, 120), np.uint8))
    assert area.confidence < 0.5
    assert area.mask.shape == (100, 120)


def _read_video(path: Path, n: int = 40) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    out = []
    while len(out) < n:
        ok, f = cap.read()
        if not ok:
            break
        out.append(f[..., ::-1])
    cap.release()
    return np.ascontiguousarray(np.stack(out))


@pytest.mark.parametrize(
    "rel",
    ["lung/pocus_videos/convex/Pneu_Avi_Video_001.mp4", "lung/pocus_videos/convex/Reg_pat1Image_132943.mpeg"],
)
def test_real_convex_clips_are_sectors(shared_data: Path, rel: str) -> None:
    frames = _read_video(shared_data / rel)
    area = find_scan_area(ArrayClip(frames))
    assert area.shape == "sector"
    assert area.confidence >= 0.5
    assert 0.4 < area.area_fraction < 0.98
    # the apex of a convex probe lies above the top of the image
    assert area.apex is not None and area.apex[1] < 0


def test_cropped_clip_without_sides_is_mostly_image(shared_data: Path) -> None:
    frames = _read_video(shared_data / "lung-blus/lus_videos/patient_12_L1.mp4")
    area = find_scan_area(ArrayClip(frames))
    assert area.confidence >= 0.5
    assert area.area_fraction > 0.6


def _small_rgb_capture(ground: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """A 120x256 RGB secondary capture: one sector frame on a flat grey screen ground, with
    dark (anechoic) bands darker than the ground inside the sector and a dotted depth scale."""
    frames, truth = speckle_clip(n=1, rows=120, cols=256, apex=(128.0, -90.0), text=False)
    img = frames[0].astype(np.int16)
    img[40:60] //= 5  # an anechoic band, darker than the ground
    img[~truth] = ground
    img[10:110:10, 240:243] = 200  # depth scale dots
    return np.clip(img, 0, 255).astype(np.uint8)[None], truth


def test_small_rgb_capture_on_grey_ground_is_found() -> None:
    frames, truth = _small_rgb_capture()
    area = find_scan_area(ArrayClip(frames))
    assert area.confidence >= 0.5
    assert _iou(area.mask, truth) > 0.85
    assert not area.mask[10:60, 238:246].any()  # the scale stays outside (beside the narrow top)


def test_real_small_rgb_secondary_capture(shared_data: Path) -> None:
    """pydicom-data color-pl.dcm (120x256 RGB, no Ultrasound Regions) was quarantined at a
    constant 0.34 (a whole-frame penalty times the still-image penalty)."""
    import pydicom

    ds = pydicom.dcmread(shared_data / "dicom/pydicom-data/color-pl.dcm")
    area = detect_scan_area(cv2.cvtColor(ds.pixel_array, cv2.COLOR_RGB2GRAY)[None])
    assert area.confidence >= 0.5 and area.shape == "sector"
    assert 0.5 < area.area_fraction < 0.9


def test_two_rival_textured_patches_are_ambiguous() -> None:
    rng = np.random.default_rng(3)
    tex = cv2.GaussianBlur((rng.rayleigh(1, (120, 256)) * 60).clip(0, 255).astype(np.uint8), (0, 0), 1)
    img = np.full((120, 256), 40, np.uint8)
    img[10:60, 10:80] = tex[10:60, 10:80]
    img[60:110, 150:240] = tex[60:110, 150:240]
    assert detect_scan_area(img[None]).confidence < 0.5
