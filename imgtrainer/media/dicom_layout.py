"""Where each frame's bytes sit in a DICOM file, found from the header without decoding.

Native pixel data: one fixed-size slice per frame. Encapsulated (compressed) pixel data: the
fragments of each frame, from the Extended Offset Table, the Basic Offset Table, one fragment
per frame, or else by looking for a codestream start (JPEG SOI, JPEG 2000 SOC/JP2 signature) at
the head of each fragment. Only item headers and 8-byte peeks are read, so a 120-frame cine is
indexed in well under a millisecond and a truncated file is caught before any decode.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from imgtrainer.errors import MediaError, NoPixelDataError, TruncatedPixelDataError

_LONG_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN", b"UT", b"SQ", b"UC", b"UR", b"SV", b"UV"}
_ITEM = 0xFFFEE000
_SEQ_DELIM = 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
_MAX_FRAGMENTS = 1_000_000


@dataclass(frozen=True)
class PixelGeometry:
    """The Image Pixel module values that fix the size of one stored frame."""

    rows: int
    cols: int
    samples: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    planar_configuration: int
    photometric: str
    n_frames: int

    @property
    def frame_nbytes(self) -> int:
        """Bytes of one native (uncompressed) frame."""
        return (self.frame_bits + 7) // 8

    @property
    def frame_bits(self) -> int:
        per_pixel = 2 if self.photometric == "YBR_FULL_422" and self.samples == 3 else self.samples
        return self.rows * self.cols * per_pixel * self.bits_allocated

    @property
    def total_nbytes(self) -> int:
        """Bytes of all native frames (bit-packed 1-bit frames share bytes)."""
        return (self.frame_bits * self.n_frames + 7) // 8


@dataclass(frozen=True)
class PixelLayout:
    """File offsets of the frames: ``native_offset`` (native) or ``fragments[i]`` (encapsulated)."""

    encapsulated: bool
    value_offset: int
    value_length: int | None
    fragments: tuple[tuple[tuple[int, int], ...], ...] | None = ()
    """Per frame, its fragments as (file offset, length); None until indexed (see ``index_fragments``)."""
    n_frames: int = 0
    warnings: tuple[str, ...] = ()


def _read_exact(fp: BinaryIO, n: int, path: object, what: str) -> bytes:
    data = fp.read(n)
    if len(data) != n:
        raise TruncatedPixelDataError(path, f"file ends inside {what}")
    return data


def locate_pixel_data(
    fp: BinaryIO,
    tag_offset: int,
    file_size: int,
    *,
    implicit_vr: bool,
    little_endian: bool,
    geometry: PixelGeometry,
    encapsulated_syntax: bool,
    path: object,
    extended_offsets: tuple[bytes, bytes] | None = None,
    lazy: bool = False,
) -> PixelLayout:
    """Parse the Pixel Data element header at ``tag_offset`` and index the frames.

    With ``lazy``, encapsulated data that passes cheap checks (a Basic Offset Table item first,
    a sequence delimiter as the file's last 8 bytes) is returned unindexed (``fragments`` None):
    call ``index_fragments`` before reading frames. Anything else is indexed at once.
    """
    if tag_offset >= file_size:
        raise NoPixelDataError(path, "no Pixel Data (7FE0,0010) element")
    fp.seek(tag_offset)
    head = fp.read(8)
    if len(head) < 8:
        raise TruncatedPixelDataError(path, "file ends inside the Pixel Data element header")
    end = "<" if little_endian else ">"
    group, elem = struct.unpack(end + "HH", head[:4])
    if (group, elem) != (0x7FE0, 0x0010):
        if group == 0x7FE0:
            raise NoPixelDataError(path, f"pixel data is ({group:04X},{elem:04X}), not integer Pixel Data")
        raise NoPixelDataError(path, "no Pixel Data (7FE0,0010) element")
    if implicit_vr:
        (length,) = struct.unpack(end + "I", head[4:8])
        value_offset = tag_offset + 8
    elif head[4:6] in _LONG_VRS:
        (length,) = struct.unpack(end + "I", _read_exact(fp, 4, path, "the Pixel Data header"))
        value_offset = tag_offset + 12
    else:
        (length,) = struct.unpack(end + "H", head[6:8])
        value_offset = tag_offset + 8
    if length == _UNDEFINED:
        if lazy and _cheap_encapsulated_check(fp, value_offset, file_size):
            return PixelLayout(True, value_offset, None, None, geometry.n_frames)
        return index_fragments(fp, value_offset, file_size, geometry, path, extended_offsets)
    if encapsulated_syntax:
        raise MediaError(path, "compressed transfer syntax but Pixel Data has a defined length")
    need = geometry.total_nbytes
    have = min(length, file_size - value_offset)
    if have < need:
        raise TruncatedPixelDataError(
            path,
            f"Pixel Data holds {have} bytes but {geometry.n_frames} frame(s) of "
            f"{geometry.rows}x{geometry.cols}x{geometry.samples} at {geometry.bits_allocated} bits need {need}",
        )
    return PixelLayout(False, value_offset, length, n_frames=geometry.n_frames)


def _is_frame_start(peek: bytes) -> bool:
    return (
        peek[:2] == b"\xff\xd8"  # JPEG SOI (baseline, lossless, JPEG-LS)
        or peek[:4] == b"\xff\x4f\xff\x51"  # JPEG 2000 codestream SOC+SIZ
        or peek[:8] == b"\x00\x00\x00\x0cjP  "  # JP2 signature box
    )


def _cheap_encapsulated_check(fp: BinaryIO, value_offset: int, file_size: int) -> bool:
    """True when the pixel data starts with an Item that fits and the file ends with a delimiter."""
    if value_offset + 16 > file_size:
        return False
    fp.seek(value_offset)
    tag, length = struct.unpack("<II", fp.read(8))
    if tag != 0xE000FFFE or value_offset + 8 + length + 8 > file_size:
        return False
    fp.seek(file_size - 8)
    return fp.read(8) == b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"


def index_fragments(
    fp: BinaryIO,
    value_offset: int,
    file_size: int,
    geometry: PixelGeometry,
    path: object,
    extended_offsets: tuple[bytes, bytes] | None,
) -> PixelLayout:
    warnings: list[str] = []
    pos = value_offset
    bot: list[int] = []
    frags: list[tuple[int, int, bytes]] = []  # (value offset, length, first 8 bytes)
    first = True
    while True:
        if pos + 8 > file_size:
            if first or not frags:
                raise TruncatedPixelDataError(path, "file ends before the first pixel data fragment")
            warnings.append("encapsulated pixel data has no sequence delimiter (file may be cut short)")
            break
        fp.seek(pos)
        tag, length = struct.unpack("<II", fp.read(8))
        tag = ((tag & 0xFFFF) << 16) | (tag >> 16)
        if tag == _SEQ_DELIM:
            break
        if tag != _ITEM:
            if first:
                raise MediaError(path, f"encapsulated pixel data starts with tag {tag:08X}, not an Item")
            warnings.append(f"unexpected tag {tag:08X} inside encapsulated pixel data; stopped there")
            break
        if length == _UNDEFINED:
            raise MediaError(path, "pixel data fragment with undefined length")
        start = pos + 8
        if start + length > file_size:
            raise TruncatedPixelDataError(
                path, f"pixel data fragment of {length} bytes at offset {start} runs past end of file"
            )
        if first:
            if length % 4:
                raise MediaError(path, "Basic Offset Table length is not a multiple of 4")
            if length:
                bot = list(struct.unpack(f"<{length // 4}I", fp.read(length)))
            first = False
        else:
            frags.append((start, length, fp.read(min(8, length))))
            if len(frags) > _MAX_FRAGMENTS:
                raise MediaError(path, "more than a million pixel data fragments")
        pos = start + length
    if not frags:
        raise TruncatedPixelDataError(path, "encapsulated pixel data has no fragments")
    frames = _group(frags, bot, geometry.n_frames, extended_offsets, path, warnings)
    if len(frames) < geometry.n_frames:
        raise TruncatedPixelDataError(
            path, f"header declares {geometry.n_frames} frames but the pixel data holds {len(frames)}"
        )
    if len(frames) > geometry.n_frames:
        warnings.append(f"pixel data holds {len(frames)} frames, header declares {geometry.n_frames}")
        frames = frames[: geometry.n_frames]
    return PixelLayout(True, value_offset, None, tuple(frames), geometry.n_frames, tuple(warnings))


def _group(
    frags: list[tuple[int, int, bytes]],
    bot: list[int],
    n_frames: int,
    extended_offsets: tuple[bytes, bytes] | None,
    path: object,
    warnings: list[str],
) -> list[tuple[tuple[int, int], ...]]:
    """Group fragments into frames using the best evidence available."""
    pairs = [(o, n) for o, n, _ in frags]
    base = frags[0][0] - 8  # offsets count from the first fragment's Item tag
    starts: list[int] | None = None
    if extended_offsets is not None:
        eot = extended_offsets[0]
        if len(eot) % 8 == 0 and len(eot) // 8 == n_frames:
            starts = [base + v for v in struct.unpack(f"<{len(eot) // 8}Q", eot)]
        else:
            warnings.append("Extended Offset Table does not match the frame count; ignored")
    if starts is None and bot and len(bot) == n_frames and bot == sorted(bot):
        starts = [base + v for v in bot]
    if starts is not None:
        item_starts = {o - 8: k for k, (o, _) in enumerate(pairs)}
        if all(s in item_starts for s in starts):
            idx = [item_starts[s] for s in starts] + [len(pairs)]
            return [tuple(pairs[idx[k] : idx[k + 1]]) for k in range(n_frames)]
        warnings.append("offset table does not point at fragment items; ignored")
    if n_frames == 1:
        return [tuple(pairs)]
    if len(pairs) == n_frames:
        return [(p,) for p in pairs]
    frames: list[list[tuple[int, int]]] = []
    for (o, n), (_, _, peek) in zip(pairs, frags, strict=True):
        if _is_frame_start(peek) or not frames:
            frames.append([(o, n)])
        else:
            frames[-1].append((o, n))
    return [tuple(f) for f in frames]


def read_frame_bytes(fp: BinaryIO, layout: PixelLayout, geometry: PixelGeometry, index: int) -> bytes:
    """Raw stored bytes of frame ``index`` (one native frame, or a frame's joined fragments)."""
    if layout.encapsulated:
        if layout.fragments is None:
            raise ValueError("encapsulated layout is not indexed yet")
        parts = []
        for off, n in layout.fragments[index]:
            fp.seek(off)
            parts.append(fp.read(n))
        return b"".join(parts)
    size = geometry.frame_nbytes
    if geometry.bits_allocated == 1:
        # bit-packed frames need not start on a byte boundary: the caller decodes by index
        fp.seek(layout.value_offset)
        return fp.read(geometry.total_nbytes)
    fp.seek(layout.value_offset + index * size)
    return fp.read(size)
