"""De-identification of video DICOM: planted header PHI and burned-in text on MPEG-2, H.264 and
HEVC files; lossless re-encode (exact masked pixels) or H.264 with honest lossy attributes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from imgtrainer.deid import DeidContext, deidentify_file
from imgtrainer.media import open_clip
from tests.intake.phi import TOKENS, leaks, plant
from tests.intake.video_factory import CLIPS, make_video_dicom

pytestmark = pytest.mark.skipif(not CLIPS, reason="../shared/data lung clips are not present")
BANNER = 40  # rows of burned-in text above the scan area
TEXT = "Zyxwa Qwertina 8675309"


def _frames_with_banner(n: int = 24) -> np.ndarray:
    with open_clip(CLIPS[9]) as clip:
        scan = np.stack([clip.frame(i) for i in range(n)])
    out = np.zeros((n, scan.shape[1] + BANNER, scan.shape[2], 3), np.uint8)
    out[:, BANNER:] = scan
    for f in out:
        cv2.putText(f, TEXT, (6, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.75, (235, 235, 235), 2)
    return out


def _plant_with_region(ds: Dataset, rows: int, cols: int) -> None:
    plant(ds)
    r = Dataset()
    r.RegionSpatialFormat, r.RegionDataType, r.RegionFlags = 1, 1, 0
    r.RegionLocationMinX0, r.RegionLocationMinY0 = 0, BANNER
    r.RegionLocationMaxX1, r.RegionLocationMaxY1 = cols - 1, rows - 1
    r.PhysicalUnitsXDirection = r.PhysicalUnitsYDirection = 3
    r.PhysicalDeltaX = r.PhysicalDeltaY = 0.02
    ds.SequenceOfUltrasoundRegions = Sequence([r])
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1"


@pytest.fixture(scope="module", params=["mpeg2", "h264", "hevc"])
def burned(request, tmp_path_factory):
    frames = _frames_with_banner()
    folder = tmp_path_factory.mktemp("vdeid")
    src = folder / f"{request.param}.dcm"
    rows, cols = frames.shape[1:3]
    make_video_dicom(CLIPS[9], src, request.param, pixels=frames,
                     plant=lambda ds: _plant_with_region(ds, rows, cols))  # fmt: skip
    return src, frames, request.param


def _mv(value) -> list:
    """A DICOM value as a list (single values are not wrapped by pydicom)."""
    return list(value) if isinstance(value, pydicom.multival.MultiValue) else [value]


def _ocr(img: np.ndarray) -> str:
    import pytesseract

    big = cv2.resize(img, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    return pytesseract.image_to_string(big)


def test_lossless_reencode_masks_text_and_keeps_the_scan(burned, tmp_path: Path) -> None:
    src, frames, _codec = burned
    with open_clip(src) as before:
        decoded = before.frames()
    assert "Qwertina" in _ocr(decoded[5][:BANNER]) or "8675309" in _ocr(decoded[5][:BANNER])  # legible before
    result = deidentify_file(src, tmp_path, DeidContext())
    assert result.status == "cleaned", result.reason
    assert leaks(tmp_path) == []
    ds = pydicom.dcmread(result.output)
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.5"  # RLE Lossless
    assert ds.LossyImageCompression == "01"  # the source stream was lossy
    assert len(_mv(ds.LossyImageCompressionMethod)) == 1 == len(_mv(ds.LossyImageCompressionRatio))
    assert result.report["pixels"]["re_encoding"] == "lossless (RLE)"
    with open_clip(result.output) as after:
        assert after.n_frames == len(frames)
        out = after.frames()
    assert out[:, :BANNER].max() == 0  # the banner is black on every frame
    kept = ~np.all(out == 0, axis=-1)
    assert np.array_equal(out[kept], decoded[kept])  # kept pixels are the source decode, unchanged
    assert kept[:, BANNER:].mean() > 0.8
    assert not any(t in _ocr(out[5][: BANNER + 10]) for t in TOKENS)


def test_lossy_h264_when_too_big_for_lossless(burned, tmp_path: Path, monkeypatch) -> None:
    from imgtrainer.deid import video_dicom

    src, frames, _codec = burned
    monkeypatch.setattr(video_dicom, "LOSSLESS_MAX_BYTES", 1000)
    result = deidentify_file(src, tmp_path, DeidContext())
    assert result.status == "cleaned", result.reason
    assert leaks(tmp_path) == []
    ds = pydicom.dcmread(result.output)
    assert ds.file_meta.TransferSyntaxUID == video_dicom.H264_SYNTAX
    assert ds.LossyImageCompression == "01"
    assert _mv(ds.LossyImageCompressionMethod)[-1] == "ISO_14496_10"
    ratios = [float(r) for r in _mv(ds.LossyImageCompressionRatio)]
    assert len(ratios) == len(_mv(ds.LossyImageCompressionMethod)) == 2
    stream = b"".join(pydicom.encaps.generate_fragments(ds.PixelData))
    n, rows, cols = len(frames), int(ds.Rows), int(ds.Columns)
    assert ratios[-1] == pytest.approx(n * rows * cols * 1.5 / len(stream), rel=0.02)
    with open_clip(result.output) as after:
        assert after.n_frames == n
        out = after.frames()
    assert out[:, : BANNER - 2].max() <= 16  # black up to coding noise at the block edge
    assert not any(t in _ocr(out[5][: BANNER + 10]) for t in TOKENS)
