"""Write ultrasound DICOM cines (tests, the demo library, exports) that ``open_clip`` reads back exactly.

Example::

    from imgtrainer.media.clip import Region
    from imgtrainer.media.dicom_writer import write_dicom_cine

    frames = np.zeros((40, 600, 800), np.uint8)             # (frame, row, col[, 3]) uint8
    region = Region(100, 50, 699, 549, units_x="cm", units_y="cm", delta_x=0.02, delta_y=0.02)
    write_dicom_cine("clip.dcm", frames, frame_time_ms=40.0, regions=[region],
                     transfer_syntax="jpeg", uid_seed="lung-b-lines-07")

Transfer syntaxes: ``"explicit"`` (Explicit VR Little Endian, lossless, largest), ``"rle"``
(RLE Lossless, lossless, ~2-4x smaller on ultrasound) and ``"jpeg"`` (JPEG Baseline 8-bit,
lossy, ~10-30x smaller; colour is stored YBR_FULL_422, gray MONOCHROME2). Frame times go in
Frame Time (0018,1063) or, for uneven timing, Frame Time Vector (0018,1065), with the Frame
Increment Pointer set accordingly. ``uid_seed`` makes the UIDs reproducible; ``when`` (a datetime
the caller passes in) sets study/series/content dates, left empty otherwise. The file is written
atomically (temp file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRLittleEndian,
    JPEGBaseline8Bit,
    RLELossless,
    generate_uid,
)

from imgtrainer.errors import MediaError
from imgtrainer.media.clip import Region
from imgtrainer.media.regions import DATA_TYPE_CODES, SPATIAL_FORMAT_CODES, UNIT_CODES

US_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"
US_MULTIFRAME_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.3.1"
TRANSFER_SYNTAXES = {"explicit": ExplicitVRLittleEndian, "rle": RLELossless, "jpeg": JPEGBaseline8Bit}


def _uid(seed: str | None, part: str) -> str:
    return generate_uid(entropy_srcs=[seed, part]) if seed is not None else generate_uid()


def region_item(region: Region, reference_pixel: tuple[int, int] | None = None) -> Dataset:
    """One Sequence of Ultrasound Regions item for ``region`` (units and formats as DICOM codes)."""
    item = Dataset()
    item.RegionSpatialFormat = SPATIAL_FORMAT_CODES.get(region.spatial_format, 0)
    item.RegionDataType = DATA_TYPE_CODES.get(region.data_type, 0)
    item.RegionFlags = 0
    item.RegionLocationMinX0 = int(region.x0)
    item.RegionLocationMinY0 = int(region.y0)
    item.RegionLocationMaxX1 = int(region.x1)
    item.RegionLocationMaxY1 = int(region.y1)
    ref = reference_pixel if reference_pixel is not None else (region.x0, region.y0)
    item.ReferencePixelX0 = int(ref[0])
    item.ReferencePixelY0 = int(ref[1])
    item.PhysicalUnitsXDirection = UNIT_CODES.get(region.units_x, 0)
    item.PhysicalUnitsYDirection = UNIT_CODES.get(region.units_y, 0)
    item.ReferencePixelPhysicalValueX = 0.0
    item.ReferencePixelPhysicalValueY = 0.0
    item.PhysicalDeltaX = float(region.delta_x or 0.0)
    item.PhysicalDeltaY = float(region.delta_y or 0.0)
    return item


def _check_frames(frames: np.ndarray, path: Path) -> np.ndarray:
    arr = np.asarray(frames)
    if arr.dtype != np.uint8:
        raise MediaError(path, f"frames must be uint8, got {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] != 3) or arr.shape[0] == 0:
        raise MediaError(path, f"frames must be (n, rows, cols[, 3]) with n >= 1, got {arr.shape}")
    if arr.shape[1] > 65535 or arr.shape[2] > 65535:
        raise MediaError(path, "frames larger than 65535 pixels cannot be stored in DICOM")
    return np.ascontiguousarray(arr)


def _jpeg_frames(arr: np.ndarray, quality: int) -> list[bytes]:
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    if arr.ndim == 4 and hasattr(cv2, "IMWRITE_JPEG_SAMPLING_FACTOR"):
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422]
    out = []
    for frame in arr:
        img = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR) if frame.ndim == 3 else frame
        ok, buf = cv2.imencode(".jpg", img, params)
        if not ok:
            raise MediaError("<jpeg>", "JPEG encoding failed")
        out.append(buf.tobytes())
    return out


def write_dicom_cine(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    *,
    frame_time_ms: float | None = 33.333,
    frame_times_ms: Sequence[float] | None = None,
    regions: Sequence[Region] = (),
    transfer_syntax: str = "explicit",
    jpeg_quality: int = 90,
    patient_name: str = "Anonymous",
    patient_id: str = "",
    patient_age: str | None = None,
    study_description: str = "",
    series_description: str = "",
    manufacturer: str = "imgtrainer",
    model: str = "synthetic",
    uid_seed: str | None = None,
    when: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``frames`` (``(n, rows, cols)`` gray or ``(n, rows, cols, 3)`` RGB uint8) as an US DICOM.

    ``frame_time_ms`` is the constant interval; ``frame_times_ms`` (n-1 increments, or n with the
    first 0) overrides it for uneven timing. ``extra`` sets further attributes by keyword (e.g.
    ``{"BodyPartExamined": "CHEST"}``). Returns the path written.
    """
    out = Path(path)
    arr = _check_frames(frames, out)
    if transfer_syntax not in TRANSFER_SYNTAXES:
        raise MediaError(
            out, f"transfer_syntax must be one of {sorted(TRANSFER_SYNTAXES)}, not {transfer_syntax!r}"
        )
    n, rows, cols = arr.shape[:3]
    colour = arr.ndim == 4
    ts = TRANSFER_SYNTAXES[transfer_syntax]
    sop_class = US_MULTIFRAME_IMAGE_STORAGE if n > 1 else US_IMAGE_STORAGE
    sop_instance = _uid(uid_seed, "sop")

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.StudyInstanceUID = _uid(uid_seed, "study")
    ds.SeriesInstanceUID = _uid(uid_seed, "series")
    ds.Modality = "US"
    ds.Manufacturer = manufacturer
    ds.ManufacturerModelName = model
    date = when.strftime("%Y%m%d") if when else ""
    time = when.strftime("%H%M%S") if when else ""
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = time
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.StudyID = ""
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientBirthDate = ""
    ds.PatientSex = ""
    if patient_age is not None:
        ds.PatientAge = patient_age
    ds.StudyDescription = study_description
    ds.SeriesDescription = series_description
    ds.BurnedInAnnotation = "NO"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 3 if colour else 1
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelRepresentation = 0
    if colour:
        ds.PlanarConfiguration = 0
    if transfer_syntax == "jpeg":
        ds.PhotometricInterpretation = "YBR_FULL_422" if colour else "MONOCHROME2"
        ds.LossyImageCompression = "01"
        ds.LossyImageCompressionMethod = "ISO_10918_1"
    else:
        ds.PhotometricInterpretation = "RGB" if colour else "MONOCHROME2"
        ds.LossyImageCompression = "00"
    if n > 1:
        ds.NumberOfFrames = n
        _set_timing(ds, n, frame_time_ms, frame_times_ms, out)
    if regions:
        ds.SequenceOfUltrasoundRegions = DicomSequence([region_item(r) for r in regions])
    for keyword, value in (extra or {}).items():
        try:
            setattr(ds, keyword, value)
        except Exception as exc:
            raise MediaError(out, f"extra attribute {keyword!r} cannot be set: {exc}") from exc

    if transfer_syntax == "explicit":
        ds.PixelData = arr.tobytes()
    elif transfer_syntax == "jpeg":
        ds.PixelData = encapsulate(_jpeg_frames(arr, jpeg_quality), has_bot=True)
        ds["PixelData"].VR = "OB"
    else:
        try:
            ds.compress(RLELossless, arr if n > 1 else arr[0], generate_instance_uid=False)
        except Exception as exc:
            raise MediaError(out, f"RLE encoding failed: {exc}") from exc
    _atomic_save(ds, out)
    return out


def _set_timing(
    ds: Dataset, n: int, frame_time_ms: float | None, frame_times_ms: Sequence[float] | None, path: Path
) -> None:
    if frame_times_ms is not None:
        vec = [float(v) for v in frame_times_ms]
        if len(vec) == n - 1:
            vec = [0.0, *vec]
        if len(vec) != n or any(v < 0 for v in vec) or not any(v > 0 for v in vec[1:]):
            raise MediaError(path, f"frame_times_ms needs {n - 1} or {n} non-negative increments")
        ds.FrameTimeVector = [round(v, 4) for v in vec]
        ds.FrameIncrementPointer = 0x00181065
        mean = sum(vec[1:]) / (n - 1)
    else:
        if frame_time_ms is None or not frame_time_ms > 0:
            raise MediaError(path, "frame_time_ms must be positive for a multi-frame cine")
        ds.FrameTime = round(float(frame_time_ms), 6)
        ds.FrameIncrementPointer = 0x00181063
        mean = float(frame_time_ms)
    ds.CineRate = max(1, round(1000.0 / mean))
    ds.RecommendedDisplayFrameRate = ds.CineRate


def _atomic_save(ds: Dataset, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".dcm", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            ds.save_as(fh, enforce_file_format=True)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
