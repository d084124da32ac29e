"""DICOM files as lazy clips: the header is read once, each frame is decoded on demand.

Opening reads only the header (the lean reader in ``dicom_header``, else pydicom with
``stop_before_pixels``) and checks where the frames' bytes lie (``dicom_layout``), so
``imgtrainer info`` on a folder never decodes pixels and a truncated file is reported at once.
``frame(i)`` then reads and decodes just that frame; ``header`` gives the full pydicom header.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from imgtrainer.errors import MediaError, NoPixelDataError, NotDicomError
from imgtrainer.media.cache import DEFAULT_DECODE_TIMEOUT_S, CachedClip
from imgtrainer.media.clip import ClipInfo
from imgtrainer.media.dicom_header import read_header_fast
from imgtrainer.media.dicom_layout import (
    PixelGeometry,
    PixelLayout,
    index_fragments,
    locate_pixel_data,
    read_frame_bytes,
)
from imgtrainer.media.dicom_pixels import (
    ENCAPSULATED_UNCOMPRESSED,
    DisplayMapping,
    clip_window,
    decode_stored,
    display_mapping,
    needs_clip_window,
    needs_isolation,
    require_decoder,
    to_display,
)
from imgtrainer.media.dicom_values import value as dicom_value
from imgtrainer.media.isolated import shared_runner
from imgtrainer.media.regions import parse_regions
from imgtrainer.media.timing import frame_timing

_DEFLATED = "1.2.840.10008.1.2.1.99"
_NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", _DEFLATED}
_GEOMETRY_TAGS = {
    "Rows": 0x00280010,
    "Columns": 0x00280011,
    "SamplesPerPixel": 0x00280002,
    "BitsAllocated": 0x00280100,
    "BitsStored": 0x00280101,
    "NumberOfFrames": 0x00280008,
    "PixelRepresentation": 0x00280103,
    "PlanarConfiguration": 0x00280006,
}
_TEXT_TAGS = {
    "Manufacturer": 0x00080070,
    "ManufacturerModelName": 0x00081090,
    "SOPClassUID": 0x00080016,
    "Modality": 0x00080060,
}
_MAX_FRAME_PIXELS = 100_000_000  # 10k x 10k; ultrasound frames are under 2k x 2k
_NATIVE_FAST_TS = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}


def looks_like_dicom_without_preamble(head: bytes) -> bool:
    """True when a file starts with a plausible DICOM element instead of the 128-byte preamble.

    Accepts a group 0002/0008 (or other low even group) tag followed by an explicit VR or a
    small implicit length, which is how headerless ACR-NEMA style files begin.
    """
    if len(head) < 8:
        return False
    for end in ("<", ">"):
        group, elem = struct.unpack(end + "HH", head[:4])
        if group not in (0x0002, 0x0008) or elem > 0x1FFF:
            continue
        vr = head[4:6]
        if vr.isalpha() and vr.isupper():
            return True
        (length,) = struct.unpack(end + "I", head[4:8])
        if length < 1024:
            return True
    return False


def _read_header(fp: BinaryIO, path: Path, notes: list[str]) -> Dataset:
    try:
        return pydicom.dcmread(fp, stop_before_pixels=True)
    except InvalidDicomError:
        pass
    except Exception as exc:  # fuzzed headers raise anything from struct.error to MemoryError
        raise NotDicomError(path, f"DICOM header cannot be parsed: {type(exc).__name__}: {exc}") from exc
    fp.seek(0)
    if not looks_like_dicom_without_preamble(fp.read(8)):
        raise NotDicomError(path, "not a DICOM file (no 'DICM' marker and no DICOM element at start)")
    fp.seek(0)
    try:
        ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
    except Exception as exc:
        raise NotDicomError(path, f"DICOM header cannot be parsed: {type(exc).__name__}: {exc}") from exc
    if len(ds) == 0:
        raise NotDicomError(path, "not a DICOM file (no readable elements)")
    notes.append("file has no DICOM preamble or file meta information; read anyway")
    return ds


def _transfer_syntax(ds: Dataset, path: Path, notes: list[str]) -> str:
    ts = None
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        try:
            ts = meta.get("TransferSyntaxUID")
        except Exception:
            ts = None
    if ts:
        return str(ts).strip("\0 ")
    implicit, little = ds.original_encoding
    ts = (
        "1.2.840.10008.1.2"
        if implicit
        else ("1.2.840.10008.1.2.1" if little in (True, None) else "1.2.840.10008.1.2.2")
    )
    notes.append(f"no Transfer Syntax UID in file meta; assuming {UID(ts).name} from the encoding")
    return ts


def _geometry(ds: Dataset, path: Path, notes: list[str]) -> PixelGeometry:
    def get_int(keyword: str, default: int | None) -> int:
        try:
            value = dicom_value(ds, _GEOMETRY_TAGS[keyword])
            if value is None or value == "":
                if default is None:
                    raise MediaError(path, f"{keyword} is missing")
                return default
            return int(value)
        except MediaError:
            raise
        except Exception as exc:
            raise MediaError(path, f"{keyword} value is unreadable: {exc}") from exc

    rows, cols = get_int("Rows", None), get_int("Columns", None)
    samples = get_int("SamplesPerPixel", 1)
    bits_allocated = get_int("BitsAllocated", None)
    bits_stored = get_int("BitsStored", bits_allocated)
    n_frames = get_int("NumberOfFrames", 1)
    pixel_rep = get_int("PixelRepresentation", 0)
    planar = get_int("PlanarConfiguration", 0) if samples > 1 else 0
    try:
        photometric = str(dicom_value(ds, 0x00280004) or "").strip().upper()
    except Exception:
        photometric = ""
    if not photometric:
        photometric = "MONOCHROME2" if samples == 1 else "RGB"
        notes.append(f"Photometric Interpretation missing; assuming {photometric}")
    if not (0 < rows <= 65535 and 0 < cols <= 65535):
        raise MediaError(path, f"image size {rows}x{cols} is not valid")
    if rows * cols > _MAX_FRAME_PIXELS:
        raise MediaError(path, f"image size {rows}x{cols} is too large to display")
    if samples not in (1, 3):
        raise MediaError(path, f"Samples per Pixel {samples} is not supported (1 or 3)")
    if bits_allocated not in (1, 8, 16, 32) or not 0 < bits_stored <= bits_allocated:
        raise MediaError(path, f"Bits Allocated {bits_allocated} / Bits Stored {bits_stored} not supported")
    if n_frames == 0:
        raise NoPixelDataError(path, "Number of Frames is 0")
    if n_frames < 0:
        raise MediaError(path, f"Number of Frames {n_frames} is not valid")
    if pixel_rep not in (0, 1) or planar not in (0, 1):
        raise MediaError(path, "Pixel Representation or Planar Configuration is not 0 or 1")
    return PixelGeometry(
        rows, cols, samples, bits_allocated, bits_stored, pixel_rep, planar, photometric, n_frames
    )


def _in_memory_layout(path: Path, geometry: PixelGeometry, ts: str) -> tuple[BinaryIO, PixelLayout]:
    """Deflated datasets have no usable file offsets: inflate and index the pixel value in memory."""
    try:
        ds = pydicom.dcmread(path)
    except Exception as exc:
        raise MediaError(path, f"deflated dataset cannot be read: {exc}") from exc
    if "PixelData" not in ds:
        raise NoPixelDataError(path, "no Pixel Data (7FE0,0010): not an image")
    value = bytes(ds.PixelData)
    encaps = ts not in _NATIVE
    head = b"\xe0\x7f\x10\x00OB\x00\x00" + struct.pack("<I", 0xFFFFFFFF if encaps else len(value))
    tail = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00" if encaps else b""
    buf = io.BytesIO(head + value + tail)
    size = len(buf.getvalue())
    layout = locate_pixel_data(
        buf, 0, size, implicit_vr=False, little_endian=True, geometry=geometry,
        encapsulated_syntax=encaps, path=path,
    )  # fmt: skip
    return buf, layout


class DicomClip(CachedClip):
    """A DICOM image or cine; frames decode lazily into a bounded cache."""

    parallel_decode = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        cache_mb: float = 256,
        decode_timeout_s: float | None = DEFAULT_DECODE_TIMEOUT_S,
        file: BinaryIO | None = None,
    ) -> None:
        """Open ``path``; ``file``, if given, is that file already open for binary reading (we own it)."""
        self.path = Path(path)
        self._init_cache(cache_mb, decode_timeout_s)
        self._io_lock = threading.Lock()
        notes: list[str] = []
        try:
            self._fp: BinaryIO = file or open(self.path, "rb")  # noqa: SIM115 - kept open for lazy frames
        except OSError as exc:
            raise MediaError(self.path, f"cannot open: {exc.strerror or exc}") from exc
        try:
            self._open(notes)
        except BaseException:
            self._fp.close()
            raise
        self.warnings = list(dict.fromkeys(notes))

    def _open(self, notes: list[str]) -> None:
        path = self.path
        file_size = os.fstat(self._fp.fileno()).st_size
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fast = read_header_fast(self._fp, file_size)
            if fast is not None:  # common case: only the elements we need, ~2x faster
                ds, tag_offset, fast_notes = fast
                notes.extend(fast_notes)
                self._full_header: Dataset | None = None
            else:
                self._fp.seek(0)
                ds = _read_header(self._fp, path, notes)
                tag_offset = self._fp.tell()
                self._full_header = ds
            ts = _transfer_syntax(ds, path, notes)
            self._hdr = ds
            self._fp.seek(tag_offset)
            peek = self._fp.read(4)
            implicit, little = ds.original_encoding
            little = True if little is None else little
            tag = struct.unpack("<HH" if little else ">HH", peek) if len(peek) == 4 else None
            if tag != (0x7FE0, 0x0010) and ts != _DEFLATED:  # deflated: offsets are not file offsets
                raise NoPixelDataError(path, "no Pixel Data (7FE0,0010): not an image")
            geometry = _geometry(ds, path, notes)
            if ts not in _NATIVE_FAST_TS and ts != ENCAPSULATED_UNCOMPRESSED:
                require_decoder(ts, path)  # fail at open, naming the package to install
            encaps_syntax = ts not in _NATIVE
            if ts == _DEFLATED:
                self._fp.close()
                self._fp, layout = _in_memory_layout(path, geometry, ts)
            else:
                eot = _extended_offsets(ds)
                layout = locate_pixel_data(
                    self._fp, tag_offset, file_size,
                    implicit_vr=bool(implicit), little_endian=little, geometry=geometry,
                    encapsulated_syntax=encaps_syntax, path=path, extended_offsets=eot, lazy=True,
                )  # fmt: skip
            if encaps_syntax and not layout.encapsulated:
                raise MediaError(path, f"{UID(ts).name} needs encapsulated pixel data")
            self._mapping: DisplayMapping | None = None  # built on first decode (palettes cost ~30 ms)
            timing = frame_timing(ds, geometry.n_frames)
            regions, region_notes = parse_regions(ds)
        notes.extend(layout.warnings)
        notes.extend(timing.warnings)
        notes.extend(region_notes)
        notes.extend(f"pydicom: {w.message}" for w in caught)
        self._geometry, self._layout, self._ts = geometry, layout, ts
        self.n_frames = geometry.n_frames
        self.rows, self.cols = geometry.rows, geometry.cols
        self.channels = 3 if geometry.samples == 3 or geometry.photometric == "PALETTE COLOR" else 1
        self.frame_times_s = timing.times_s
        self.regions = regions
        self.info = ClipInfo(
            kind="dicom",
            transfer_syntax=ts,
            transfer_syntax_name=UID(ts).name if UID(ts).is_transfer_syntax else None,
            photometric=geometry.photometric,
            manufacturer=_text(ds, "Manufacturer"),
            model=_text(ds, "ManufacturerModelName"),
            sop_class=_text(ds, "SOPClassUID"),
            extra={
                "timing_source": timing.source,
                "bits_allocated": geometry.bits_allocated,
                "bits_stored": geometry.bits_stored,
                "planar_configuration": geometry.planar_configuration,
                "modality": _text(ds, "Modality"),
                "encapsulated": layout.encapsulated,
            },
        )
        if self.info.sop_class:
            name = UID(self.info.sop_class).name
            if name != self.info.sop_class:
                self.info.extra["sop_class_name"] = name

    def _decode_uncached(self, index: int) -> np.ndarray:
        with self._io_lock:
            if self._layout.fragments is None:
                self._index_fragments()
            data = read_frame_bytes(self._fp, self._layout, self._geometry, index)
        g = self._geometry
        if self._mapping is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._mapping = display_mapping(self.header, g, self.path)
        runner = None
        if self._timeout is not None and needs_isolation(self._ts, self._layout.encapsulated):
            timeout, what = self._timeout, f"decoding frame {index}"
            runner = lambda fn, args: shared_runner().call(fn, args, timeout, what, self.path)  # noqa: E731
        stored = decode_stored(data, index, self._ts, self._layout.encapsulated, g, self.path, runner)
        if needs_clip_window(self._mapping, stored):
            self._mapping = self._clip_window(index, stored, runner)
        arr = to_display(stored, self._mapping, g.bits_stored)
        expect = (g.rows, g.cols, 3) if self.channels == 3 else (g.rows, g.cols)
        if arr.shape != expect or arr.dtype != np.uint8:
            raise MediaError(
                self.path, f"frame {index} decoded to {arr.shape} {arr.dtype}, expected {expect} uint8"
            )
        return arr

    def _clip_window(self, index: int, stored: np.ndarray, runner: object) -> DisplayMapping:
        """One display window for the whole clip, from the first, middle and last frames' range."""
        g = self._geometry
        samples = [stored]
        for other in sorted({0, g.n_frames // 2, g.n_frames - 1} - {index}):
            try:
                with self._io_lock:
                    data = read_frame_bytes(self._fp, self._layout, g, other)
                samples.append(
                    decode_stored(data, other, self._ts, self._layout.encapsulated, g, self.path, runner)
                )
            except MediaError:
                continue  # a broken sample frame: the window comes from the others
        assert self._mapping is not None
        return clip_window(samples, self._mapping)

    def _thread_timeout(self) -> float | None:
        # risky decoders run in a killable process with the limit applied there
        if needs_isolation(self._ts, self._layout.encapsulated):
            return None
        return self._timeout

    @property
    def header(self) -> Dataset:
        """The full header (all elements but Pixel Data) as a pydicom Dataset, read on first use."""
        if self._full_header is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._full_header = pydicom.dcmread(self.path, stop_before_pixels=True)
            except Exception:  # the lean header still has everything the clip needs
                self._full_header = self._hdr
        return self._full_header

    def _index_fragments(self) -> None:
        """Build the frame -> fragments index on first use (``info`` never needs it)."""
        layout = index_fragments(
            self._fp, self._layout.value_offset, os.fstat(self._fp.fileno()).st_size, self._geometry,
            self.path, _extended_offsets(self._hdr),
        )  # fmt: skip
        self.warnings.extend(w for w in layout.warnings if w not in self.warnings)
        self._layout = layout

    def check_pixel_data(self) -> None:
        """Index every frame's bytes now: raises TruncatedPixelDataError etc. without decoding."""
        with self._io_lock:
            if self._layout.fragments is None:
                self._index_fragments()

    def close(self) -> None:
        super().close()
        with self._io_lock:
            self._fp.close()


def _extended_offsets(ds: Dataset) -> tuple[bytes, bytes] | None:
    try:
        if "ExtendedOffsetTable" in ds:
            return bytes(ds.ExtendedOffsetTable), bytes(ds.get("ExtendedOffsetTableLengths") or b"")
    except Exception:
        return None
    return None


def _text(ds: Dataset, keyword: str) -> str | None:
    try:
        value = dicom_value(ds, _TEXT_TAGS[keyword])
    except Exception:
        return None
    if value is None:
        return None
    text = str(value).strip()
    return text or None
