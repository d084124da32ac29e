"""Generator of PHI-laden ultrasound DICOM files with known ground truth.

Each file carries planted identifiers (names, IDs, dates, addresses) in standard tags, in
sequences nested three deep, in private tags (also inside sequences), in the Original Attributes
Sequence, in overlays/curves and in the file meta, plus text burned into the top banner of every
frame. The scan area is a Sequence of Ultrasound Regions rectangle below the banner (or, with
``regions=False``, a sector that must be detected). Encodings: grey, RGB, YBR_FULL_422 JPEG
Baseline, uncompressed YBR_FULL, RLE, palette (with and without a black LUT entry), single- and
multi-frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, RLELossless, generate_uid

TOKENS = ["Zyxwa", "Qwertina", "8675309", "Qwertyville", "Zorblatt", "ACC99887766", "19510704", "Blorpton"]
BANNER_TEXT = "Zyxwa Qwertina 8675309"
ROWS, COLS = 120, 160
BANNER = (0, 0, COLS - 1, 17)  # x0, y0, x1, y1 inclusive: burned-in text lives here
REGION = (20, 24, 139, 115)  # the scan area (Ultrasound Region) below the banner
STUDY_DATE, ACQ_DT, CONTENT_DATE, BIRTH = "20240315", "20240316101530.25", "20240320", "19510704"
SECRET_PRIVATE = ("ACME 1.0", 0x0009)


@dataclass
class Planted:
    """What a generated file should look like once cleaned."""

    path: Path
    frames: np.ndarray  # decoded original pixels (RGB for colour, indices for palette)
    sop_uid: str
    study_uid: str
    referenced_uid: str | None
    region: tuple[int, int, int, int] | None
    photometric: str


def _frames(n: int, colour: bool, seed: int, sector: bool) -> np.ndarray:
    """Speckle inside the scan area (changes per frame), text in the banner."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, ROWS, COLS, 3) if colour else (n, ROWS, COLS), np.uint8)
    yy, xx = np.mgrid[0:ROWS, 0:COLS]
    if sector:
        r = np.hypot(xx - COLS / 2, yy - 20.0)
        ang = np.degrees(np.arctan2(xx - COLS / 2, yy - 20.0))
        inside = (r > 8) & (r < 98) & (np.abs(ang) < 40)
    else:
        x0, y0, x1, y1 = REGION
        inside = (xx >= x0) & (xx <= x1) & (yy >= y0) & (yy <= y1)
    for i in range(n):
        speck = np.clip(rng.gamma(2.0, 30.0, (ROWS, COLS)) + 20, 1, 250).astype(np.uint8)
        img = np.where(inside, speck, 0).astype(np.uint8)
        img = np.stack([img] * 3, -1) if colour else img
        if colour:
            img[inside, 0] = np.clip(img[inside, 0].astype(int) + 20, 0, 255)
        cv2.putText(
            img, BANNER_TEXT, (2, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255) if colour else 255, 1
        )
        out[i] = img
    return out


def _code(value: str, meaning: str) -> Dataset:
    d = Dataset()
    d.CodeValue, d.CodingSchemeDesignator, d.CodeMeaning = value, "99LOCAL", meaning
    return d


def _headers(ds: Dataset, patient: str, referenced_uid: str | None) -> None:
    ds.PatientName = f"Zyxwa^Qwertina^{patient}"
    ds.PatientID = f"PID-8675309-{patient}"
    ds.PatientBirthDate = BIRTH
    ds.PatientSex = "F"
    ds.PatientAddress = "12 Qwertyville Lane, Blorpton"
    ds.OtherPatientIDs = "8675309"
    ds.InstitutionName = "Qwertyville General"
    ds.InstitutionAddress = "1 Blorpton Road"
    ds.ReferringPhysicianName = "Zorblatt^Doctor"
    ds.OperatorsName = "Zorblatt^Sono"
    ds.AccessionNumber = "ACC99887766"
    ds.StudyID = "8675309"
    ds.StudyDescription = "Lung POCUS Zyxwa 2024-03-15"
    ds.SeriesDescription = "B-lines Qwertina"
    ds.ImageComments = "for Zyxwa Qwertina, call 8675309"
    ds.StudyDate, ds.SeriesDate, ds.ContentDate = STUDY_DATE, STUDY_DATE, CONTENT_DATE
    ds.StudyTime, ds.ContentTime = "101500", "101531.5"
    ds.AcquisitionDateTime = ACQ_DT
    ds.Manufacturer, ds.ManufacturerModelName = "SynthSound", "Phantom 1"
    ds.DeviceSerialNumber, ds.StationName = "SN-42", "US-CART-3"
    ds.BurnedInAnnotation = "NO"  # a lie: every ultrasound image carries burned-in text
    # kept, non-table code sequence nested 3 deep with text to clean
    inner = _code("L1", "left Qwertina")
    inner.PatientName = "Zyxwa^Qwertina"
    mid = _code("C2", "chest Zyxwa")
    mid.AnatomicRegionModifierSequence = Sequence([inner])
    ds.AnatomicRegionSequence = Sequence([mid])
    # request attributes: X with nested code sequences
    req_inner = _code("X1", "Zyxwa follow-up")
    req_inner.PatientName = "Zyxwa^Qwertina"
    req = Dataset()
    req.RequestedProcedureID = "8675309"
    req.ScheduledProtocolCodeSequence = Sequence([req_inner])
    ds.RequestAttributesSequence = Sequence([req])
    # Original Attributes Sequence with the old values
    orig = Dataset()
    orig.PatientName, orig.PatientID = "Zyxwa^Qwertina", "PID-8675309"
    oas = Dataset()
    oas.ModifiedAttributesSequence = Sequence([orig])
    oas.AttributeModificationDateTime = "20200101120000"
    oas.ModifyingSystem = "Qwertyville PACS"
    oas.SourceOfPreviousValues = ""
    oas.ReasonForTheAttributeModification = "COERCE"
    ds.OriginalAttributesSequence = Sequence([oas])
    # references to another instance, 3 deep, with PHI inside
    if referenced_uid:
        purpose = _code("121311", "Localizer Zorblatt")
        purpose.ContentDate = CONTENT_DATE
        purpose.PatientName = "Zyxwa^Qwertina"
        src = Dataset()
        src.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
        src.ReferencedSOPInstanceUID = referenced_uid
        src.PurposeOfReferenceCodeSequence = Sequence([purpose])
        ref = Dataset()
        ref.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
        ref.ReferencedSOPInstanceUID = referenced_uid
        ref.SourceImageSequence = Sequence([src])
        ds.ReferencedImageSequence = Sequence([ref])
    # private tags, top level and inside a kept sequence
    block = ds.private_block(SECRET_PRIVATE[1], SECRET_PRIVATE[0], create=True)
    block.add_new(0x01, "LO", "PID-8675309")
    block.add_new(0x02, "LO", "Zyxwa Qwertina")
    b2 = mid.private_block(0x0011, "ACME 1.0", create=True)
    b2.add_new(0x10, "LO", "Blorpton clinic")
    # overlay and curve
    ds.add_new(0x60000010, "US", ROWS)
    ds.add_new(0x60000011, "US", COLS)
    ds.add_new(0x60000022, "LO", "Zyxwa overlay")
    ds.add_new(0x60003000, "OW", b"\x00" * ((ROWS * COLS + 15) // 16 * 2))
    ds.add_new(0x50000022, "LO", "Qwertina curve")


def _regions(ds: Dataset) -> None:
    r = Dataset()
    r.RegionSpatialFormat, r.RegionDataType, r.RegionFlags = 1, 1, 0
    r.RegionLocationMinX0, r.RegionLocationMinY0, r.RegionLocationMaxX1, r.RegionLocationMaxY1 = REGION
    r.PhysicalUnitsXDirection = r.PhysicalUnitsYDirection = 3
    r.PhysicalDeltaX = r.PhysicalDeltaY = 0.0125
    r.ReferencePixelX0, r.ReferencePixelY0 = 60, 0
    ds.SequenceOfUltrasoundRegions = Sequence([r])


def make_file(
    path: Path,
    kind: str = "grey",
    n: int = 1,
    regions: bool = True,
    patient: str = "A",
    referenced_uid: str | None = None,
    seed: int = 0,
) -> Planted:
    """Write one PHI-laden file. ``kind``: grey, rgb, jpeg (YBR_FULL_422), ybr (YBR_FULL), rle,
    palette, palette_noblack."""
    colour = kind in ("rgb", "jpeg", "ybr")
    frames = _frames(n, colour, seed, sector=not regions)
    ds = Dataset()
    sop, study = generate_uid(), generate_uid()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1" if n > 1 else "1.2.840.10008.5.1.4.1.1.6.1"
    ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID = sop, study, generate_uid()
    ds.FrameOfReferenceUID = generate_uid()
    ds.Modality = "US"
    _headers(ds, patient, referenced_uid)
    if regions:
        _regions(ds)
    ds.Rows, ds.Columns = ROWS, COLS
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    if n > 1:
        ds.NumberOfFrames = n
        ds.FrameTime = 33.3
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, sop
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.SourceApplicationEntityTitle = "QWERTYVILLE"
    meta.ImplementationVersionName = "ZYXWA_1"
    ds.file_meta = meta
    stored = frames
    if colour:
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    elif kind.startswith("palette"):
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "PALETTE COLOR"
        lut = np.arange(256, dtype=np.uint16) * 257
        first = 0 if kind == "palette" else 1  # palette_noblack: index 0 is dark blue, not black
        red, green, blue = lut.copy(), lut.copy(), lut.copy()
        blue[0] = first * 40 * 257
        for name, data in (("Red", red), ("Green", green), ("Blue", blue)):
            setattr(ds, f"{name}PaletteColorLookupTableDescriptor", [256, 0, 16])
            setattr(ds, f"{name}PaletteColorLookupTableData", data.astype("<u2").tobytes())
    else:
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    if kind == "jpeg":
        params = [
            cv2.IMWRITE_JPEG_QUALITY,
            95,
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
        ]
        enc = [cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR), params)[1].tobytes() for f in frames]
        ds.PixelData = encapsulate(enc)
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
        ds.PhotometricInterpretation = "YBR_FULL_422"
        meta.TransferSyntaxUID = JPEGBaseline8Bit
        ds.LossyImageCompression = "01"
    elif kind == "ybr":  # uncompressed YBR_FULL
        from pydicom.pixels import convert_color_space

        ds.PixelData = convert_color_space(stored if n > 1 else stored[0], "RGB", "YBR_FULL").tobytes()
        ds.PhotometricInterpretation = "YBR_FULL"
    else:
        ds.PixelData = (stored if n > 1 else stored[0]).tobytes()
        if kind == "rle":
            ds.compress(RLELossless, generate_instance_uid=False)
    ds.save_as(path, enforce_file_format=True)
    if kind in ("jpeg", "ybr"):  # ground truth is what a decoder gives back
        import pydicom

        dec = pydicom.dcmread(path).pixel_array
        frames = dec if n > 1 else dec[None]
    return Planted(
        path, frames, sop, study, referenced_uid, REGION if regions else None, ds.PhotometricInterpretation
    )


def make_truncated(path: Path) -> Path:
    """A file whose pixel data is shorter than Rows x Columns needs (undecodable)."""
    p = make_file(path, "grey").path
    import pydicom

    ds = pydicom.dcmread(p)
    ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]
    ds.save_as(p, enforce_file_format=True)
    return p


def make_ambiguous(path: Path) -> Path:
    """No regions and no detectable scan area (flat grey with text): must be quarantined."""
    p = make_file(path, "grey", regions=False).path
    import pydicom

    ds = pydicom.dcmread(p)
    img = np.full((ROWS, COLS), 90, np.uint8)
    cv2.putText(img, BANNER_TEXT, (2, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.38, 255, 1)
    ds.PixelData = img.tobytes()
    ds.save_as(p, enforce_file_format=True)
    return p


def plant_headers(ds: Dataset) -> None:
    """Plant the TOKENS in a real file's header: top level, a sequence nested two deep, the
    Original Attributes Sequence and a private block (stray item delimiters removed first)."""
    for tag in [t for t in ds.keys() if t.group == 0xFFFE]:  # noqa: SIM118 - tags, not elements
        del ds[tag]
    ds.PatientName = "Zyxwa^Qwertina"
    ds.PatientID = "PID-8675309-ZQ"
    ds.PatientBirthDate = "19510704"
    ds.PatientAddress = "12 Qwertyville Lane, Blorpton"
    ds.InstitutionName = "Qwertyville General"
    ds.ReferringPhysicianName = "Zorblatt^Doctor"
    ds.AccessionNumber = "ACC99887766"
    inner = Dataset()
    inner.CodeValue, inner.CodingSchemeDesignator, inner.CodeMeaning = "X1", "99LOCAL", "Zyxwa follow-up"
    mid = Dataset()
    mid.ScheduledProtocolCodeSequence = Sequence([inner])
    ds.RequestAttributesSequence = Sequence([mid])
    orig = Dataset()
    orig.PatientName = "Zyxwa^Qwertina"
    oas = Dataset()
    oas.ModifiedAttributesSequence = Sequence([orig])
    ds.OriginalAttributesSequence = Sequence([oas])
    block = ds.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x01, "LO", "PID-8675309-ZQ")
