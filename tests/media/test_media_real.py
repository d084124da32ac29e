"""Every real DICOM in ../shared/data/dicom opens with the right pixels, or fails with the right error."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from _media_helpers import BROKEN, LOSSLESS_TS, all_dicoms, reference_frame

from imgtrainer import errors
from imgtrainer.media import open_clip
from imgtrainer.media.dicom import DicomClip


def _frames_declared(path: Path) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    return int(ds.get("NumberOfFrames", 1) or 1)


def test_every_dicom_opens_with_reference_pixels(dicom_dir: Path) -> None:
    files = all_dicoms(dicom_dir)
    assert len(files) >= 20
    checked = 0
    for path in files:
        rel = str(path.relative_to(dicom_dir))
        if rel in BROKEN:
            continue
        with open_clip(path) as clip:
            assert clip.n_frames == _frames_declared(path), rel
            last = clip.n_frames - 1
            for index in sorted({0, last}):
                ours = clip.frame(index)
                ref = reference_frame(path, index)
                assert ours.dtype == np.uint8
                assert ours.shape == ref.shape, rel
                assert ours.shape[:2] == (clip.rows, clip.cols)
                mae = float(np.abs(ours.astype(np.float64) - ref).mean())
                if clip.info.transfer_syntax in LOSSLESS_TS:
                    assert mae == 0.0, f"{rel} frame {index}: lossless but MAE {mae}"
                else:
                    assert mae <= 3.0, f"{rel} frame {index}: MAE {mae}"
            checked += 1
    assert checked == len(files) - len(BROKEN)


@pytest.mark.parametrize(("rel", "error"), sorted(BROKEN.items()))
def test_broken_files_raise_typed_errors(dicom_dir: Path, rel: str, error: str) -> None:
    with pytest.raises(getattr(errors, error)) as info:
        open_clip(dicom_dir / rel)
    assert rel.split("/")[-1] in str(info.value)


def test_truncation_message_names_the_sizes(dicom_dir: Path) -> None:
    with pytest.raises(errors.TruncatedPixelDataError, match=r"8130 bytes .* need 8192"):
        open_clip(dicom_dir / "pydicom/MR_truncated.dcm")


def test_j2k_lossless_twin_matches_uncompressed(dicom_dir: Path) -> None:
    with (
        open_clip(dicom_dir / "pydicom-data/US1_UNCR.dcm") as a,
        open_clip(dicom_dir / "pydicom-data/US1_J2KR.dcm") as b,
    ):
        assert np.array_equal(a.frame(0), b.frame(0))


def test_palette_16bit_segmented_lut_high_byte(dicom_dir: Path) -> None:
    """ALOKA: 16-bit segmented palette; each output colour is the LUT entry's high byte."""
    path = dicom_dir / "pydicom-data/gdcm-US-ALOKA-16.dcm"
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array
    with open_clip(path) as clip:
        rgb = clip.frame(0)
    values = np.unique(stored)
    table = pydicom.pixels.apply_color_lut(values.astype(np.uint16), ds)
    value = int(values[table.sum(axis=1).argmax()])  # the brightest colour present
    y, x = np.argwhere(stored == value)[0]
    lut = table[table.sum(axis=1).argmax()]
    assert lut.max() > 255  # really 16-bit entries
    assert tuple(rgb[y, x]) == tuple(int(v) >> 8 for v in lut)


def test_palette_8bit_entries(dicom_dir: Path) -> None:
    path = dicom_dir / "pydicom-data/OBXXXX1A.dcm"
    ds = pydicom.dcmread(path)
    red = np.frombuffer(ds.RedPaletteColorLookupTableData, dtype="<u2")
    stored = ds.pixel_array
    with open_clip(path) as clip:
        rgb = clip.frame(0)
    y, x = np.argwhere(stored == 200)[0]
    assert rgb[y, x, 0] == red[200] >> 8


def test_timing_regions_and_info(dicom_dir: Path) -> None:
    with open_clip(dicom_dir / "pydicom-data/color3d_jpeg_baseline.dcm") as clip:
        assert clip.n_frames == 120
        assert clip.fps == pytest.approx(1000 / 33.333, rel=1e-4)
        assert clip.info.transfer_syntax_name == "JPEG Baseline (Process 1)"
        assert clip.info.photometric == "YBR_FULL_422"
        assert len(clip.regions) == 1 and clip.regions[0].calibrated_cm
    with open_clip(dicom_dir / "dicomParser/IM00001.fragmented_no_bot_jpeg_baseline.50.dcm") as clip:
        # Frame Time Vector (first entry ignored), cumulated
        assert clip.info.extra["timing_source"] == "FrameTimeVector"
        assert np.allclose(np.diff(clip.frame_times_s) * 1000, [50, 33.333, 50, 50, 50, 33.333, 43.333])
        assert any("Specific Character Set" in w for w in clip.warnings)
    with open_clip(dicom_dir / "pydicom-data/OBXXXX1A_rle_2frame.dcm") as clip:
        assert clip.info.extra["timing_source"] == "default"
        assert any("assuming 30 fps" in w for w in clip.warnings)


def test_jpeg_cine_decodes_only_requested_frames(dicom_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import imgtrainer.media.dicom as dicom_mod

    calls: list[int] = []
    real = dicom_mod.decode_stored

    def counting(data: bytes, index: int, *args: object) -> np.ndarray:
        calls.append(index)
        return real(data, index, *args)

    monkeypatch.setattr(dicom_mod, "decode_stored", counting)
    clip = DicomClip(dicom_dir / "pydicom-data/color3d_jpeg_baseline.dcm", cache_mb=64)
    assert calls == []  # opening decodes nothing
    clip.frame(7)
    clip.frame(7)  # cached
    clip.frame(100)
    assert calls == [7, 100]
    clip.close()


def test_lean_header_reader_agrees_with_pydicom(dicom_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast header path must describe every file exactly as the pydicom path does."""
    import imgtrainer.media.dicom as dicom_mod
    from imgtrainer.media.summary import clip_summary

    def summaries() -> dict[str, dict]:
        out = {}
        for path in all_dicoms(dicom_dir):
            if str(path.relative_to(dicom_dir)) not in BROKEN:
                with open_clip(path) as clip:
                    s = clip_summary(clip)
                    s["warnings"] = [w for w in s["warnings"] if "Character Set" not in w]
                    out[path.name] = s
        return out

    fast = summaries()
    monkeypatch.setattr(dicom_mod, "read_header_fast", lambda fp, size: None)
    slow = summaries()
    assert fast == slow
