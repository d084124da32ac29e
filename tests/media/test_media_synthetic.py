"""Synthetic DICOMs written to tmp_path: exact round trips, encodings, odd files and error types."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from _media_helpers import rgb_jpeg_without_markers
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, JPEGBaseline8Bit

from imgtrainer import errors
from imgtrainer.media import Region, open_clip
from imgtrainer.media.dicom_writer import write_dicom_cine

REGIONS = [
    Region(10, 5, 69, 44, "2D", "TISSUE", "cm", "cm", 0.025, 0.03),
    Region(0, 46, 79, 59, "M-MODE", "TISSUE", "s", "cm", 0.004, 0.03),
]


def _cine(n: int = 6, colour: bool = True, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (n, 15, 20, 3) if colour else (n, 15, 20), dtype=np.uint8)
    return np.ascontiguousarray(np.repeat(np.repeat(small, 4, axis=1), 4, axis=2))


@pytest.mark.parametrize("ts", ["explicit", "rle"])
@pytest.mark.parametrize("colour", [False, True])
def test_lossless_roundtrip_exact(tmp_path: Path, ts: str, colour: bool) -> None:
    frames = _cine(colour=colour)
    path = write_dicom_cine(
        tmp_path / "c.dcm", frames, frame_time_ms=40.0, regions=REGIONS, transfer_syntax=ts
    )
    with open_clip(path) as clip:
        assert clip.frames().tobytes() == frames.tobytes()
        assert np.allclose(clip.frame_times_s, np.arange(6) * 0.04)
        assert clip.regions == REGIONS
        assert clip.warnings == []
        assert clip.info.extra["timing_source"] == "FrameTime"


@pytest.mark.parametrize("colour", [False, True])
def test_jpeg_roundtrip_matches_pydicom(tmp_path: Path, colour: bool) -> None:
    frames = _cine(colour=colour)
    path = write_dicom_cine(tmp_path / "j.dcm", frames, frame_time_ms=25.0, transfer_syntax="jpeg")
    ref = pydicom.dcmread(path).pixel_array
    with open_clip(path) as clip:
        ours = clip.frames()
        assert clip.info.photometric == ("YBR_FULL_422" if colour else "MONOCHROME2")
    assert np.abs(ours.astype(float) - ref).mean() <= 3.0
    assert np.abs(ours.astype(float) - frames).mean() <= 12.0  # lossy, but the same picture


def test_uneven_frame_times_roundtrip(tmp_path: Path) -> None:
    path = write_dicom_cine(
        tmp_path / "v.dcm", _cine(5), frame_times_ms=[30, 40, 50, 60], transfer_syntax="jpeg"
    )
    with open_clip(path) as clip:
        assert np.allclose(clip.frame_times_s, [0, 0.03, 0.07, 0.12, 0.18])
        assert clip.info.extra["timing_source"] == "FrameTimeVector"


def test_writer_is_reproducible_with_seed(tmp_path: Path) -> None:
    a = write_dicom_cine(tmp_path / "a.dcm", _cine(2), uid_seed="case-1")
    b = write_dicom_cine(tmp_path / "b.dcm", _cine(2), uid_seed="case-1")
    assert a.read_bytes() == b.read_bytes()
    assert not list(tmp_path.glob(".tmp-*"))


def test_writer_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(errors.MediaError, match="uint8"):
        write_dicom_cine(tmp_path / "x.dcm", np.zeros((2, 4, 4), np.float32))
    with pytest.raises(errors.MediaError, match="transfer_syntax"):
        write_dicom_cine(tmp_path / "x.dcm", _cine(2), transfer_syntax="mpeg")


def _base_ds(ts: str, rows: int, cols: int, **kw: object) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ts
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = "US"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    for k, v in kw.items():
        setattr(ds, k, v)
    return ds


def test_rgb_labelled_jpeg_is_not_colour_converted(tmp_path: Path) -> None:
    """libjpeg-turbo would treat this RGB stream as YCbCr (MAE ~48+); we must not."""
    rng = np.random.default_rng(3)
    img = cv2.resize(
        rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_LINEAR
    )
    data = rgb_jpeg_without_markers(img)
    naive = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR_RGB)
    assert np.abs(naive.astype(float) - img).mean() > 30  # the trap is real
    ds = _base_ds(
        JPEGBaseline8Bit, 48, 64, SamplesPerPixel=3, PhotometricInterpretation="RGB", PlanarConfiguration=0
    )
    ds.PixelData = encapsulate([data])
    ds["PixelData"].VR = "OB"
    ds.save_as(tmp_path / "rgbjpeg.dcm", enforce_file_format=True)
    with open_clip(tmp_path / "rgbjpeg.dcm") as clip:
        assert np.abs(clip.frame(0).astype(float) - img).mean() < 3.0


def test_jpeg_frames_split_over_fragments_without_offset_table(tmp_path: Path) -> None:
    frames = _cine(3, colour=False)
    jpegs = [cv2.imencode(".jpg", f)[1].tobytes() for f in frames]
    pieces = [p for j in jpegs for p in (j[:100], j[100:])]  # two fragments per frame, empty BOT
    ds = _base_ds(JPEGBaseline8Bit, 60, 80, NumberOfFrames=3, FrameTime=50)
    ds.PixelData = b"".join([b"\xfe\xff\x00\xe0\x00\x00\x00\x00"] + [_item(p) for p in pieces])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.save_as(tmp_path / "frag.dcm", enforce_file_format=True)
    with open_clip(tmp_path / "frag.dcm") as clip:
        for i in range(3):
            expect = cv2.imdecode(np.frombuffer(jpegs[i], np.uint8), cv2.IMREAD_GRAYSCALE)
            assert np.array_equal(clip.frame(i), expect)


def _item(data: bytes) -> bytes:
    if len(data) % 2:
        data += b"\x00"
    return b"\xfe\xff\x00\xe0" + len(data).to_bytes(4, "little") + data


def test_16bit_big_endian_monochrome1_is_windowed_and_inverted(tmp_path: Path) -> None:
    values = np.array([[0, 1000], [2000, 4000]], dtype=np.uint16)
    ds = _base_ds(ExplicitVRBigEndian, 2, 2, BitsAllocated=16, BitsStored=12, HighBit=11)
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.WindowCenter, ds.WindowWidth = 2000, 2001
    ds.PixelData = values.astype(">u2").tobytes()
    ds["PixelData"].VR = "OW"
    ds.save_as(tmp_path / "be.dcm", enforce_file_format=True, little_endian=False, implicit_vr=False)
    with open_clip(tmp_path / "be.dcm") as clip:
        out = clip.frame(0)
    # window [999.5, 3000.5] -> 0..255, then MONOCHROME1 inverted
    assert out.dtype == np.uint8
    assert out.tolist() == [[255, 255], [255 - 128, 0]]  # 127.56 rounds to 128


def test_16bit_without_window_uses_min_max(tmp_path: Path) -> None:
    values = np.array([[10, 110], [210, 520]], dtype=np.uint16)  # 255/510 per step
    ds = _base_ds(ExplicitVRLittleEndian, 2, 2, BitsAllocated=16, BitsStored=16, HighBit=15)
    ds.PixelData = values.tobytes()
    ds.save_as(tmp_path / "le16.dcm", enforce_file_format=True)
    with open_clip(tmp_path / "le16.dcm") as clip:
        assert clip.frame(0).tolist() == [[0, 50], [100, 255]]


def test_16bit_cine_without_window_keeps_one_window_for_the_clip(tmp_path: Path) -> None:
    """Each frame stretched by its own min-max makes a cine flicker: a frame with half the signal
    must look half as bright, whichever frame is asked for first."""
    ramp = np.linspace(100, 4100, 64, dtype=np.uint16).reshape(8, 8)
    frames = np.stack([ramp, ramp // 2 + 50, ramp])
    ds = _base_ds(ExplicitVRLittleEndian, 8, 8, BitsAllocated=16, BitsStored=16, HighBit=15)
    ds.NumberOfFrames = 3
    ds.PixelData = frames.tobytes()
    ds.save_as(tmp_path / "cine16.dcm", enforce_file_format=True)
    for first in (1, 0):
        with open_clip(tmp_path / "cine16.dcm") as clip:
            clip.frame(first)
            full, half = clip.frame(0).astype(int), clip.frame(1).astype(int)
        assert full.min() == 0 and full.max() == 255
        assert abs(half.max() - 127) <= 2 and np.abs(half - full // 2).max() <= 2


def test_no_preamble_file_opens_with_warning(tmp_path: Path) -> None:
    path = write_dicom_cine(tmp_path / "full.dcm", _cine(2, colour=False), transfer_syntax="explicit")
    ds = pydicom.dcmread(path)
    bare = tmp_path / "bare.dcm"
    del ds.file_meta
    ds.preamble = None
    ds.save_as(bare, enforce_file_format=False, implicit_vr=True, little_endian=True)
    assert bare.read_bytes()[128:132] != b"DICM"
    with open_clip(bare) as clip:
        assert clip.n_frames == 2
        assert np.array_equal(clip.frame(1), _cine(2, colour=False)[1])
        assert any("no DICOM preamble" in w for w in clip.warnings)


def test_no_pixel_data(tmp_path: Path) -> None:
    ds = _base_ds(ExplicitVRLittleEndian, 4, 4)
    ds.save_as(tmp_path / "sr.dcm", enforce_file_format=True)
    with pytest.raises(errors.NoPixelDataError, match=r"sr\.dcm"):
        open_clip(tmp_path / "sr.dcm")


def test_garbage_and_empty_files_are_not_dicom(tmp_path: Path) -> None:
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "empty.dcm").write_bytes(b"")
    for name in ("junk.bin", "empty.dcm"):
        with pytest.raises(errors.NotDicomError):
            open_clip(tmp_path / name)
    with pytest.raises(errors.MediaError, match="no such file"):
        open_clip(tmp_path / "missing.dcm")


def test_truncated_jpeg_cine_is_reported(tmp_path: Path) -> None:
    path = write_dicom_cine(tmp_path / "j.dcm", _cine(4), transfer_syntax="jpeg")
    data = path.read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[: len(data) - 600])
    with pytest.raises(errors.TruncatedPixelDataError):
        open_clip(tmp_path / "cut.dcm")


def test_missing_decoder_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import imgtrainer.media.dicom_pixels as px

    path = write_dicom_cine(tmp_path / "r.dcm", _cine(2), transfer_syntax="rle")

    class _Unavailable:
        is_available = False

    monkeypatch.setattr(px, "get_decoder", lambda uid: _Unavailable())
    with pytest.raises(errors.UnsupportedTransferSyntaxError, match="pylibjpeg-rle"):
        open_clip(path)


def test_unknown_transfer_syntax(tmp_path: Path) -> None:
    ds = _base_ds("1.2.3.4.5.6", 2, 2)
    ds.PixelData = bytes(4)
    ds.save_as(tmp_path / "u.dcm", enforce_file_format=True, implicit_vr=False, little_endian=True)
    with pytest.raises(errors.UnsupportedTransferSyntaxError, match=r"1\.2\.3\.4\.5\.6"):
        open_clip(tmp_path / "u.dcm")


def test_8bit_monochrome1_is_inverted(tmp_path: Path) -> None:
    ds = _base_ds(ExplicitVRLittleEndian, 1, 3, PhotometricInterpretation="MONOCHROME1")
    ds.PixelData = bytes([0, 100, 255]) + b"\x00"
    ds.save_as(tmp_path / "m1.dcm", enforce_file_format=True)
    with open_clip(tmp_path / "m1.dcm") as clip:
        assert clip.frame(0).tolist() == [[255, 155, 0]]


@pytest.mark.parametrize("implicit", [False, True])
def test_lean_header_reader_handles_undefined_length_sequences(tmp_path: Path, implicit: bool) -> None:
    from imgtrainer.media.dicom_header import read_header_fast

    path = write_dicom_cine(tmp_path / "r.dcm", _cine(3), frame_time_ms=40.0, regions=REGIONS)
    ds = pydicom.dcmread(path)
    seq = ds.SequenceOfUltrasoundRegions
    seq.is_undefined_length = True
    for item in seq:
        item.is_undefined_length_sequence_item = True
    other = Dataset()
    other.CodeValue = "T-D3000"
    ds.AnatomicRegionSequence = [other]  # an undefined-length sequence the reader must skip
    ds.AnatomicRegionSequence.is_undefined_length = True
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2" if implicit else ExplicitVRLittleEndian
    out = tmp_path / "u.dcm"
    ds.save_as(out, enforce_file_format=True, implicit_vr=implicit, little_endian=True)
    with open(out, "rb") as fh:
        assert read_header_fast(fh, out.stat().st_size) is not None  # the fast path is taken
    with open_clip(out) as clip:
        assert clip.regions == REGIONS
        assert clip.n_frames == 3
        assert np.array_equal(clip.frame(2), _cine(3)[2])


def test_deflated_and_encapsulated_uncompressed(tmp_path: Path) -> None:
    frames = _cine(3)
    path = write_dicom_cine(tmp_path / "a.dcm", frames)
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.99"  # Deflated Explicit VR Little Endian
    ds.save_as(tmp_path / "deflated.dcm", enforce_file_format=True)
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.98"  # Encapsulated Uncompressed
    ds.PixelData = encapsulate([f.tobytes() for f in frames])
    ds["PixelData"].VR = "OB"
    ds.save_as(tmp_path / "encaps.dcm", enforce_file_format=True)
    for name in ("deflated.dcm", "encaps.dcm"):
        with open_clip(tmp_path / name) as clip:
            assert clip.frames().tobytes() == frames.tobytes(), name


def test_voi_lut_cine_is_scaled_by_the_lut_not_by_each_frame(tmp_path: Path) -> None:
    """With a VOI LUT the display range is the LUT's output range, the same for every frame."""
    from pydicom.dataset import Dataset as Item
    from pydicom.sequence import Sequence

    ramp = np.linspace(0, 4095, 64).astype(np.uint16).reshape(8, 8)
    frames = np.stack([ramp, ramp // 2])
    ds = _base_ds(ExplicitVRLittleEndian, 8, 8, BitsAllocated=16, BitsStored=12, HighBit=11)
    ds.NumberOfFrames = 2
    lut = Item()
    lut.LUTDescriptor = [4096, 0, 12]
    lut.add_new(0x00283006, "US", list(range(4096)))  # LUT Data: identity, 12-bit output
    ds.VOILUTSequence = Sequence([lut])
    ds.PixelData = frames.tobytes()
    ds.save_as(tmp_path / "voi.dcm", enforce_file_format=True)
    with open_clip(tmp_path / "voi.dcm") as clip:
        full, half = clip.frame(0).astype(int), clip.frame(1).astype(int)
    assert full.min() == 0 and full.max() == 255
    assert abs(half.max() - 127) <= 2
