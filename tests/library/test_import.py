"""Importing clips: every file of ../shared/data/dicom (broken ones reported, the rest imported
as valid pending-review cases), zip and DICOMDIR sources, re-import, and the no-deid fallback."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from imgtrainer.cli import main
from imgtrainer.library.case_io import load_case
from imgtrainer.library.importer import ImportOptions, import_files
from imgtrainer.library.taxonomy_io import load_all_taxonomies
from imgtrainer.library.validate import validate_library
from tests.library._factory import write_dicom


def test_import_every_shared_dicom(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = tmp_path / "lib"
    rc = main(
        [
            "import",
            str(shared_data / "dicom"),
            "--library",
            str(lib),
            "--domain",
            "cardiac",
            "--json",
            "--quiet",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    n_files = len([p for p in (shared_data / "dicom").rglob("*") if p.is_file()])
    imported, failed, quarantined = report["imported"], report["failed"], report["quarantined"]
    assert len(imported) + len(failed) + len(quarantined) + len(report["skipped"]) == n_files
    problems = {Path(src).name for src, _ in failed + quarantined}
    assert {"MR_truncated.dcm", "no_meta.dcm"} <= problems  # the two broken files are reported
    assert len(imported) >= n_files - 4, (
        problems
    )  # everything intact is imported (deid may quarantine a little)
    assert rc == 1  # some files failed
    if quarantined:  # put aside in the per-user quarantine, with the reason
        home = Path(os.environ["IMGTRAINER_HOME"])
        assert len(list((home / "quarantine").glob("*.json"))) == len(quarantined)
    by_name = {Path(c["source"]).name: c for c in imported}
    assert by_name["color3d_jpeg_baseline.dcm"]["n_frames"] == 120
    for c in imported:
        case = load_case(Path(c["folder"]))
        assert case.status == "pending_review" and case.public is False
        assert case.provenance.deid["status"] == "cleaned"
        assert any(t.startswith("study-") for t in case.tags)
    ybr = load_case(Path(by_name["Issue16.dcm"]["folder"]))
    assert ybr.provenance.manufacturer and ybr.title != ""
    # OBXXXX1A and its RLE conversion share a study: the same study tag
    tags = [
        set(load_case(Path(by_name[n]["folder"])).tags) for n in ("OBXXXX1A.dcm", "OBXXXX1A_rle_2frame.dcm")
    ]
    assert {t for t in tags[0] if t.startswith("study-")} == {t for t in tags[1] if t.startswith("study-")}
    assert validate_library(lib, load_all_taxonomies()) == []
    # importing again adds nothing
    again = import_files(
        [shared_data / "dicom" / "orthanc-tests"], ImportOptions(library=lib, domain="cardiac")
    )
    assert len(again.imported) == 0 and len(again.skipped) == 3


def test_zip_dicomdir_and_unsafe_members(tmp_path: Path) -> None:
    src = tmp_path / "src"
    a = write_dicom(src / "a.dcm", n_frames=3)
    b = write_dicom(src / "b.dcm", n_frames=2)
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(a, "STUDY/a.dcm")
        zf.write(b, "STUDY/b.dcm")
        zf.writestr("README.txt", "notes")
        zf.writestr("../evil.dcm", b"x")
    lib = tmp_path / "lib"
    report = import_files([archive], ImportOptions(library=lib, domain="lung", deidentify=False))
    assert sorted(c.n_frames for c in report.imported) == [2, 3]
    assert [why for _, why in report.failed] == ["unsafe member path in zip (refused)"]
    assert [src for src, _ in report.skipped] == [f"{archive}:README.txt"]
    assert not (tmp_path / "evil.dcm").exists()

    # a DICOMDIR given directly imports the files it references
    from pydicom.fileset import FileSet

    fs = FileSet()
    fs.add(str(write_dicom(tmp_path / "dd_src" / "c.dcm", n_frames=4, patient="Test^Anon")))
    fs.write(tmp_path / "media")
    report = import_files(
        [tmp_path / "media" / "DICOMDIR"],
        ImportOptions(library=tmp_path / "lib2", domain="lung", deidentify=False),
    )
    assert [c.n_frames for c in report.imported] == [4] and not report.failed
    # and a folder holding a DICOMDIR is imported through it
    report = import_files(
        [tmp_path / "media"], ImportOptions(library=tmp_path / "lib3", domain="lung", deidentify=False)
    )
    assert [c.n_frames for c in report.imported] == [4]


def test_domain_is_inferred_or_the_file_fails(tmp_path: Path) -> None:
    from imgtrainer.library.importer import infer_domain

    assert infer_domain({"StudyDescription": "Echocardiogram"}) == "cardiac"
    assert infer_domain({"StudyDescription": "eFAST", "SeriesDescription": "RUQ"}) == "fast"
    assert (
        infer_domain({"StudyDescription": "Fasting status", "SeriesDescription": "gastric antrum"})
        == "gastric"
    )
    assert infer_domain({"StudyDescription": "chest and heart"}) is None  # two applications: ambiguous
    path = write_dicom(tmp_path / "x.dcm")  # StudyDescription "Lung ultrasound"
    report = import_files([path], ImportOptions(library=tmp_path / "lib", deidentify=False))
    case = load_case(Path(report.imported[0].folder))
    assert case.domain == "lung" and "application-inferred" in case.tags
    import pydicom

    ds = pydicom.dcmread(path)
    ds.StudyDescription = "Routine"
    ds.SeriesDescription = ""
    ds.save_as(tmp_path / "y.dcm")
    report = import_files([tmp_path / "y.dcm"], ImportOptions(library=tmp_path / "lib", deidentify=False))
    assert not report.imported and "application unknown" in report.failed[0][1]


def test_without_deid_patient_data_keeps_case_private(tmp_path: Path) -> None:
    path = write_dicom(tmp_path / "p.dcm", patient="Doe^Jane")
    report = import_files(
        [path, tmp_path / "missing.dcm"],
        ImportOptions(library=tmp_path / "lib", domain="lung", deidentify=False),
    )
    assert report.failed == [(str(tmp_path / "missing.dcm"), "no such file or folder")]
    case = load_case(Path(report.imported[0].folder))
    assert case.status == "pending_review" and not case.public
    assert "contains-patient-data" in case.tags and case.provenance.deid == {"status": "not_deidentified"}
    assert "Doe" not in json.dumps(case.model_dump(mode="json"))
    # importing the library into itself adds nothing
    again = import_files(
        [tmp_path / "lib"], ImportOptions(library=tmp_path / "lib", domain="lung", deidentify=False)
    )
    assert not again.imported and not again.failed
    assert {why for _, why in again.skipped} == {"already inside the target library", "not a media file"}


def test_faculty_review_approves_cleaned_media(shared_data: Path, tmp_path: Path) -> None:
    import pydicom

    from imgtrainer.errors import CaseFormatError
    from imgtrainer.library.review import review_case

    lib = tmp_path / "lib"
    report = import_files(
        [shared_data / "dicom" / "orthanc-tests" / "Issue16.dcm"],
        ImportOptions(library=lib, domain="cardiac"),
    )
    folder = Path(report.imported[0].folder)
    with pytest.raises(CaseFormatError, match="only an approved case can be public"):
        review_case(folder, "pending_review", public=True)
    case = review_case(folder, "approved", public=True, reviewer="dr-x")
    assert case.status == "approved" and case.public and case.provenance.deid["review"]["by"] == "dr-x"
    assert (
        str(pydicom.dcmread(folder / "media" / "clip.dcm", stop_before_pixels=True).BurnedInAnnotation)
        == "NO"
    )
    assert validate_library(lib, load_all_taxonomies()) == []  # checksum refreshed
