"""A trainee's scan sent from a device: the real receiver (``imgtrainer receive``) gets studies
from dcmtk's storescu; the faculty's operator table maps a calling AE title or an Operators'
Name to a trainee; ``qa claim-received`` makes their submissions once; the operator's name is
never written to the QA folder or the library."""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid

from imgtrainer.cli import main
from tests.deid.phi_factory import make_file
from tests.intake.conftest import RunningReceiver, free_port, storescu

pytestmark = pytest.mark.slow
OPERATOR = "Quaxley^Bryndis"


def _study(folder: Path, name: str, operator: str, n: int) -> list[Path]:
    study, series = generate_uid(), generate_uid()
    out = []
    for i in range(n):
        p = folder / f"{name}-{i}.dcm"
        make_file(p, kind="grey", n=1, seed=i)
        ds = pydicom.dcmread(p)
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.OperatorsName = study, series, operator
        ds.save_as(p)
        out.append(p)
    return out


def _bytes_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_device_and_operator_mapped_studies_become_submissions_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], _isolated_home: Path
) -> None:
    from imgtrainer.annotate.auth import set_faculty_password, start_faculty_session

    qa = tmp_path / "qa"
    monkeypatch.setenv("IMGTRAINER_QA_DIR", str(qa))
    assert main(["qa", "operators", "add", "--trainee", "alice", "--ae", "CARTALICE"]) != 0
    assert "faculty session" in capsys.readouterr().err
    set_faculty_password(_isolated_home, "faculty-pass")
    start_faculty_session(_isolated_home, "faculty-pass")
    assert main(["qa", "operators", "add", "--trainee", "alice", "--ae", "CARTALICE"]) == 0
    assert main(["qa", "operators", "add", "--trainee", "bob", "--operator", "quaxley ^ bryndis ", "--domain", "lung"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["qa", "operators", "list", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)["operators"]
    assert [(r["trainee"], r["ae_title"], r["domain"]) for r in table] == [("alice", "CARTALICE", None), ("bob", None, "lung")]  # fmt: skip

    sends = {
        "alice": ("CARTALICE", _study(tmp_path, "a", "Other^Person", 2)),  # mapped by AE title
        "bob": ("CARTSHARED", _study(tmp_path, "b", OPERATOR, 1)),  # mapped by Operators' Name
        None: ("CARTSHARED", _study(tmp_path, "c", "Nobody^Mapped", 1)),  # unmapped
    }
    rx = RunningReceiver(
        port=free_port(), library=tmp_path / "library", state=tmp_path / "state", log=tmp_path / "rx.jsonl",
        home=tmp_path / "rxhome", allow=["CARTSCU@127.0.0.1", "CARTALICE@127.0.0.1", "CARTSHARED@127.0.0.1"],
    )  # fmt: skip
    rx.start()
    try:
        for ae, files in sends.values():
            for f in files:
                ok, out = storescu(rx.port, f, calling=ae)
                assert ok, out
        rx.wait_processed(4)
    finally:
        rx.stop()
    assert len(list(rx.library.glob("rx-*/case.json"))) == 3

    args = ["qa", "claim-received", "--library", str(rx.library), "--settle", "0", "--json"]
    assert main(args) == 0
    claims = json.loads(capsys.readouterr().out)["claims"]
    made = {c["trainee"]: c for c in claims if c["status"] == "submitted"}
    assert set(made) == {"alice", "bob"}
    assert [c["status"] for c in claims].count("unmapped") == 1

    for trainee, (ae, files) in sends.items():
        if trainee is None:
            continue
        assert main(["qa", "list", "--trainee", trainee, "--json"]) == 0
        subs = json.loads(capsys.readouterr().out)["submissions"]
        assert [s["id"] for s in subs] == [made[trainee]["submission"]]
        assert subs[0]["status"] == "submitted" and subs[0]["reading_answers"] == 0
        assert subs[0]["views"] == len(files) and ae in subs[0]["source"]
    assert main(["qa", "show", made["bob"]["submission"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["submission"]["domain"] == "lung"

    # exactly once: claiming again creates nothing new
    before = sorted(p.name for p in qa.iterdir())
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)["claims"]
    assert not [c for c in again if c["status"] == "submitted"]
    assert sorted(p.name for p in qa.iterdir()) == before

    # the operator's name is nowhere in the QA folder or the library (raw bytes, any spelling)
    blob = _bytes_under(qa) + _bytes_under(rx.library)
    for needle in (
        b"Quaxley",
        b"QUAXLEY",
        b"quaxley",
        b"Bryndis",
        b"BRYNDIS",
        b"Nobody^Mapped",
        b"Other^Person",
    ):
        assert needle not in blob, needle

    # the trainee adds the reading; once a review is final it is refused
    sid = made["bob"]["submission"]
    reading = tmp_path / "reading.json"
    reading.write_text(json.dumps({"answers": {"indication_lung": "pneumothorax"}, "decision_note": "drain"}))
    assert main(["qa", "reading", sid, "--trainee", "alice", "--reading", str(reading)]) != 0
    assert "not a submission of alice" in capsys.readouterr().err
    assert main(["qa", "reading", sid, "--trainee", "bob", "--reading", str(reading)]) == 0
    capsys.readouterr()
    assert main(["qa", "list", "--trainee", "bob"]) == 0
    assert "reading: 1 answer(s)" in capsys.readouterr().out
    grades = tmp_path / "grades.json"
    grades.write_text(json.dumps({
        "reviewer": "dr-k", "views": [{"media": 0, "acep": 3, "view_as_claimed": True}],
        "answers": {"indication_lung": {"kind": "category", "value": "pneumothorax"}}, "feedback": "ok", "verdict": "counts",
    }))  # fmt: skip
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert main(["qa", "review", sid, "--grades", str(grades), "--db", db]) == 0
    capsys.readouterr()
    assert main(["qa", "reading", sid, "--trainee", "bob", "--reading", str(reading)]) != 0
    assert "already reviewed" in capsys.readouterr().err

    # removing a mapping
    assert main(["qa", "operators", "remove", "--operator", OPERATOR]) == 0
    assert main(["qa", "operators", "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert "bob" not in out.split('"operators"')[1]
