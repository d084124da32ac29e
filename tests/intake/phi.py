"""Planted PHI for intake tests: the same strings the deid tests plant, in headers, nested
sequences, private tags and the Original Attributes Sequence; searched raw and decompressed."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

TOKENS = ["Zyxwa", "Qwertina", "8675309", "Qwertyville", "Zorblatt", "ACC99887766", "19510704", "Blorpton"]


def plant(ds: Dataset) -> None:
    for tag in [t for t in ds.keys() if t.group == 0xFFFE]:  # noqa: SIM118 (iterating elements decodes them)
        del ds[tag]
    ds.PatientName = "Zyxwa^Qwertina"
    ds.PatientID = "PID-8675309-ZQ"
    ds.PatientBirthDate = "19510704"
    ds.PatientAddress = "12 Qwertyville Lane, Blorpton"
    ds.OtherPatientIDs = "8675309"
    ds.InstitutionName = "Qwertyville General"
    ds.ReferringPhysicianName = "Zorblatt^Doctor"
    ds.AccessionNumber = "ACC99887766"
    inner = Dataset()
    inner.CodeValue, inner.CodingSchemeDesignator, inner.CodeMeaning = "X1", "99LOCAL", "Zyxwa follow-up"
    inner.PatientName = "Zyxwa^Qwertina"
    mid = Dataset()
    mid.RequestedProcedureID = "8675309"
    mid.ScheduledProtocolCodeSequence = Sequence([inner])
    ds.RequestAttributesSequence = Sequence([mid])
    orig = Dataset()
    orig.PatientName, orig.PatientID = "Zyxwa^Qwertina", "PID-8675309-ZQ"
    oas = Dataset()
    oas.ModifiedAttributesSequence = Sequence([orig])
    oas.AttributeModificationDateTime, oas.ModifyingSystem = "20200101120000", "Qwertyville PACS"
    oas.SourceOfPreviousValues, oas.ReasonForTheAttributeModification = "", "COERCE"
    ds.OriginalAttributesSequence = Sequence([oas])
    block = ds.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x01, "LO", "PID-8675309-ZQ")
    block.add_new(0x02, "LO", "Zyxwa Qwertina")


def leaks(folder: Path) -> list[str]:
    """Files under ``folder`` holding a planted string, raw or after decompressing a DICOM."""
    found = []
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        data = p.read_bytes()
        if any(t.encode() in data for t in TOKENS):
            found.append(str(p))
            continue
        if p.suffix == ".dcm":
            ds = pydicom.dcmread(io.BytesIO(data), force=True)
            if ds.file_meta.TransferSyntaxUID.is_compressed:
                try:
                    ds.decompress()
                except Exception:
                    continue  # video: its header was searched raw (pixels are not text)
                buf = io.BytesIO()
                ds.save_as(buf)
                if any(t.encode() in buf.getvalue() for t in TOKENS):
                    found.append(f"{p} (decompressed)")
    return found
