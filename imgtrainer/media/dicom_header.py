"""A lean DICOM header reader for the common case, about twice as fast as pydicom's.

``imgtrainer info`` on a folder of thousands of files is bound by header parsing. For a Part 10
file (preamble + 'DICM', file meta, an uncompressed-header transfer syntax) this walks the
elements with ``struct``, keeps only the ~25 elements the clip needs (as pydicom
``RawDataElement``s in a small ``Dataset``, so all later code is unchanged), skips the rest
(undefined-length sequences included) and stops at Pixel Data. Anything unusual (no preamble,
deflate, a malformed or odd element, deep nesting) returns None and the caller uses pydicom.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from pydicom.charset import python_encoding
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import BaseTag

from imgtrainer.media.dicom_values import _vr_of

WANTED = frozenset(
    {
        0x00080005,  # Specific Character Set
        0x00080016,  # SOP Class UID
        0x00080060,  # Modality
        0x00080070,  # Manufacturer
        0x00081090,  # Manufacturer's Model Name
        0x00082144,  # Recommended Display Frame Rate
        0x00180040,  # Cine Rate
        0x00181063,  # Frame Time
        0x00181065,  # Frame Time Vector
        0x00186011,  # Sequence of Ultrasound Regions
        0x00280002,  # Samples per Pixel
        0x00280004,  # Photometric Interpretation
        0x00280006,  # Planar Configuration
        0x00280008,  # Number of Frames
        0x00280009,  # Frame Increment Pointer
        0x00280010,  # Rows
        0x00280011,  # Columns
        0x00280100,  # Bits Allocated
        0x00280101,  # Bits Stored
        0x00280103,  # Pixel Representation
        0x7FE00001,  # Extended Offset Table
        0x7FE00002,  # Extended Offset Table Lengths
    }
)
_PIXEL_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})
_LONG_VRS = frozenset(
    {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN", b"UT", b"SQ", b"UC", b"UR", b"SV", b"UV"}
)
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_CHUNK = 1 << 14  # most headers fit; bigger values are skipped by seeking
_MAX_DEPTH = 16


class _Unsupported(Exception):
    """Leave this file to pydicom."""


class _Reader:
    """Random access to a file through a sliding buffer (headers rarely exceed one chunk)."""

    def __init__(self, fp: BinaryIO, size: int) -> None:
        self.fp, self.size = fp, size
        fp.seek(0)
        self.base, self.buf = 0, fp.read(min(size, _CHUNK))

    def get(self, pos: int, n: int) -> bytes:
        if pos < 0 or pos + n > self.size:
            raise _Unsupported
        end = pos + n
        if pos < self.base or end > self.base + len(self.buf):
            self.fp.seek(pos)
            self.base, self.buf = pos, self.fp.read(max(n, _CHUNK))
        off = pos - self.base
        return self.buf[off : off + n]


def _element(r: _Reader, pos: int, implicit: bool, little: bool) -> tuple[int, str | None, int, int]:
    """(tag, VR, length, value offset) of the element header at ``pos``."""
    head = r.get(pos, 8)
    group, elem = struct.unpack("<HH" if little else ">HH", head[:4])
    tag = (group << 16) | elem
    if implicit or group == 0xFFFE:
        (length,) = struct.unpack("<I" if little else ">I", head[4:8])
        return tag, None, length, pos + 8
    vr = head[4:6]
    if not (65 <= vr[0] <= 90 and 65 <= vr[1] <= 90):
        raise _Unsupported
    if vr in _LONG_VRS:
        (length,) = struct.unpack("<I" if little else ">I", r.get(pos + 8, 4))
        return tag, vr.decode(), length, pos + 12
    (length,) = struct.unpack("<H" if little else ">H", head[6:8])
    return tag, vr.decode(), length, pos + 8


def _skip_sequence(r: _Reader, pos: int, implicit: bool, little: bool, depth: int) -> int:
    """Offset just past the Sequence Delimitation Item of an undefined-length sequence at ``pos``."""
    if depth > _MAX_DEPTH:
        raise _Unsupported
    while True:
        tag, _, length, start = _element(r, pos, True, little)
        if tag == _SEQ_END:
            return start
        if tag != _ITEM:
            raise _Unsupported
        pos = _skip_item(r, start, implicit, little, depth) if length == _UNDEFINED else start + length


def _skip_item(r: _Reader, pos: int, implicit: bool, little: bool, depth: int) -> int:
    while True:
        tag, vr, length, start = _element(r, pos, implicit, little)
        if tag == _ITEM_END:
            return start
        if length == _UNDEFINED:
            if vr not in (None, "SQ", "UN"):
                raise _Unsupported
            pos = _skip_sequence(r, start, implicit or vr == "UN", little, depth + 1)
        else:
            pos = start + length


def read_header_fast(fp: BinaryIO, size: int) -> tuple[Dataset, int, list[str]] | None:
    """(small header Dataset, offset of the Pixel Data tag or ``size``, notes), or None for pydicom.

    The Dataset holds only ``WANTED`` elements, raw, with ``file_meta.TransferSyntaxUID`` and the
    original encoding set.
    """
    try:
        return _read(_Reader(fp, size), size)
    except (_Unsupported, struct.error, UnicodeDecodeError, ValueError):
        return None


def _read(r: _Reader, size: int) -> tuple[Dataset, int, list[str]] | None:
    if size < 144 or r.get(128, 4) != b"DICM":
        return None
    pos, ts = 132, None
    while pos + 8 <= size:
        if struct.unpack("<H", r.get(pos, 2))[0] != 0x0002:
            break
        tag, vr, length, start = _element(r, pos, False, True)
        if length == _UNDEFINED:
            return None
        if tag == 0x00020010:
            ts = r.get(start, length).decode("ascii").strip("\0 ")
        pos = start + length
    if not ts or ts == "1.2.840.10008.1.2.1.99":
        return None
    implicit, little = ts == "1.2.840.10008.1.2", ts != "1.2.840.10008.1.2.2"
    raw: dict[BaseTag, RawDataElement] = {}
    pixel_at = size
    while pos + 8 <= size:
        tag, vr, length, start = _element(r, pos, implicit, little)
        if tag in _PIXEL_TAGS:
            pixel_at = pos
            break
        if tag >> 16 == 0xFFFE:
            return None
        if length == _UNDEFINED:
            if vr not in (None, "SQ", "UN"):
                return None
            end = _skip_sequence(r, start, implicit or vr == "UN", little, 0)
            if tag in WANTED:  # keep the items, without the delimiter, as a defined-length SQ
                if vr == "UN" and not implicit:
                    return None
                value = r.get(start, end - 8 - start)
                raw[BaseTag(tag)] = RawDataElement(
                    BaseTag(tag), "SQ", len(value), value, start, implicit, little
                )
            pos = end
            continue
        if tag in WANTED:
            raw[BaseTag(tag)] = RawDataElement(
                BaseTag(tag), vr or _vr_of(tag), length, r.get(start, length), start, implicit, little
            )
        pos = start + length
    notes = _charset_notes(raw)
    ds = Dataset(raw)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ts
    ds.set_original_encoding(implicit, little)
    return ds, pixel_at, notes


def _charset_notes(raw: dict[BaseTag, RawDataElement]) -> list[str]:
    elem = raw.get(BaseTag(0x00080005))
    if elem is None or not elem.value:
        return []
    terms = [t.strip() for t in elem.value.decode("ascii", "replace").strip("\0 ").split("\\")]
    bad = [t for t in terms if t and t not in python_encoding]
    return [f"Specific Character Set {t!r} is not a DICOM defined term" for t in bad]
