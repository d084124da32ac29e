"""Factories for library tests: small generated DICOM cines, cases and keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from imgtrainer.library.models import (
    AnswerKey,
    Case,
    CategoryAnswer,
    DecisionAnswer,
    DecisionQuestion,
    FindingsAnswer,
    FrameRangesAnswer,
    Mark,
    MarksAnswer,
    MediaRef,
    OrdinalAnswer,
)

US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"


def write_dicom(path: Path, n_frames: int = 6, rows: int = 48, cols: int = 64, patient: str = "") -> Path:
    """A small uncompressed MONOCHROME2 ultrasound cine with a moving bright bar."""
    frames = np.zeros((n_frames, rows, cols), np.uint8)
    for i in range(n_frames):
        frames[i, :, (i * 5) % cols] = 255
        frames[i, rows // 2 :, :] += 40
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = US_MULTIFRAME
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = US_MULTIFRAME
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "US"
    ds.StudyDate, ds.StudyTime, ds.StudyID = "20240102", "101500", "1"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.PatientName = patient
    ds.PatientID = "12345" if patient else ""
    ds.StudyDescription = "Lung ultrasound"
    ds.SeriesDescription = "Anterior chest"
    ds.Manufacturer = "TestCo"
    ds.ManufacturerModelName = "Phantom 1"
    ds.Rows, ds.Columns = rows, cols
    ds.NumberOfFrames = n_frames
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.FrameTime = 33.3
    ds.PixelData = frames.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


def lung_case(case_id: str, **kw: object) -> Case:
    fields = {
        "id": case_id,
        "title": f"Case {case_id}",
        "domain": "lung",
        "media": [MediaRef(path="media/clip.dcm")],
        "decision": DecisionQuestion(stem="What next?", options=["Drain", "Observe", "Intubate"]),
        "tags": ["teaching"],
        "public": True,  # approved and shared: with a key it passes the review gate
    }
    fields.update(kw)
    return Case(**fields)


def lung_key(case_id: str, **answers: object) -> AnswerKey:
    base = {
        "view": CategoryAnswer(value="anterior_upper_blue"),
        "acep_quality": OrdinalAnswer(value=4),
        "findings": FindingsAnswer(present=["blines", "pleural_line"], absent=["a_lines"]),
        "lung_point_frames": FrameRangesAnswer(ranges=[(0, 3)]),
        "b_line_marks": MarksAnswer(marks=[Mark(type="line", points=[(10, 5), (12, 40)], frame=1)]),
        "decision": DecisionAnswer(correct=1, explanation="B-lines without effusion."),
    }
    base.update(answers)
    return AnswerKey(case_id=case_id, rater="expert", answers=base)
