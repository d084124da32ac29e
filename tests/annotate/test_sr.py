"""DICOM SR (TID 1500) export of a key: read back with pydicom/highdicom and check the content."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.uid import ComprehensiveSRStorage

from imgtrainer.annotate.sr import PRIVATE_SCHEME, export_sr, person_name
from imgtrainer.cli import main
from imgtrainer.errors import CaseFormatError, ImgTrainerError
from imgtrainer.library.case_io import save_case, save_key
from imgtrainer.library.models import (
    AnswerKey,
    Case,
    FindingsAnswer,
    Mark,
    MarksAnswer,
    MeasurementAnswer,
    MediaRef,
)
from imgtrainer.media.clip import Region
from imgtrainer.media.dicom_writer import write_dicom_cine

RATER = "Doe^Jane"
WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
CALIPER = [(40.0, 20.0), (40.0, 50.0)]
BLINES = [[(30.0, 10.0), (32.0, 70.0)], [(60.0, 12.0), (58.0, 72.0)]]
POLYGON = [(10.0, 40.0), (30.0, 42.0), (28.0, 60.0), (12.0, 58.0)]


def _key(rater: str, role: str, depth: float = 2.4, bline_frame: int = 3) -> AnswerKey:
    return AnswerKey(
        case_id="sr-case-01",
        rater=rater,
        role=role,
        created_at=WHEN,
        updated_at=WHEN,
        answers={
            "effusion_depth": MeasurementAnswer(
                value=depth, unit="cm", marks=[Mark(type="line", points=CALIPER, frame=2)]
            ),
            "diaphragm_thickening_fraction": MeasurementAnswer(value=35.0, unit="percent"),
            "b_line_marks": MarksAnswer(
                marks=[Mark(type="line", points=p, frame=bline_frame, label="B-line") for p in BLINES]
            ),
            "effusion_outline": MarksAnswer(
                marks=[
                    Mark(type="polygon", points=POLYGON, frame=1),
                    Mark(type="ellipse", points=[(50.0, 30.0), (90.0, 50.0)]),
                ]
            ),
            "pleural_line_mark": MarksAnswer(marks=[Mark(type="point", points=[(5.0, 6.0)], frame=0)]),
            "findings": FindingsAnswer(present=["blines", "pleural_effusion"], absent=["lung_sliding"]),
        },
    )


@pytest.fixture
def sr_case(tmp_path: Path) -> Path:
    folder = tmp_path / "sr-case-01"
    frames = np.random.default_rng(0).integers(0, 255, (5, 80, 100), dtype=np.uint8)
    region = Region(0, 0, 99, 79, units_x="cm", units_y="cm", delta_x=0.05, delta_y=0.05)
    write_dicom_cine(folder / "media" / "clip.dcm", frames, regions=[region], uid_seed="sr-case-01")
    save_case(
        folder,
        Case(id="sr-case-01", title="SR export", domain="lung", media=[MediaRef(path="media/clip.dcm")]),
    )
    save_key(folder, _key(RATER, "rater"))
    save_key(folder, _key("adjudicator", "consensus", depth=2.6))
    return folder


def _groups(sr: hd.sr.ComprehensiveSR) -> dict[str, object]:
    groups = list(sr.content.get_planar_roi_measurement_groups())
    groups += list(sr.content.get_image_measurement_groups())
    return {g.tracking_identifier: g for g in groups}


def _frames(image_item) -> list[int]:
    ref = image_item.ReferencedSOPSequence[0]
    return [int(f) for f in np.atleast_1d(ref.get("ReferencedFrameNumber", []))]


def _scoord(item) -> tuple[str, np.ndarray, list[int], str]:
    """(graphic type, (n, 2) data, 1-based frames, referenced SOP Instance UID) of a SCOORD item."""
    src = item.ContentSequence[0]
    data = np.asarray(item.GraphicData, dtype=float).reshape(-1, 2)
    return item.GraphicType, data, _frames(src), src.ReferencedSOPSequence[0].ReferencedSOPInstanceUID


def test_sr_holds_measurements_marks_findings_and_observer(sr_case: Path, tmp_path: Path) -> None:
    out = export_sr(sr_case, tmp_path / "out" / "sr.dcm", rater=RATER)
    source = pydicom.dcmread(sr_case / "media" / "clip.dcm", stop_before_pixels=True)
    ds = pydicom.dcmread(out)
    assert ds.SOPClassUID == ComprehensiveSRStorage
    assert ds.Modality == "SR"
    assert ds.ContentTemplateSequence[0].TemplateIdentifier == "1500"
    assert ds.StudyInstanceUID == source.StudyInstanceUID
    assert ds.ContentDate == "20260304" and ds.ContentTime.startswith("050607")
    evidence = ds.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert evidence.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == source.SOPInstanceUID

    sr = hd.sr.srread(out)
    observer = sr.content.get_observer_contexts()[0]
    assert str(observer.observer_identifying_attributes.name) == RATER
    groups = _groups(sr)

    # measurement with UCUM unit and its caliper as SCOORD on frame 2 -> ReferencedFrameNumber 3
    depth = groups["effusion_depth"].get_measurements()[0]
    assert depth.value == pytest.approx(2.4)
    assert (depth.unit.value, depth.unit.scheme_designator) == ("cm", "UCUM")
    assert groups["effusion_depth"].finding_type.value == "60046008"  # SCT pleural effusion
    [coords] = depth.referenced_coordinates
    gtype, data, frames, uid = _scoord(coords)
    assert gtype == "POLYLINE" and frames == [3] and uid == source.SOPInstanceUID
    np.testing.assert_allclose(data, np.asarray(CALIPER) + 0.5)
    fraction = groups["diaphragm_thickening_fraction"].get_measurements()[0]
    assert (fraction.value, fraction.unit.value) == (pytest.approx(35.0), "%")

    # B-line lines on frame 3 -> frame number 4, private finding code, label in the tracking id
    for i, pts in enumerate(BLINES):
        g = groups[f"b_line_marks#{i + 1} B-line"]
        gtype, data, frames, uid = _scoord(g.roi)
        assert gtype == "POLYLINE" and frames == [4] and uid == source.SOPInstanceUID
        np.testing.assert_allclose(data, np.asarray(pts) + 0.5)
        assert (g.finding_type.value, g.finding_type.scheme_designator) == ("blines", PRIVATE_SCHEME)

    # polygon = closed POLYLINE on frame 1 -> 2; ellipse on every frame -> no frame number
    gtype, data, frames, _ = _scoord(groups["effusion_outline#1"].roi)
    assert gtype == "POLYLINE" and frames == [2]
    np.testing.assert_allclose(data, np.asarray([*POLYGON, POLYGON[0]]) + 0.5)
    gtype, data, frames, _ = _scoord(groups["effusion_outline#2"].roi)
    assert gtype == "ELLIPSE" and frames == []
    np.testing.assert_allclose(data, [[50.5, 40.5], [90.5, 40.5], [70.5, 30.5], [70.5, 50.5]])
    gtype, data, frames, _ = _scoord(groups["pleural_line_mark#1"].roi)
    assert gtype == "POINT" and frames == [1]
    np.testing.assert_allclose(data, [[5.5, 6.5]])

    # findings present/absent as qualitative evaluations
    evals = {e.name.value: e.value for e in groups["findings"].get_qualitative_evaluations()}
    assert evals["blines"].value == "52101004"  # SCT Present
    assert evals["60046008"].value == "52101004"
    assert evals["lung_sliding"].value == "272519000"  # SCT Absent


def test_consensus_default_and_deterministic(sr_case: Path, tmp_path: Path) -> None:
    a = export_sr(sr_case, tmp_path / "a.dcm")
    b = export_sr(sr_case, tmp_path / "b.dcm")
    assert a.read_bytes() == b.read_bytes()
    sr = hd.sr.srread(a)
    assert str(sr.content.get_observer_contexts()[0].observer_identifying_attributes.name) == "adjudicator^"
    assert _groups(sr)["effusion_depth"].get_measurements()[0].value == pytest.approx(2.6)
    rater = pydicom.dcmread(export_sr(sr_case, tmp_path / "r.dcm", rater=RATER))
    assert rater.SOPInstanceUID != pydicom.dcmread(a).SOPInstanceUID


def test_non_dicom_media_and_bad_frame_are_clear_errors(sr_case: Path, tmp_path: Path) -> None:
    save_key(sr_case, _key(RATER, "rater", bline_frame=5))  # the clip has frames 0..4
    with pytest.raises(CaseFormatError, match=r"b_line_marks\.marks\[0\]\.frame"):
        export_sr(sr_case, tmp_path / "x.dcm", rater=RATER)
    (sr_case / "media" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    save_case(
        sr_case,
        Case(id="sr-case-01", title="SR export", domain="lung", media=[MediaRef(path="media/clip.mp4")]),
    )
    with pytest.raises(ImgTrainerError, match="not DICOM"):
        export_sr(sr_case, tmp_path / "y.dcm")
    assert not (tmp_path / "y.dcm").exists()


def test_cli_export_sr(sr_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.dcm"
    assert main(["faculty", "export-sr", str(sr_case), "-o", str(out), "--rater", RATER]) == 0
    assert "DICOM SR" in capsys.readouterr().out
    assert pydicom.dcmread(out).Modality == "SR"
    assert main(["faculty", "export-sr", str(sr_case), "-o", str(out), "--rater", "nobody"]) == 1


def test_person_name() -> None:
    assert person_name("dr_smith") == "dr_smith^"
    assert person_name("Doe^Jane") == "Doe^Jane"
    assert person_name("a\\b") == "a/b^"
