"""Sequence of Ultrasound Regions (0018,6011) -> ``Region`` objects with decoded unit names.

Code tables are from DICOM PS3.3 C.8.5.5.1: Region Spatial Format, Region Data Type and
Physical Units X/Y Direction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydicom.dataset import Dataset

from imgtrainer.media.clip import Region
from imgtrainer.media.dicom_values import sequence_items

REGIONS_TAG = 0x00186011

SPATIAL_FORMATS = {0: "NONE", 1: "2D", 2: "M-MODE", 3: "SPECTRAL", 4: "WAVEFORM", 5: "GRAPHICS"}
DATA_TYPES = {
    0x00: "NONE",
    0x01: "TISSUE",
    0x02: "COLOR_FLOW",
    0x03: "PW_DOPPLER",
    0x04: "CW_DOPPLER",
    0x05: "DOPPLER_MEAN_TRACE",
    0x06: "DOPPLER_MODE_TRACE",
    0x07: "DOPPLER_MAX_TRACE",
    0x08: "VOLUME_TRACE",
    0x09: "D_VOLUME_DT_TRACE",
    0x0A: "ECG_TRACE",
    0x0B: "PULSE_TRACE",
    0x0C: "PHONOCARDIOGRAM_TRACE",
    0x0D: "GRAY_BAR",
    0x0E: "COLOR_BAR",
    0x0F: "INTEGRATED_BACKSCATTER",
    0x10: "AREA_TRACE",
    0x11: "D_AREA_DT_TRACE",
    0x12: "OTHER_PHYSIOLOGICAL",
}
UNITS = {
    0x0: "none",
    0x1: "%",
    0x2: "dB",
    0x3: "cm",
    0x4: "s",
    0x5: "Hz",
    0x6: "dB/s",
    0x7: "cm/s",
    0x8: "cm2",
    0x9: "cm2/s",
    0xA: "cm3",
    0xB: "cm3/s",
    0xC: "deg",
}
UNIT_CODES = {v: k for k, v in UNITS.items()}
SPATIAL_FORMAT_CODES = {v: k for k, v in SPATIAL_FORMATS.items()}
DATA_TYPE_CODES = {v: k for k, v in DATA_TYPES.items()}


def _int(item: Mapping[str, Any], keyword: str) -> int | None:
    try:
        value = item.get(keyword)
        return None if value is None or value == "" else int(value)
    except Exception:  # mangled values raise anything from ValueError to NotImplementedError
        return None


def _float(item: Mapping[str, Any], keyword: str) -> float | None:
    try:
        value = item.get(keyword)
        x = None if value is None or value == "" else float(value)
    except Exception:
        return None
    return x if x is not None and math.isfinite(x) else None


def parse_regions(ds: Dataset) -> tuple[list[Region], list[str]]:
    """Regions of a header, plus warnings for items that could not be read (never raises)."""
    try:
        items = sequence_items(ds, REGIONS_TAG)
    except Exception:
        return [], ["Sequence of Ultrasound Regions is unreadable; ignored"]
    if not items:
        return [], []
    regions: list[Region] = []
    warnings: list[str] = []
    for k, item in enumerate(items):
        try:
            box = [_int(item, f"RegionLocation{n}") for n in ("MinX0", "MinY0", "MaxX1", "MaxY1")]
        except Exception:
            box = [None]
        if any(v is None for v in box) or box[2] < box[0] or box[3] < box[1]:  # type: ignore[operator]
            warnings.append(f"ultrasound region {k} has no valid bounding box; ignored")
            continue
        ux, uy = _int(item, "PhysicalUnitsXDirection"), _int(item, "PhysicalUnitsYDirection")
        fmt, dtype = _int(item, "RegionSpatialFormat"), _int(item, "RegionDataType")
        regions.append(
            Region(
                x0=box[0],  # type: ignore[arg-type]
                y0=box[1],  # type: ignore[arg-type]
                x1=box[2],  # type: ignore[arg-type]
                y1=box[3],  # type: ignore[arg-type]
                spatial_format=SPATIAL_FORMATS.get(fmt, "NONE") if fmt is not None else "NONE",
                data_type=DATA_TYPES.get(dtype, f"CODE_{dtype}") if dtype is not None else "NONE",
                units_x=UNITS.get(ux, "none") if ux is not None else "none",
                units_y=UNITS.get(uy, "none") if uy is not None else "none",
                delta_x=_float(item, "PhysicalDeltaX"),
                delta_y=_float(item, "PhysicalDeltaY"),
            )
        )
    return regions, warnings
