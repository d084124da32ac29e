"""The residual-identity guard on real headers (issue 19): identity tokens come only from the
attributes that identify someone, common words never count, a token retained under the active
options is never flagged, and a quarantine reason names attributes and the rule, never a value.

Every file in ../shared/data/dicom gets planted PHI plus the traps that quarantined real files
before: a manufacturer's name in a removed Patient Comments sentence and in the institution's
name, the species description "Others", ordinary words of an Additional Patient History that
also occur in kept descriptors."""

from __future__ import annotations

import warnings
from pathlib import Path

import pydicom
import pytest
from phi_factory import TOKENS, plant_headers
from pydicom.dataset import Dataset

from imgtrainer.deid import DeidContext, deidentify_file, deidentify_tree
from imgtrainer.deid.identity import IdentityTokens, common_words

BROKEN = {"MR_truncated.dcm", "no_meta.dcm"}
BIG = {"color3d_jpeg_baseline.dcm"}
HISTORY = "No previous surgeries; notes contain nothing unusual"


def _plant(ds: Dataset) -> None:
    plant_headers(ds)
    maker = str(ds.get("Manufacturer", "") or "Acmesonic").split()[0] or "Acmesonic"
    ds.Manufacturer = ds.get("Manufacturer") or maker
    ds.InstitutionName = f"Qwertyville General {maker}"
    ds.PatientComments = f"Scanned on the {maker} unit; previous surgeries noted"
    ds.PatientSpeciesDescription = "Others"
    ds.AdditionalPatientHistory = HISTORY
    ds.StudyDescription = "Previous surgeries: abdomen, others"
    ds.ProtocolName = "Others contain previous views"
    ds.private_block(0x0009, "ACME 1.0").add_new(0x02, "LO", "Zyxwa Qwertina")


@pytest.fixture(scope="module")
def planted_import(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    src = tmp_path_factory.mktemp("id_src")
    out = tmp_path_factory.mktemp("id_out")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in sorted((shared_data / "dicom").rglob("*.dcm")):
            if p.name in BIG | BROKEN:
                continue
            ds = pydicom.dcmread(p, force=True)
            _plant(ds)
            ds.save_as(src / p.name, enforce_file_format=True)
        results = deidentify_tree([src], out, DeidContext())
    return out, results


def test_word_list_is_there() -> None:
    words = common_words()
    assert {"others", "previous", "surgeries", "contain"} <= words
    assert "philips" not in words  # proper names are capitalised in the list


def test_no_quarantine_for_ordinary_words_and_no_leak(planted_import) -> None:
    out, results = planted_import
    assert results, "no planted files"
    quarantined = {r.source.name: r.reason for r in results if r.status != "cleaned"}
    assert not quarantined
    for p in (p for p in out.rglob("*") if p.is_file()):
        raw = p.read_bytes().lower()
        assert not [t for t in TOKENS if t.lower().encode() in raw], p.name
        if p.suffix == ".dcm":
            ds = pydicom.dcmread(p)
            ds.decompress()
            assert not [t for t in TOKENS if t.encode() in ds.PixelData], p.name


def test_descriptors_keep_their_ordinary_words(planted_import) -> None:
    """Free text is removed, not mined: its words are not cut out of kept descriptors."""
    _out, results = planted_import
    ds = pydicom.dcmread(next(r.output for r in results if r.output))
    assert "previous surgeries" in str(ds.get("StudyDescription", "")).lower()
    # Clean Descriptors keeps these, cleaned of identity tokens only
    assert str(ds.get("AdditionalPatientHistory", "")) == HISTORY
    assert "zyxwa" not in str(ds.get("PatientComments", "")).lower()
    assert results[0].report["header"]["identity_sources"]
    assert "PatientComments" not in results[0].report["header"]["identity_sources"]


def test_guard_reason_names_attributes_and_rule_not_value(shared_data: Path, tmp_path: Path) -> None:
    ds = pydicom.dcmread(shared_data / "dicom/pydicom-data/US1_UNCR.dcm")
    _plant(ds)
    ds.PatientPosition = "ZYXWA"  # a CS value: kept as it is, never scrubbed
    src = tmp_path / "in.dcm"
    ds.save_as(src, enforce_file_format=True)
    res = deidentify_file(src, tmp_path / "out", DeidContext())
    assert res.status == "quarantined"
    assert "PatientName-derived token found in (0018,5100) PatientPosition" in res.reason
    assert "zyxwa" not in res.reason.lower()


def test_retained_manufacturer_is_exempt() -> None:
    ds = Dataset()
    ds.PatientName = "Zyxwa^Qwertina"
    ds.InstitutionName = "Sonomedix Clinic"
    ds.Manufacturer = "Sonomedix"
    tokens = IdentityTokens(ds, lambda e: e.keyword == "Manufacturer")
    kept = Dataset()
    kept.Manufacturer = "Sonomedix"
    kept.StationName = "SONOMEDIX-1"
    assert tokens.find(kept, lambda e: False) == []
    assert tokens.match_word("QWERTINA") == ["PatientName"]
    assert tokens.match_word("Sonomedix") == []
    assert tokens.match_word("the") == []
