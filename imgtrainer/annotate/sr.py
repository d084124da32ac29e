"""DICOM SR export of one key's measurements, marks and findings (TID 1500 Measurement Report).

Why: faculty annotations leave imgtrainer in a form PACS viewers and research tools (dcmtk,
highdicom, OHIF, 3D Slicer) read. The SR is a Comprehensive SR in the study of the case's
primary DICOM clip, written with highdicom; observer = the key's rater (a person).

Content tree (one Measurement Group per item):

- ``measurement`` answer -> TID 1501 group, tracking identifier = question id; one NUM
  (TID 300) with a UCUM unit (``_UNITS``); the expert's caliper marks are SCOORDs
  INFERRED FROM the NUM; the group's Finding is the question's finding when it has one.
- ``marks`` answer -> one TID 1410 group per mark; Image Region SCOORD (point -> POINT,
  line/polyline -> POLYLINE, polygon -> closed POLYLINE, ellipse -> ELLIPSE with four
  axis end points) on the clip; tracking identifier ``<question id>#<n>[ <label>]``;
  Finding = the question's finding; geometric purpose Outline / Centerline / Representative point.
- ``findings`` answer -> TID 1501 group: one qualitative evaluation per finding, value
  SCT Present (52101004) or Absent (272519000).
- ``category`` / ``ordinal`` / ``count`` answers -> one TID 1501 "assessment" group:
  qualitative evaluations (question -> answer) and counts as NUM with unit ``1``.
  Frame ranges and the decision are not exported.

Coordinates: our marks are (x, y) stored-frame pixels with pixel centres at integers, DICOM SCOORD
puts the top-left pixel's centre at (0.5, 0.5), so 0.5 is added. Frames: 0-based in our models,
ReferencedFrameNumber is 1-based (frame + 1); a mark without a frame references the whole clip.

Codes: findings with an unambiguous standard concept use it (``_FINDING_CODES``: SCT pleural
effusion, pericardial effusion, pneumothorax; DCM air bronchogram); every other finding, every
question and every category answer uses the private scheme ``99IMGTRAINER`` with the taxonomy id
as code value (long ids go to Long Code Value) and the taxonomy label as meaning. The scheme is
declared in the Coding Scheme Identification Sequence.

Determinism: UIDs derive from the source SOP Instance UID, the rater and a hash of the key; dates
and times from the key's ``updated_at``. The same key gives a byte-identical file.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
from highdicom.coding_schemes import CodingSchemeIdentificationItem
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from imgtrainer.errors import CaseFormatError, ImgTrainerError, MediaError, NotDicomError
from imgtrainer.fileio import atomic_output
from imgtrainer.library.case_io import key_path, load_case, load_key, media_path
from imgtrainer.library.models import (
    AnswerKey,
    CategoryAnswer,
    CountAnswer,
    FindingsAnswer,
    Mark,
    MarksAnswer,
    MeasurementAnswer,
    OrdinalAnswer,
)
from imgtrainer.library.taxonomy import Taxonomy

PRIVATE_SCHEME = "99IMGTRAINER"
SR_SERIES_NUMBER = 990
_CODE = hd.sr.CodedConcept

_UNITS: dict[str, tuple[str, str]] = {  # our Unit -> (UCUM code, meaning)
    "cm": ("cm", "centimeter"),
    "cm2": ("cm2", "square centimeter"),
    "mm": ("mm", "millimeter"),
    "ml": ("ml", "milliliter"),
    "ml/kg": ("ml/kg", "milliliter per kilogram"),
    "percent": ("%", "Percent"),
    "s": ("s", "second"),
    "cm/s": ("cm/s", "centimeter/second"),
    "ratio": ("{ratio}", "ratio"),
}
_NO_UNITS = _CODE("1", "UCUM", "no units")
_FINDING_CODES: dict[str, tuple[str, str, str]] = {  # verified against pydicom's DICOM code tables
    "pleural_effusion": ("60046008", "SCT", "Pleural effusion"),
    "pericardial_effusion": ("373945007", "SCT", "Pericardial effusion"),
    "pneumothorax": ("36118008", "SCT", "Pneumothorax"),
    "air_bronchogram": ("112071", "DCM", "Air bronchogram"),
}
_PRESENT = _CODE("52101004", "SCT", "Present")
_ABSENT = _CODE("272519000", "SCT", "Absent")
_PURPOSE = {  # CID 219 Geometry Graphical Representation
    "point": _CODE("128140", "DCM", "Representative point"),
    "line": _CODE("130490", "DCM", "Centerline"),
    "polyline": _CODE("130490", "DCM", "Centerline"),
    "polygon": _CODE("111041", "DCM", "Outline"),
    "ellipse": _CODE("111041", "DCM", "Outline"),
}


def export_sr(
    case_folder: Path, out: Path, rater: str | None = None, taxonomy: Taxonomy | None = None
) -> Path:
    """Write the SR of ``rater``'s key (``keys/<rater>.json``; consensus ``key.json`` when None).

    The case's primary media must be DICOM (the SR references it). ``taxonomy`` gives labels and
    the finding each question concerns; by default the case domain's taxonomy is loaded.
    """
    folder = Path(case_folder)
    case = load_case(folder)
    key = load_key(folder, rater)
    if key is None:
        raise CaseFormatError(f"{key_path(folder, rater)}: no key to export")
    source = read_source(media_path(folder, case))
    if taxonomy is None:
        taxonomy = _taxonomy(case.domain)
    try:
        sr = build_sr(key, source, taxonomy, key_file=key_path(folder, rater))
    except ValueError as exc:  # highdicom refuses a value it cannot encode
        raise CaseFormatError(f"{key_path(folder, rater)}: cannot be written as DICOM SR: {exc}") from exc
    return _atomic_save(sr, Path(out))


def read_source(path: Path) -> Dataset:
    """Header of the source clip; a non-DICOM or UID-less file is refused with a clear error."""
    if not path.is_file():
        raise MediaError(path, "media file not found; a DICOM SR needs the case's DICOM clip")
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, EOFError, OSError, ValueError) as exc:
        raise NotDicomError(
            path, f"not DICOM ({exc.__class__.__name__}); a DICOM SR can reference only DICOM media"
        ) from exc
    missing = [k for k in ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID") if not ds.get(k)]
    if missing:
        raise MediaError(path, f"DICOM without {', '.join(missing)}; the SR cannot reference it")
    return ds


def build_sr(
    key: AnswerKey, source: Dataset, taxonomy: Taxonomy | None, key_file: Path | str = "key"
) -> hd.sr.ComprehensiveSR:
    """The Comprehensive SR (TID 1500) of ``key`` on ``source`` (a DICOM header); pure, no I/O."""
    seed = hashlib.sha256(key.model_dump_json().encode()).hexdigest()
    ctx = _Context(key, source, taxonomy, str(key_file), seed)
    groups: list = []
    assessments: list[hd.sr.QualitativeEvaluation] = []
    counts: list[hd.sr.Measurement] = []
    for qid in sorted(key.answers):
        answer = key.answers[qid]
        if isinstance(answer, MeasurementAnswer):
            groups.append(ctx.measurement_group(qid, answer))
        elif isinstance(answer, MarksAnswer):
            groups.extend(ctx.mark_groups(qid, answer))
        elif isinstance(answer, FindingsAnswer) and (answer.present or answer.absent):
            groups.append(ctx.findings_group(qid, answer))
        elif isinstance(answer, CategoryAnswer | OrdinalAnswer):
            value = str(answer.value)
            assessments.append(
                hd.sr.QualitativeEvaluation(
                    ctx.question_code(qid), _private(f"{qid}={value}", ctx.option_label(qid, value))
                )
            )
        elif isinstance(answer, CountAnswer):
            counts.append(hd.sr.Measurement(ctx.question_code(qid), float(answer.value), _NO_UNITS))
    if assessments or counts:
        groups.append(
            hd.sr.MeasurementsAndQualitativeEvaluations(
                tracking_identifier=ctx.tracking("assessment", "assessment"),
                measurements=counts or None,
                qualitative_evaluations=assessments or None,
                source_images=[ctx.group_source([])],
            )
        )
    if not groups:
        raise CaseFormatError(
            f"{key_file}: nothing to export: the key has no measurement, marks, findings, "
            "category, ordinal or count answer"
        )
    person = hd.sr.PersonObserverIdentifyingAttributes(name=person_name(key.rater), login_name=key.rater)
    observation = hd.sr.ObservationContext(
        observer_person_context=hd.sr.ObserverContext(
            observer_type=codes.DCM.Person, observer_identifying_attributes=person
        )
    )
    report = hd.sr.MeasurementReport(
        observation_context=observation,
        procedure_reported=codes.SCT.Ultrasonography,
        imaging_measurements=groups,
    )
    when = key.updated_at
    with warnings.catch_warnings():  # the source's one-part patient name ("Anonymous") is copied as is
        warnings.filterwarnings("ignore", message=".*unlikely to represent the intended person name")
        sr = _comprehensive_sr(report, source, seed, key)
    sr.InstanceCreationDate = when.strftime("%Y%m%d")
    sr.InstanceCreationTime = when.strftime("%H%M%S")
    sr.SeriesDate, sr.SeriesTime = sr.ContentDate, sr.ContentTime
    for item in sr.get("ContributingEquipmentSequence", []):  # highdicom stamps "now" here
        if "ContributionDateTime" in item:
            item.ContributionDateTime = when.strftime("%Y%m%d%H%M%S")
    if when.utcoffset() is not None:
        offset = int(when.utcoffset().total_seconds() // 60)
        sr.TimezoneOffsetFromUTC = (
            f"{'+' if offset >= 0 else '-'}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"
        )
    return sr


def _comprehensive_sr(
    report: hd.sr.MeasurementReport, source: Dataset, seed: str, key: AnswerKey
) -> hd.sr.ComprehensiveSR:
    when = key.updated_at
    return hd.sr.ComprehensiveSR(
        evidence=[source],
        content=report[0],
        series_instance_uid=_uid(seed, source, "series"),
        series_number=SR_SERIES_NUMBER,
        sop_instance_uid=_uid(seed, source, "sop"),
        instance_number=1,
        manufacturer="imgtrainer",
        series_description=f"imgtrainer annotations ({key.role}: {key.rater})"[:64],
        content_date=when.date(),
        content_time=when.time().replace(tzinfo=None),
        specific_character_set="ISO_IR 192",
        coding_schemes=[
            CodingSchemeIdentificationItem(
                designator=PRIVATE_SCHEME, name="imgtrainer taxonomy (question, finding and option ids)"
            )
        ],
    )


class _Context:
    """What every group needs: the source image, labels, the key file for errors, the UID seed."""

    def __init__(
        self, key: AnswerKey, source: Dataset, taxonomy: Taxonomy | None, key_file: str, seed: str
    ) -> None:
        self.key, self.source, self.taxonomy, self.key_file, self.seed = key, source, taxonomy, key_file, seed
        self.n_frames = int(source.get("NumberOfFrames", 1) or 1)

    # ---- labels and codes

    def _question(self, qid: str):
        if self.taxonomy is None:
            return None
        try:
            return self.taxonomy.question(qid)
        except KeyError:
            return None

    def question_code(self, qid: str) -> hd.sr.CodedConcept:
        q = self._question(qid)
        return _private(qid, q.prompt if q is not None else qid)

    def option_label(self, qid: str, value: str) -> str:
        q = self._question(qid)
        if q is not None and self.taxonomy is not None:
            for opt in self.taxonomy.category_options(q):
                if opt.id == value:
                    return opt.label
            for point in q.scale:
                if str(point.value) == value:
                    return f"{point.value}: {point.label}"
        return value

    def finding_code(self, finding: str) -> hd.sr.CodedConcept:
        if finding in _FINDING_CODES:
            return _CODE(*_FINDING_CODES[finding])
        label = finding
        if self.taxonomy is not None:
            label = next((f.label for f in self.taxonomy.findings if f.id == finding), finding)
        return _private(finding, label)

    def question_finding(self, qid: str) -> hd.sr.CodedConcept | None:
        q = self._question(qid)
        return self.finding_code(q.finding) if q is not None and q.finding else None

    def tracking(self, identifier: str, part: str) -> hd.sr.TrackingIdentifier:
        return hd.sr.TrackingIdentifier(uid=_uid(self.seed, self.source, part), identifier=identifier)

    # ---- image references

    def _frames(self, marks: Iterable[tuple[str, int, Mark]]) -> list[int]:
        frames = set()
        for qid, i, mark in marks:
            if mark.frame is None:
                continue
            if mark.frame >= self.n_frames:
                raise CaseFormatError(
                    f"{self.key_file}: answers.{qid}.marks[{i}].frame: frame {mark.frame} is past the "
                    f"clip's last frame ({self.n_frames - 1}, 0-based)"
                )
            frames.add(mark.frame + 1)
        return sorted(frames)

    def region_source(self, qid: str, i: int, mark: Mark) -> hd.sr.SourceImageForRegion:
        frames = self._frames([(qid, i, mark)])
        return hd.sr.SourceImageForRegion(
            self.source.SOPClassUID, self.source.SOPInstanceUID, referenced_frame_numbers=frames or None
        )

    def group_source(self, frames: list[int]) -> hd.sr.SourceImageForMeasurementGroup:
        return hd.sr.SourceImageForMeasurementGroup(
            self.source.SOPClassUID, self.source.SOPInstanceUID, referenced_frame_numbers=frames or None
        )

    # ---- groups

    def measurement_group(
        self, qid: str, a: MeasurementAnswer
    ) -> hd.sr.MeasurementsAndQualitativeEvaluations:
        ucum, meaning = _UNITS.get(a.unit, (a.unit, a.unit))
        coords = [
            hd.sr.CoordinatesForMeasurement(*_graphic(m), source_image=self.region_source(qid, i, m))
            for i, m in enumerate(a.marks)
        ]
        measurement = hd.sr.Measurement(
            name=self.question_code(qid),
            value=float(a.value),
            unit=_CODE(ucum, "UCUM", meaning),
            referenced_coordinates=coords or None,
        )
        frames = self._frames((qid, i, m) for i, m in enumerate(a.marks))
        return hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=self.tracking(qid, f"measurement:{qid}"),
            finding_type=self.question_finding(qid),
            measurements=[measurement],
            source_images=[self.group_source(frames)],
        )

    def mark_groups(
        self, qid: str, a: MarksAnswer
    ) -> list[hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations]:
        finding = self.question_finding(qid) or self.question_code(qid)
        groups = []
        for i, mark in enumerate(a.marks):
            ident = f"{qid}#{i + 1}" + (f" {mark.label}" if mark.label else "")
            region = hd.sr.ImageRegion(*_graphic(mark), source_image=self.region_source(qid, i, mark))
            groups.append(
                hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
                    tracking_identifier=self.tracking(ident, f"mark:{qid}:{i}"),
                    referenced_region=region,
                    finding_type=finding,
                    geometric_purpose=_PURPOSE[mark.type],
                )
            )
        return groups

    def findings_group(self, qid: str, a: FindingsAnswer) -> hd.sr.MeasurementsAndQualitativeEvaluations:
        evaluations = [hd.sr.QualitativeEvaluation(self.finding_code(f), _PRESENT) for f in a.present]
        evaluations += [hd.sr.QualitativeEvaluation(self.finding_code(f), _ABSENT) for f in a.absent]
        return hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=self.tracking(qid, f"findings:{qid}"),
            qualitative_evaluations=evaluations,
            source_images=[self.group_source([])],
        )


def person_name(rater: str) -> str:
    """The rater as a DICOM PN: a one-part name gets a trailing caret (family name only)."""
    name = " ".join(rater.replace("\\", "/").replace("=", "-").split())[:64]
    return name if "^" in name else f"{name}^"


def _private(value: str, meaning: str) -> hd.sr.CodedConcept:
    meaning = " ".join(meaning.split()) or value
    return _CODE(value, PRIVATE_SCHEME, meaning if len(meaning) <= 64 else meaning[:61] + "...")


def _graphic(mark: Mark) -> tuple[str, np.ndarray]:
    """(graphic type, (n, 2) DICOM pixel coordinates) of a mark: +0.5 to DICOM's pixel-corner origin."""
    pts = np.asarray(mark.points, dtype=np.float64) + 0.5
    if mark.type == "point":
        return "POINT", pts
    if mark.type in ("line", "polyline"):
        return "POLYLINE", pts
    if mark.type == "polygon":
        return "POLYLINE", np.vstack([pts, pts[:1]]) if not np.array_equal(pts[0], pts[-1]) else pts
    (x0, y0), (x1, y1) = pts  # ellipse: bounding-box corners -> major axis ends, then minor axis ends
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0) / 2, abs(y1 - y0) / 2
    horizontal = [(cx - rx, cy), (cx + rx, cy)]
    vertical = [(cx, cy - ry), (cx, cy + ry)]
    axes = horizontal + vertical if rx >= ry else vertical + horizontal
    return "ELLIPSE", np.asarray(axes, dtype=np.float64)


def _uid(seed: str, source: Dataset, part: str) -> str:
    return str(generate_uid(entropy_srcs=[seed, str(source.SOPInstanceUID), part]))


def _taxonomy(domain: str) -> Taxonomy | None:
    """The domain's taxonomy, or None (ids stand in for labels) when it cannot be loaded."""
    from imgtrainer.library.taxonomy_io import load_taxonomy

    try:
        return load_taxonomy(domain)
    except ImgTrainerError:
        return None


def _atomic_save(sr: Dataset, out: Path) -> Path:
    with atomic_output(out) as tmp:
        sr.save_as(tmp, enforce_file_format=True)
    return out
