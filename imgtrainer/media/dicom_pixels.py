"""Decode one DICOM frame's stored bytes into a display-ready uint8 array.

Fast paths: JPEG Baseline YBR frames go straight to libjpeg-turbo through ``cv2.imdecode``
(10x faster than pydicom's float colour conversion), and 8-bit native frames are viewed with
NumPy. Everything else goes through pydicom's decoder for its transfer syntax, one frame at a
time. Then palettes are applied, deep grayscale is windowed, and MONOCHROME1 is inverted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.pixels import apply_color_lut, apply_voi_lut, get_decoder
from pydicom.uid import UID

from imgtrainer.errors import MediaError, UnsupportedTransferSyntaxError
from imgtrainer.media.dicom_layout import PixelGeometry

_JPEG_8BIT = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"}
_YBR_FOR_CV2 = {"YBR_FULL", "YBR_FULL_422"}
_NATIVE_FAST = {"MONOCHROME1", "MONOCHROME2", "PALETTE COLOR", "RGB"}
_RLE = "1.2.840.10008.1.2.5"
ENCAPSULATED_UNCOMPRESSED = "1.2.840.10008.1.2.1.98"
"""Native little-endian frames, one per fragment (DICOM 2023); pydicom 3.0 has no decoder."""
_IMREAD_RGB = getattr(cv2, "IMREAD_COLOR_RGB", None)
_PACKAGE_HINT = {
    "1.2.840.10008.1.2.4.50": "pylibjpeg-libjpeg",
    "1.2.840.10008.1.2.4.51": "pylibjpeg-libjpeg",
    "1.2.840.10008.1.2.4.57": "pylibjpeg-libjpeg",
    "1.2.840.10008.1.2.4.70": "pylibjpeg-libjpeg",
    "1.2.840.10008.1.2.4.80": "pylibjpeg-libjpeg",
    "1.2.840.10008.1.2.4.81": "pylibjpeg-libjpeg",
    "1.2.840.10008.1.2.4.90": "pylibjpeg-openjpeg",
    "1.2.840.10008.1.2.4.91": "pylibjpeg-openjpeg",
    "1.2.840.10008.1.2.4.201": "pylibjpeg-openjpeg",
    "1.2.840.10008.1.2.4.202": "pylibjpeg-openjpeg",
    "1.2.840.10008.1.2.4.203": "pylibjpeg-openjpeg",
    "1.2.840.10008.1.2.5": "pylibjpeg-rle",
}


@dataclass(frozen=True)
class DisplayMapping:
    """How stored values become display uint8, fixed once per file from its header."""

    palette: np.ndarray | None = None  # (2**bits_stored, 3) uint8, indexed by stored value
    invert: bool = False  # MONOCHROME1
    window: tuple[float, float] | None = None  # (center, width) after the modality LUT
    voi_header: Dataset | None = None  # header holding a VOI LUT Sequence
    rescale: tuple[float, float] | None = None  # (slope, intercept)
    voi_range: tuple[float, float] | None = None  # the VOI LUT's output range, mapped to 0-255


def display_mapping(ds: Dataset, geometry: PixelGeometry, path: object = "<dataset>") -> DisplayMapping:
    """Read palette, MONOCHROME1, modality rescale and window from the header."""
    photometric = geometry.photometric
    if photometric == "PALETTE COLOR":
        return DisplayMapping(palette=_palette_table(ds, geometry, path))
    invert = photometric == "MONOCHROME1"
    if geometry.samples != 1 or geometry.bits_stored <= 8:
        return DisplayMapping(invert=invert)
    rescale = None
    try:
        slope = float(ds.get("RescaleSlope", 1) or 1)
        intercept = float(ds.get("RescaleIntercept", 0) or 0)
        if (slope, intercept) != (1.0, 0.0):
            rescale = (slope, intercept)
    except (TypeError, ValueError):
        pass
    if "VOILUTSequence" in ds and len(ds.VOILUTSequence):
        return DisplayMapping(invert=invert, voi_header=ds, rescale=rescale, voi_range=_voi_range(ds))
    window = None
    try:
        c, w = ds.get("WindowCenter"), ds.get("WindowWidth")
        if c is not None and w is not None:
            c, w = _first_float(c), _first_float(w)
            if w > 1 and np.isfinite(c) and np.isfinite(w):  # width 1 is a threshold: use min-max
                window = (c, w)
    except (TypeError, ValueError, IndexError):
        window = None
    return DisplayMapping(invert=invert, window=window, rescale=rescale)


def _voi_range(ds: Dataset) -> tuple[float, float] | None:
    """Lowest and highest output of the first VOI LUT over its whole input domain.

    Scaling every frame by this fixed range (not by each frame's own min-max) keeps a cine's
    brightness steady. None when the LUT cannot be read; frames then fall back to min-max.
    """
    try:
        n_entries, first, _bits = (int(v) for v in ds.VOILUTSequence[0].LUTDescriptor)
        domain = np.arange(first, first + (n_entries or 65536), dtype=np.int64)
        out = np.asarray(apply_voi_lut(domain, ds, index=0), dtype=np.float64)
    except Exception:  # malformed descriptors or data: fall back, never fail the file
        return None
    lo, hi = float(out.min()), float(out.max())
    return (lo, hi) if np.isfinite(lo) and np.isfinite(hi) and hi > lo else None


def _first_float(value: object) -> float:
    """First number of a DICOM value that may be multi-valued (Window Center is VM 1-n)."""
    if not isinstance(value, (str, bytes, int, float)) and hasattr(value, "__getitem__"):
        value = value[0]  # type: ignore[index]
    return float(value)  # type: ignore[arg-type]


def _palette_table(ds: Dataset, geometry: PixelGeometry, path: object) -> np.ndarray:
    """The full palette as an (n_values, 3) uint8 table, from normal or segmented LUTs."""
    n_values = 1 << min(16, max(1, geometry.bits_stored))
    dtype = np.uint8 if n_values <= 256 else np.uint16
    try:
        table = apply_color_lut(np.arange(n_values, dtype=dtype), ds)
    except Exception as exc:  # pydicom raises many types for malformed LUTs
        raise MediaError(path, f"PALETTE COLOR lookup table unreadable: {exc}") from exc
    table = np.asarray(table)
    if table.dtype != np.uint8:
        # 16-bit LUT entries carry 8-bit colour in the high byte (some writers byte-swap it low)
        table = table >> 8 if table.max() > 255 else table
        table = table.astype(np.uint8)
    return np.ascontiguousarray(table[..., :3])


def _jpeg_is_untransformed_rgb(data: bytes) -> bool:
    """True when a JPEG stream says its three components are RGB, not YCbCr.

    Checks the Adobe APP14 marker (transform flag 0) and SOF component ids 'R','G','B'; these
    are what libjpeg-turbo itself looks at, so when they are present it would not convert.
    """
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        seg_len = int.from_bytes(data[pos + 2 : pos + 4], "big")
        seg = data[pos + 4 : pos + 2 + seg_len]
        if marker == 0xEE and seg[:5] == b"Adobe" and len(seg) >= 12:
            return seg[11] == 0
        if marker in (0xC0, 0xC1, 0xC2) and len(seg) >= 12:
            ids = bytes(seg[6 + 3 * k] for k in range(min(3, seg[5])))
            return ids == b"RGB"
        if marker == 0xDA:
            return False
        pos += 2 + seg_len
    return False


def _decode_cv2(data: bytes, geometry: PixelGeometry) -> np.ndarray | None:
    """libjpeg-turbo path for 8-bit JPEG Baseline/Extended YBR or grayscale frames, else None."""
    buf = np.frombuffer(data, dtype=np.uint8)
    if geometry.samples == 1:
        arr = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
        expect: tuple[int, ...] = (geometry.rows, geometry.cols)
    else:
        if _jpeg_is_untransformed_rgb(data):
            return None
        if _IMREAD_RGB is not None:
            arr = cv2.imdecode(buf, _IMREAD_RGB)
        else:  # OpenCV < 4.10
            arr = cv2.imdecode(buf, cv2.IMREAD_COLOR)
            arr = None if arr is None else cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
        expect = (geometry.rows, geometry.cols, 3)
    if arr is None or arr.shape != expect:
        return None
    return arr


def _decode_native_u8(data: bytes, geometry: PixelGeometry) -> np.ndarray:
    g = geometry
    arr = np.frombuffer(data, dtype=np.uint8, count=g.frame_nbytes)
    if g.samples == 1:
        return arr.reshape(g.rows, g.cols)
    if g.planar_configuration == 1:
        return np.ascontiguousarray(arr.reshape(3, g.rows, g.cols).transpose(1, 2, 0))
    return arr.reshape(g.rows, g.cols, 3)


def needs_isolation(transfer_syntax: str, encapsulated: bool) -> bool:
    """True for decodes done by C libraries that hold the GIL (openjpeg, libjpeg via pydicom).

    Native data (NumPy), RLE (pylibjpeg-rle, Rust) and the cv2 JPEG path are safe in-process.
    """
    return encapsulated and transfer_syntax not in (_RLE, ENCAPSULATED_UNCOMPRESSED)


Runner = Callable[[Callable[..., np.ndarray], tuple[Any, ...]], np.ndarray]


def decode_stored(
    data: bytes,
    index: int,
    transfer_syntax: str,
    encapsulated: bool,
    geometry: PixelGeometry,
    path: object,
    runner: Runner | None = None,
) -> np.ndarray:
    """Stored values of one frame (colour already converted to RGB), as pydicom would give them.

    ``runner``, if given, runs the pydicom decode for syntaxes that ``needs_isolation`` (in a
    killable worker process, see ``isolated``).
    """
    g = geometry
    if encapsulated and transfer_syntax == ENCAPSULATED_UNCOMPRESSED:
        if len(data) < g.frame_nbytes:
            raise MediaError(path, f"frame {index} holds {len(data)} bytes, needs {g.frame_nbytes}")
        return decode_stored(data[: g.frame_nbytes], index, "1.2.840.10008.1.2.1", False, g, path)
    jpeg8 = encapsulated and transfer_syntax in _JPEG_8BIT and g.bits_allocated == 8
    if jpeg8 and (g.samples == 1 or g.photometric in _YBR_FOR_CV2):
        arr = _decode_cv2(data, g)
        if arr is not None:
            return arr
    if (
        not encapsulated
        and transfer_syntax != "1.2.840.10008.1.2.2"
        and g.bits_allocated == 8
        and g.pixel_representation == 0
        and g.photometric in _NATIVE_FAST
        and g.samples in (1, 3)
    ):
        return _decode_native_u8(data, g)
    args = (data, index, transfer_syntax, encapsulated, g, path)
    if runner is not None and needs_isolation(transfer_syntax, encapsulated):
        return runner(decode_pydicom, args)
    return decode_pydicom(*args)


def require_decoder(transfer_syntax: str, path: object) -> Any:
    """pydicom's decoder for the syntax, or UnsupportedTransferSyntaxError naming what to install."""
    uid = UID(transfer_syntax)
    try:
        decoder = get_decoder(uid)
    except (NotImplementedError, KeyError, ValueError):
        decoder = None
    if decoder is None:
        raise UnsupportedTransferSyntaxError(
            path, f"no decoder exists for transfer syntax {transfer_syntax!r} ({uid.name})"
        )
    if not decoder.is_available:
        package = _PACKAGE_HINT.get(transfer_syntax, "pylibjpeg with its plugins, or python-gdcm")
        raise UnsupportedTransferSyntaxError(path, f"cannot decode {uid.name}: install {package}")
    return decoder


def decode_pydicom(
    data: bytes, index: int, transfer_syntax: str, encapsulated: bool, g: PixelGeometry, path: object
) -> np.ndarray:
    decoder = require_decoder(transfer_syntax, path)
    src = encapsulate([data]) if encapsulated else data
    opts = {
        "rows": g.rows,
        "columns": g.cols,
        "samples_per_pixel": g.samples,
        "number_of_frames": g.n_frames if g.bits_allocated == 1 and not encapsulated else 1,
        "bits_allocated": g.bits_allocated,
        "bits_stored": g.bits_stored,
        "pixel_representation": g.pixel_representation,
        "photometric_interpretation": g.photometric,
        "planar_configuration": g.planar_configuration,
        "pixel_keyword": "PixelData",
    }
    frame_index = index if g.bits_allocated == 1 and not encapsulated else 0
    # pydicom's own RLE plugin is NumPy and ~25x slower than pylibjpeg-rle: prefer the latter
    plugin = "pylibjpeg" if transfer_syntax == _RLE and "pylibjpeg" in decoder.available_plugins else ""
    try:
        arr, _ = decoder.as_array(src, index=frame_index, as_rgb=True, decoding_plugin=plugin, **opts)
    except Exception as exc:  # plugins raise RuntimeError, ValueError, ... on corrupt data
        raise MediaError(
            path, f"frame {index} cannot be decoded ({UID(transfer_syntax).name}): {exc}"
        ) from exc
    return arr


def to_display(arr: np.ndarray, mapping: DisplayMapping, bits_stored: int) -> np.ndarray:
    """Map stored values to uint8 for display: palette, window/min-max, MONOCHROME1 inversion."""
    if mapping.palette is not None:
        idx = arr if arr.dtype in (np.uint8, np.uint16) else np.clip(arr, 0, len(mapping.palette) - 1)
        idx = np.minimum(idx, len(mapping.palette) - 1) if arr.dtype != np.uint8 else idx
        return mapping.palette[idx]
    if arr.ndim == 3:
        if arr.dtype == np.uint8:
            return arr
        shift = max(0, bits_stored - 8)
        return (np.clip(arr.astype(np.int64), 0, None) >> shift).clip(0, 255).astype(np.uint8)
    if arr.dtype == np.uint8 and mapping.window is None and mapping.voi_header is None:
        return 255 - arr if mapping.invert else arr
    if arr.dtype == np.int8:
        out = (arr.astype(np.int16) + 128).astype(np.uint8)
        return 255 - out if mapping.invert else out
    out = _window(arr, mapping)
    return 255 - out if mapping.invert else out


def _window(arr: np.ndarray, m: DisplayMapping) -> np.ndarray:
    """Deep grayscale to uint8: VOI LUT, else Window Center/Width (DICOM linear), else min-max."""
    if m.voi_header is not None:
        try:
            values = np.asarray(apply_voi_lut(arr, m.voi_header, index=0), dtype=np.float64)
            if m.voi_range is None:
                return _minmax(values)
            lo, hi = m.voi_range
            return np.rint((values - lo) * (255.0 / (hi - lo))).clip(0, 255).astype(np.uint8)
        except Exception:
            pass
    values = arr.astype(np.float64)
    if m.rescale is not None:
        values = values * m.rescale[0] + m.rescale[1]
    if m.window is not None:
        c, w = m.window
        scaled = ((values - (c - 0.5)) / (w - 1.0) + 0.5) * 255.0
        return np.rint(np.clip(scaled, 0, 255)).astype(np.uint8)
    return _minmax(values)


def needs_clip_window(mapping: DisplayMapping, stored: np.ndarray) -> bool:
    """Would ``to_display`` stretch this deep grey frame by its own min-max (no window, no VOI LUT)?

    Stretching each frame of a cine by its own range makes the loop flicker as its content
    changes, so the caller fixes one window for the whole clip instead (``clip_window``).
    """
    return (
        mapping.palette is None
        and mapping.window is None
        and mapping.voi_header is None
        and stored.ndim == 2
        and stored.dtype not in (np.uint8, np.int8)
    )


def clip_window(frames: list[np.ndarray], mapping: DisplayMapping) -> DisplayMapping:
    """``mapping`` with a window spanning the (rescaled) range of sample ``frames``, unchanged if flat."""
    values = [f.astype(np.float64) for f in frames]
    if mapping.rescale is not None:
        values = [v * mapping.rescale[0] + mapping.rescale[1] for v in values]
    lo = min(float(v.min()) for v in values)
    hi = max(float(v.max()) for v in values)
    if hi <= lo:
        return mapping
    # DICOM linear window mapping lo to 0 and hi to 255
    return dataclasses.replace(mapping, window=(lo + (hi - lo) / 2 + 0.5, hi - lo + 1.0))


def _minmax(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        return np.zeros(values.shape, dtype=np.uint8)
    return np.rint((values - lo) * (255.0 / (hi - lo))).clip(0, 255).astype(np.uint8)


__all__ = [
    "DisplayMapping",
    "clip_window",
    "decode_pydicom",
    "decode_stored",
    "display_mapping",
    "needs_clip_window",
    "to_display",
]
