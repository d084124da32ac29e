"""Bulk import of labelled datasets through the shipped POCUS mapping: the 68 rows of
../shared/data/lung/labels.csv become 68 valid cases; yes/no labels of the BLUS format map too;
unmappable cells and rows are reported, never guessed; malformed mappings name file and line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from imgtrainer.cli import main
from imgtrainer.errors import CaseFormatError
from imgtrainer.library.bulk_import import import_manifest
from imgtrainer.library.case_io import load_case, load_key
from imgtrainer.library.mapping import load_mapping
from imgtrainer.library.taxonomy_io import load_all_taxonomies
from imgtrainer.library.validate import validate_library
from imgtrainer.resources import assets_dir

MAPPING = assets_dir() / "mappings" / "pocus_dataset.toml"


@pytest.fixture(scope="module")
def taxonomies() -> dict:
    return load_all_taxonomies(local_dir=Path("/nonexistent"))


def test_lung_labels_import_into_68_valid_cases(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], taxonomies: dict
) -> None:
    labels = shared_data / "lung" / "labels.csv"
    rows = list(csv.DictReader(labels.open()))
    lib = tmp_path / "lib"
    rc = main(["import", "--manifest", str(labels), "--mapping", str(MAPPING), "--library", str(lib),
               "--root", str(shared_data), "--json", "--quiet"])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert rc == 0 and report["counts"]["imported"] == len(rows) == 68 and not report["failed"]
    assert not (lib / ".importing").exists()  # staging folders are gone
    # the import decoded every clip already; here check schema, keys vs taxonomy and checksums
    assert validate_library(lib, taxonomies, open_media=False) == []
    by_file = {load_case(p.parent).provenance.original_file: p.parent for p in lib.glob("*/case.json")}
    assert set(by_file) == {r["file"] for r in rows}
    for r in rows:
        folder = by_file[r["file"]]
        case = load_case(folder)
        key = load_key(folder)
        assert case.domain == "lung" and case.probe == r["probe"] and case.status == "pending_review"
        assert case.provenance.licence == r["licence"] and (folder / case.media[0].path).is_file()
        if "unreliable" in r["label_notes"]:  # the column-shifted row: no key, tagged
            assert key is None and "labels_unreliable" in case.tags
            continue
        findings = key.answers["findings"] if key is not None and "findings" in key.answers else None
        if r["b_lines"] in ("0", "1"):
            assert ("blines" in findings.present) == (r["b_lines"] == "1")
            assert ("blines" in findings.absent) == (r["b_lines"] == "0")
        else:  # empty: not assessed
            assert findings is None or "blines" not in findings.present + findings.absent
        if r["lung_severity_score"]:
            assert key.answers["lus_score"].value == int(r["lung_severity_score"])
    # the one unmappable cell (a URL in a 0/1 column) is reported with row and column
    assert any("column 'effusion'" in w and "does not map" in w for w in report["warnings"])
    # no generated JSON carries the dataset's column name
    assert not [p for p in lib.rglob("*.json") if "b_lines" in p.read_text()]


def test_blus_format_yes_no_and_float_scores(shared_data: Path, tmp_path: Path, taxonomies: dict) -> None:
    src = shared_data / "lung-blus" / "labels.csv"
    rows = list(csv.DictReader(src.open()))[:3]
    manifest = tmp_path / "labels.csv"
    with manifest.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    mapping = load_mapping(MAPPING, taxonomies)
    report = import_manifest(manifest, mapping, tmp_path / "lib", taxonomies, root=shared_data)
    assert len(report.imported) == 3 and not report.failed and not report.warnings
    for r, imp in zip(rows, report.imported, strict=True):
        key = load_key(Path(imp.folder))
        f = key.answers["findings"]
        assert ("blines" in f.present) == (r["b_lines"] == "yes") and ("a_lines" in f.present) == (
            r["a_lines"] == "yes"
        )
        assert key.answers["lus_score"].value == int(float(r["lung_severity_score"]))
        assert load_case(Path(imp.folder)).probe == "convex"  # "convex (Philips Lumify, per README)"
    assert validate_library(tmp_path / "lib", taxonomies) == []


def test_unmappable_cells_and_rows_are_reported(tmp_path: Path, taxonomies: dict) -> None:
    from tests.library._factory import write_dicom

    write_dicom(tmp_path / "data" / "a.dcm")
    write_dicom(tmp_path / "data" / "b.dcm")
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "file;label;score\n"
        "data/a.dcm;maybe;2\n"  # unknown label value, good score
        "data/b.dcm;1;7\n"  # good label, score off the LUS scale
        "data/missing.dcm;0;1\n"  # file not found
        ";1;1\n"  # no file
    )
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text(
        'name = "test"\ndeidentify = "none"\n[case]\ndomain = "lung"\n'
        '[[findings]]\ncolumn = "label"\nfinding = "blines"\n'
        '[[answers]]\ncolumn = "score"\nquestion = "lus_score"\nparse = "int"\n'
    )
    mapping = load_mapping(mapping_file, taxonomies)
    report = import_manifest(manifest, mapping, tmp_path / "lib", taxonomies)
    assert [Path(c.folder).name for c in report.imported] == ["a", "b"]
    assert [why.split(":")[0] for _, why in report.failed] == ["row 4", "row 5"]
    assert "file not found" in report.failed[0][1] and "empty 'file' column" in report.failed[1][1]
    assert any(w.startswith("row 2: column 'label': value 'maybe' does not map") for w in report.warnings)
    assert any(w.startswith("row 3: column 'score'") and "not on the scale" in w for w in report.warnings)
    assert load_key(tmp_path / "lib" / "a").answers["lus_score"].value == 2
    assert "findings" not in load_key(tmp_path / "lib" / "a").answers
    assert load_key(tmp_path / "lib" / "b").answers["findings"].present == ["blines"]
    assert "lus_score" not in load_key(tmp_path / "lib" / "b").answers
    (tmp_path / "m2.csv").write_text("file,score\ndata/a.dcm,1\n")  # the label column is missing
    report = import_manifest(tmp_path / "m2.csv", mapping, tmp_path / "lib2", taxonomies)
    assert (
        len(report.imported) == 1
        and "columns ['label'] named by mapping 'test' are missing" in report.warnings[0]
    )
    (tmp_path / "m3.csv").write_text("path,score\ndata/a.dcm,1\n")
    with pytest.raises(CaseFormatError, match="no 'file' column"):
        import_manifest(tmp_path / "m3.csv", mapping, tmp_path / "lib3", taxonomies)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'name = "t"\n[case]\ndomain = "lung"\n[[findings]]\ncolumn = "c"\nfinding = "bline"\n',
            "line 6: findings[0].finding: 'bline' is not a finding",
        ),
        (
            'name = "t"\n[case]\ndomain = "lung"\n[[findings]]\ncolumn = "c"\nfinding = "blines"\n[[findings]]\ncolumn = "d"\nfinding = "a_lines"\nvalues = { "1" = "maybe" }\n',
            "line 10: findings[1].values.1: Input should be 'present'",
        ),
        (
            'name = "t"\n[case]\ndomain = "lung"\n[[answers]]\ncolumn = "c"\nquestion = "b_line_marks"\n',
            "line 6: answers[0].question: 'b_line_marks' is a marks question",
        ),
        ('name = "t"\n[case]\ndomain = "liver"\n', "line 3: case.domain: Input should be"),
        ('name = "t"\ncolour = 1\n[case]\ndomain = "lung"\n', "line 2: colour: Extra inputs"),
        ('name = "t"\n[case]\ntitle = "x"\n', "case: give domain or domain_column"),
        ('name = "t"\n[case\n', "line 2 column 6: TOML syntax error"),
    ],
)
def test_malformed_mapping_names_file_and_line(
    tmp_path: Path, taxonomies: dict, text: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CaseFormatError) as err:
        load_mapping(path, taxonomies)
    assert str(err.value).startswith(str(path)) and expected in str(err.value), str(err.value)
