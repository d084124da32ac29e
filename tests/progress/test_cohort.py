"""The cohort view against a hand-built cohort of 5 trainees whose every cell is known, on both
engines: Level 2 / Level 1 counts against the ASRA minimums, status (mastered / at risk /
learning / not started), days since practice and the maintenance warning, the three weakest
findings with their sensitivity and specificity, the latest exam; JSON, CSV and PDF."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from imgtrainer.progress.cohort import build_cohort
from imgtrainer.progress.cohort_report import build_cohort_pdf, cohort_csv
from imgtrainer.progress.trainees import TraineeDirectory
from imgtrainer.store.attempt_tables import AttemptRow, FindingOutcomeRow, ScanLogRow
from imgtrainer.store.engine import make_engine
from imgtrainer.store.exam_tables import ExamResultRow

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


def _attempts(s, t, domain, scores, last_days_ago, cases=None):
    """Finished attempts one day apart, the last ``last_days_ago`` days before NOW."""
    n = len(scores)
    rows = []
    for i, sc in enumerate(scores):
        when = NOW - timedelta(days=last_days_ago + (n - 1 - i))
        row = AttemptRow(
            trainee_id=t.id,
            trainee=t.name,
            case_id=(cases[i] if cases else f"{domain}-{i:02d}"),
            domain=domain,
            mode="practice",
            status="finished",
            question_ids="[]",
            option_order="{}",
            started_at=when,
            finished_at=when,
            score=sc,
            correct=sc >= 0.8,
        )
        s.add(row)
        rows.append(row)
    s.flush()
    return rows


def _outcomes(s, t, attempt, domain, finding, counts):
    for outcome, k in counts.items():
        for _ in range(k):
            s.add(
                FindingOutcomeRow(
                    attempt_id=attempt.id,
                    trainee=t.name,
                    domain=domain,
                    question_id="findings",
                    finding=finding,
                    label=finding.replace("_", " "),
                    outcome=outcome,
                    distractor=False,
                )
            )


def _scan(s, t, domain, days_ago, supervisor=""):
    s.add(
        ScanLogRow(
            trainee_id=t.id,
            trainee=t.name,
            domain=domain,
            scan_date=(NOW - timedelta(days=days_ago)).date(),
            supervisor=supervisor,
            notes="",
            created_at=NOW,
        )
    )


def build(url: str):
    engine = make_engine(url, upgrade=True)
    d = TraineeDirectory(engine)
    ana = d.add("Ana Ruiz", NOW, group="PGY-2 2026")
    ben = d.add("Ben Cho", NOW, group="PGY-2 2026")
    cara = d.add("Cara Diaz", NOW, group="PGY-2 2026")
    ana2 = d.add("Ana Ruiz", NOW, group="PGY-1 2026")  # same name, another trainee
    dev = d.add("Dev Patel", NOW, group="PGY-2 2026")
    from imgtrainer.store.attempt_tables import TraineeRow

    with Session(engine) as s, s.begin():
        row = {t.uuid: s.get(TraineeRow, t.id) for t in (ana, ben, cara, ana2, dev)}
        # Ana: 12 correct lung cases, 10 distinct -> mastered (streak 12), Level 2 10/20
        cases = [f"lung-{i:02d}" for i in range(10)] + ["lung-00", "lung-01"]
        a = _attempts(s, row[ana.uuid], "lung", [1.0] * 12, 5, cases)
        _outcomes(s, row[ana.uuid], a[0], "lung", "blines", {"TP": 8, "FN": 2, "TN": 2})
        _scan(s, row[ana.uuid], "lung", 3, "Dr Okafor")
        _scan(s, row[ana.uuid], "lung", 4)
        # Ben: 6 failed FAST cases -> CUSUM crosses h1 -> at risk
        b = _attempts(s, row[ben.uuid], "fast", [0.2] * 6, 10)
        _outcomes(s, row[ben.uuid], b[0], "fast", "free_fluid_ruq", {"TP": 1, "FN": 3, "TN": 4, "FP": 4})
        _outcomes(s, row[ben.uuid], b[1], "fast", "free_fluid_pelvis", {"TP": 2, "FN": 2, "TN": 6})
        _outcomes(
            s, row[ben.uuid], b[2], "fast", "pericardial_effusion", {"TP": 3, "FN": 1, "TN": 9, "FP": 1}
        )
        _outcomes(s, row[ben.uuid], b[3], "fast", "free_fluid_luq", {"TP": 5, "TN": 5})
        # Cara: 3 good gastric cases, last 120 days ago -> overdue (at risk, maintenance warning)
        _attempts(s, row[cara.uuid], "gastric", [0.9, 1.0, 0.85], 120)
        # second Ana: one airway scan, no case
        _scan(s, row[ana2.uuid], "airway", 30, "Dr Okafor")
        # Dev: 20 distinct correct lung cases (minimum met), 4 cardiac cases, 2 correct -> learning
        _attempts(s, row[dev.uuid], "lung", [1.0] * 20, 2)
        _attempts(s, row[dev.uuid], "cardiac", [1.0, 0.5, 1.0, 0.5], 1)
        for k, (exam, score, days) in enumerate((("exam-a", 0.55, 40), ("exam-b", 0.85, 7))):
            s.add(
                ExamResultRow(
                    exam_id=exam,
                    exam_title=f"Exam {k}",
                    candidate=dev.uuid[:8],
                    exam_attempt=f"att-{k}",
                    trainee_id=dev.id,
                    sha256=f"{k:064x}",
                    document="{}",
                    status="submitted",
                    submitted_at=NOW - timedelta(days=days),
                    verified=True,
                    score=score,
                    passed=score >= 0.7,
                    source="collect",
                )
            )
    return engine, {"ana": ana, "ben": ben, "cara": cara, "ana2": ana2, "dev": dev}


def _app(entry, domain):
    return next(a for a in entry["applications"] if a["application"] == domain)


def test_every_cell_of_a_hand_built_cohort(db_url: str) -> None:
    engine, t = build(db_url)
    data = build_cohort(engine, NOW).to_dict()
    rows = {r["trainee_id"]: r for r in data["trainees"]}
    assert data["n_trainees"] == 5 and len(rows) == 5
    assert [r["trainee"] for r in data["trainees"]] == [
        "Ana Ruiz",
        "Ana Ruiz",
        "Ben Cho",
        "Cara Diaz",
        "Dev Patel",
    ]

    ana = rows[t["ana"].uuid]
    assert (ana["attempts"], ana["interpretation_studies"], ana["performed_studies"]) == (12, 10, 2)
    lung = _app(ana, "lung")
    assert lung["level2_interpretation"] == {"studies": 10, "minimum": 20, "met": False}
    assert lung["level1_performed"] == {
        "studies": 2,
        "supervised": 1,
        "reviewed": 0,  # both are `progress log-scan` lines: self-reported, no images
        "self_reported": 2,
        "mean_acep": None,
        "review_agreement": None,
        "median_review_days": None,
    }
    assert lung["total_studies"] == {"studies": 12, "minimum": 50, "met": False}
    assert (lung["status"], lung["mastered"], lung["streak"]) == ("mastered", True, 12)
    assert (lung["days_since_practice"], lung["maintenance_warning"]) == (3, False)  # the scan 3 days ago
    assert ana["days_since_practice"] == 3
    assert _app(ana, "cardiac")["status"] == "not started"
    [w] = ana["weakest_findings"]
    assert (w["finding"], w["sensitivity"], w["specificity"], w["n"]) == ("blines", 0.8, 1.0, 12)
    lo, hi = w["sensitivity_ci"]
    assert lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert ana["latest_exam"] is None

    ben = rows[t["ben"].uuid]
    fast = _app(ben, "fast")
    assert (ben["attempts"], fast["status"], fast["cusum"], fast["accuracy"]) == (
        6,
        "at risk",
        "unacceptable",
        0.0,
    )
    assert fast["days_since_practice"] == 10 and not fast["maintenance_warning"]
    weak = [(f["finding"], f["sensitivity"], f["specificity"]) for f in ben["weakest_findings"]]
    assert weak == [
        ("free_fluid_ruq", 0.25, 0.5),
        ("free_fluid_pelvis", 0.5, 1.0),
        ("pericardial_effusion", 0.75, 0.9),
    ]

    cara = rows[t["cara"].uuid]
    gastric = _app(cara, "gastric")
    assert (gastric["status"], gastric["maintenance_warning"], gastric["days_since_practice"]) == (
        "at risk",
        True,
        120,
    )
    assert cara["maintenance_warning"] and cara["weakest_findings"] == []

    ana2 = rows[t["ana2"].uuid]
    assert (ana2["group"], ana2["attempts"], ana2["performed_studies"]) == ("PGY-1 2026", 0, 1)
    assert {a["status"] for a in ana2["applications"]} == {"not started"}
    airway_l1 = _app(ana2, "airway")["level1_performed"]
    assert (airway_l1["studies"], airway_l1["supervised"], airway_l1["self_reported"]) == (1, 1, 1)

    dev = rows[t["dev"].uuid]
    assert (dev["attempts"], dev["interpretation_studies"]) == (24, 24)
    assert _app(dev, "lung")["level2_interpretation"]["met"] is True
    assert _app(dev, "lung")["status"] == "mastered"
    card = _app(dev, "cardiac")
    assert (card["status"], card["accuracy"], card["level2_interpretation"]["minimum"]) == (
        "learning",
        0.5,
        100,
    )
    assert (dev["latest_exam"]["exam_id"], dev["latest_exam"]["score"], dev["latest_exam"]["passed"]) == (
        "exam-b",
        0.85,
        True,
    )

    group = build_cohort(engine, NOW, group="PGY-1 2026").to_dict()
    assert [r["trainee_id"] for r in group["trainees"]] == [t["ana2"].uuid]

    rows_csv = list(csv.DictReader(cohort_csv(build_cohort(engine, NOW)).splitlines()))
    assert len(rows_csv) == 25
    r = next(x for x in rows_csv if x["trainee_id"] == t["ben"].uuid and x["application"] == "fast")
    assert (r["level2_studies"], r["status"], r["days_since_practice"]) == ("6", "at risk", "10")
    assert "free_fluid_ruq sens 25% spec 50%" in r["weakest_findings"]
    engine.dispose()


def test_cohort_cli_json_csv_pdf(tmp_path: Path, pg_server) -> None:
    url = pg_server.fresh_database()
    engine, _t = build(url)
    engine.dispose()
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "imgtrainer",
            "cohort",
            "--db",
            url,
            "--json",
            "--csv",
            str(tmp_path / "c.csv"),
            "--pdf",
            str(tmp_path / "c.pdf"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert {r["trainee"]: r["attempts"] for r in data["trainees"] if r["trainee"] != "Ana Ruiz"} == {
        "Ben Cho": 6,
        "Cara Diaz": 3,
        "Dev Patel": 24,
    }
    info = subprocess.run(["pdfinfo", str(tmp_path / "c.pdf")], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+6\n", info), info  # the group summary + one page per trainee
    assert len((tmp_path / "c.csv").read_text().splitlines()) == 26


def test_pdf_text_names_every_trainee(tmp_path: Path) -> None:
    engine, _ = build(f"sqlite:///{tmp_path / 's.sqlite'}")
    pdf = build_cohort_pdf(build_cohort(engine, NOW), compress=False)
    for name in ("Ana Ruiz", "Ben Cho", "Cara Diaz", "Dev Patel", "OVERDUE", "at risk", "mastered"):
        assert name.encode() in pdf
    assert date(2026, 6, 1).isoformat().encode() in pdf
