"""Fast reads of header values straight from pydicom's raw elements.

pydicom converts an element on first access through its hook machinery, which costs about
10 µs per element and ~150 µs for a Sequence of Ultrasound Regions, i.e. as much again as
reading the header. ``imgtrainer info`` on a folder needs ~25 values per file, so this module
decodes the few value representations involved (binary numbers, IS/DS, text, AT) itself and
parses simple sequences (items of plain elements) without pydicom. Anything unusual falls back
to pydicom's own conversion, so results are the same, only faster.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from typing import Any

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

_BINARY = {"US": ("H", 2), "SS": ("h", 2), "UL": ("I", 4), "SL": ("i", 4), "FL": ("f", 4), "FD": ("d", 8)}
_TEXT = {"CS", "LO", "SH", "UI", "PN", "DA", "TM", "DT", "AS", "AE", "ST", "LT", "UT", "UC"}
_LONG_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN", b"UT", b"SQ", b"UC", b"UR", b"SV", b"UV"}
_ITEM, _ITEM_END = 0xFFFEE000, 0xFFFEE00D
_UNDEFINED = 0xFFFFFFFF


class _Fallback(Exception):
    """The fast path does not handle this element; use pydicom's conversion."""


@lru_cache(maxsize=512)
def _vr_of(tag: int) -> str | None:
    try:
        return dictionary_VR(tag)
    except KeyError:
        return None


@lru_cache(maxsize=512)
def _keyword(tag: int) -> str:
    return keyword_for_tag(tag) or f"{tag:08X}"


def decode(vr: str | None, data: bytes, little_endian: bool) -> Any:
    """Value of an element from its bytes: a scalar, a list for multiple values, or None if empty."""
    if not data:
        return None
    if vr in _BINARY:
        fmt, size = _BINARY[vr]
        n = len(data) // size
        if n == 0:
            return None
        vals = struct.unpack(("<" if little_endian else ">") + fmt * n, data[: n * size])
        return vals[0] if n == 1 else list(vals)
    if vr == "AT":
        n = len(data) // 4
        halves = struct.unpack(("<" if little_endian else ">") + "H" * (2 * n), data[: 4 * n])
        tags = [(halves[2 * k] << 16) | halves[2 * k + 1] for k in range(n)]
        return tags[0] if n == 1 else tags
    if vr in ("IS", "DS"):
        parts = [p.strip() for p in data.decode("ascii").strip(" \0").split("\\")]
        nums = [float(p) for p in parts if p]  # ValueError for garbage: caller decides
        if not nums:
            return None
        if vr == "IS":
            nums = [int(v) for v in nums]  # type: ignore[misc]
        return nums[0] if len(nums) == 1 else nums
    if vr in _TEXT:
        if any(b > 0x7F for b in data):
            raise _Fallback  # needs the character set
        text = data.decode("ascii").strip(" \0")
        if "\\" in text and vr not in ("ST", "LT", "UT"):
            return text.split("\\")
        return text
    raise _Fallback


def value(ds: Dataset, tag: int, default: Any = None) -> Any:
    """Value of ``tag`` in ``ds`` (raw elements decoded here; converted ones as they are)."""
    try:
        elem = ds.get_item(tag)
    except Exception:
        elem = None
    if elem is None:
        return default
    if not isinstance(elem, RawDataElement):
        return elem.value if elem.value is not None and elem.value != "" else default
    try:
        result = decode(elem.VR or _vr_of(tag), elem.value, elem.is_little_endian)
    except _Fallback:
        result = ds[tag].value
    return default if result is None or result == "" else result


def sequence_items(ds: Dataset, tag: int) -> list[dict[str, Any]] | None:
    """Items of a sequence as ``{keyword: value}`` dicts, parsed from raw bytes when simple.

    Returns None when the sequence is absent. Items with nested sequences or unusual values go
    through pydicom. Raises ValueError (or struct.error) on malformed bytes.
    """
    try:
        elem = ds.get_item(tag)
    except Exception:
        elem = None
    if elem is None:
        return None
    if isinstance(elem, RawDataElement) and elem.value is not None:
        try:
            return _parse_items(elem.value, elem.is_implicit_VR, elem.is_little_endian)
        except _Fallback:
            pass
    seq = ds[tag].value
    return [{e.keyword or f"{int(e.tag):08X}": e.value for e in item} for item in (seq or [])]


def _parse_items(data: bytes, implicit: bool, little: bool) -> list[dict[str, Any]]:
    end = "<" if little else ">"
    hdr = struct.Struct(end + "HHI")
    items: list[dict[str, Any]] = []
    pos, n = 0, len(data)
    while pos + 8 <= n:
        group, elem, length = hdr.unpack_from(data, pos)
        tag = (group << 16) | elem
        pos += 8
        if tag != _ITEM:
            if tag == 0xFFFEE0DD:
                break
            raise ValueError(f"expected an item in sequence, found tag {tag:08X}")
        stop = n if length == _UNDEFINED else pos + length
        if stop > n:
            raise ValueError("sequence item runs past the end of the element")
        item: dict[str, Any] = {}
        while pos + 8 <= stop:
            group, elem = struct.unpack_from(end + "HH", data, pos)
            tag = (group << 16) | elem
            if tag == _ITEM_END:
                pos += 8
                break
            if implicit:
                (vlen,) = struct.unpack_from(end + "I", data, pos + 4)
                vr = _vr_of(tag)
                pos += 8
            else:
                vr_bytes = data[pos + 4 : pos + 6]
                vr = vr_bytes.decode("ascii", "replace")
                if vr_bytes in _LONG_VRS:
                    (vlen,) = struct.unpack_from(end + "I", data, pos + 8)
                    pos += 12
                else:
                    (vlen,) = struct.unpack_from(end + "H", data, pos + 6)
                    pos += 8
            if vlen == _UNDEFINED or vr == "SQ":
                raise _Fallback
            if pos + vlen > stop:
                raise ValueError("element runs past the end of its item")
            if vr in _BINARY or vr in ("IS", "DS", "AT") or vr in _TEXT:
                item[_keyword(tag)] = decode(vr, data[pos : pos + vlen], little)
            pos += vlen
        if length != _UNDEFINED:
            pos = stop
        items.append(item)
    return items
