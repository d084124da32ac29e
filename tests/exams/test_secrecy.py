"""No key material in clear: a byte search of the package (raw and every member decompressed),
the candidate's session database and the whole data directory finds 0 hits, before and during
the exam."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.session import ExamSession
from imgtrainer.library.case_io import load_key
from tests.exams._cases import SECRET_EXPLANATION, SECRET_NOTE, SECRET_TEACHING, SECRET_TITLE
from tests.exams.conftest import PASS, FakeClock


def _needles(library: list[Path]) -> list[bytes]:
    """Strings only the keys (or the hidden case metadata) hold."""
    out = [SECRET_EXPLANATION, SECRET_NOTE, SECRET_TEACHING, SECRET_TITLE, "lung-secretname", "secret-tag"]
    for folder in library:
        key = load_key(folder)
        assert key is not None
        answers = key.model_dump(mode="json")["answers"]
        out.append(json.dumps(answers))
        out.append(json.dumps(answers, separators=(",", ":"), sort_keys=True))
        out.append(json.dumps(answers["findings"], separators=(",", ":"), sort_keys=True))
        out.append(f'"correct":{answers["decision"]["correct"]}')
        out.append(f'"correct": {answers["decision"]["correct"]}')
    return [n.encode() for n in out]


def _blobs(paths: list[Path]) -> list[tuple[str, bytes]]:
    """Every file's raw bytes, plus each zip member decompressed."""
    out = []
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for f in files:
            data = f.read_bytes()
            out.append((str(f), data))
            if zipfile.is_zipfile(f):
                with zipfile.ZipFile(f) as zf:
                    out += [(f"{f}!{n}", zf.read(n)) for n in zf.namelist()]
    return out


def _hits(paths: list[Path], needles: list[bytes]) -> list[str]:
    return [f"{name}: {n[:40]!r}" for name, data in _blobs(paths) for n in needles if n in data]


def test_no_key_material_in_package_db_or_data_dir(
    package: ExamPackage, library: list[Path], tmp_path: Path
) -> None:
    needles = _needles(library)
    home = tmp_path / "home"
    # the needles do exist in the source library: the search itself works
    assert _hits([library[0]], needles)
    with zipfile.ZipFile(package.path) as zf:
        names = zf.namelist()
    assert not [n for n in names if n.endswith(("key.json", "case.json")) or "/keys/" in n]
    before = _hits([package.path, home], needles) if home.exists() else _hits([package.path], needles)
    assert before == []

    clock = FakeClock()
    s = ExamSession.open(package, "cand-01", home=home, clock=clock)
    s.start(PASS)
    for i in range(len(s.order)):
        s.media_folder(i)  # media extracted for the viewer
        item = s.item(i)
        for q in item["question_set"]["questions"]:
            if q["kind"] in ("category", "decision"):
                s.answer(i, q["id"], q["options"][0]["id"])
        clock.advance(5)
        s.heartbeat()
    during = _hits([package.path, s.db_path, Path(str(s.db_path) + "-wal"), home], needles)
    assert during == [], during
    # the exam copy of a DICOM still decodes to the same pixels (only text was scrubbed)
    import pydicom

    src = pydicom.dcmread(library[0] / "media" / "clip.dcm")
    pos = s.order.index("item-001")
    copy = pydicom.dcmread(s.media_folder(pos) / "media" / "m0.dcm")
    assert (copy.pixel_array == src.pixel_array).all() and copy.SeriesDescription == ""
    s.submit()
    after = _hits([package.path, home], needles)
    assert after == [], after
    n_files = len(_blobs([package.path, home]))
    print(f"\nkey-material byte search: {len(needles)} needles x {n_files} files/members: 0 hits")
