"""`imgtrainer progress` and `progress log-scan` in-process, and the PDF portfolio."""

from __future__ import annotations

import json
from datetime import timedelta

from imgtrainer.cli import main
from imgtrainer.progress.logbook import build_logbook
from imgtrainer.progress.report import build_portfolio, write_portfolio
from tests.progress._sim import T0, FakeScan, simulate, simulate_findings


def test_log_scan_and_report(tmp_path, capsys, db_url):
    db = db_url
    assert (
        main(
            [
                "progress",
                "log-scan",
                "--trainee",
                "fay",
                "--domain",
                "lung",
                "--date",
                "2026-01-02",
                "--supervisor",
                "Dr Y",
                "--db",
                db,
            ]
        )
        == 0
    )
    assert "scan #1" in capsys.readouterr().out
    assert main(["progress", "log-scan", "--trainee", "fay", "--domain", "lung", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bedside_scans"] == 2
    pdf = tmp_path / "fay.pdf"
    assert main(["progress", "--trainee", "fay", "--db", db, "--pdf", str(pdf)]) == 0
    out = capsys.readouterr().out
    assert "lung" in out and pdf.read_bytes().startswith(b"%PDF")
    assert main(["progress", "--trainee", "nobody", "--db", db]) == 1
    assert "no trainee 'nobody'" in capsys.readouterr().err
    assert (
        main(
            [
                "progress",
                "log-scan",
                "--trainee",
                "fay",
                "--domain",
                "lung",
                "--date",
                "2026-13-01",
                "--db",
                db,
            ]
        )
        == 2  # usage errors (README rule): a bad option value
    )
    assert main(["progress", "--trainee", "fay", "--db", db, "--p0", "0.5", "--p1", "0.2"]) == 2
    assert "p0 < p1" in capsys.readouterr().err


def test_portfolio_content(tmp_path):
    atts = simulate("lung", 40, 0.05, 1) + simulate("cardiac", 5, 0.5, 2, start=T0 - timedelta(days=300))
    book = build_logbook(
        "Gil",
        atts,
        [FakeScan("lung", T0.date(), "Dr Z")],
        simulate_findings("lung", "blines", 20, 0.9, 0.8, 1),
        T0 + timedelta(days=20),
    )
    raw = build_portfolio(book, compress=False)
    for text in (
        b"POCUS competency portfolio",
        b"Trainee: Gil",
        b"Logbook against ASRA minimums",
        b"Learning curves",
        b"Accuracy by finding",
        b"Programme director",
        b"Educational use only, not for diagnosis.",
        b"Maintenance: Cardiac",
    ):
        assert text in raw, text
    assert raw.count(b"/Subtype /Image") == 2  # one curve per practised application
    path = write_portfolio(book, tmp_path / "p.pdf")
    assert path.read_bytes()[:4] == b"%PDF" and not list(tmp_path.glob(".*.tmp"))


def test_portfolio_curves_match_the_cli_and_show_the_latest_case(tmp_path, capsys):
    """The PDF's learning curves end at the latest attempt (the value the CLI and the GUI show),
    inside the axes, and the PDF states each application's CUSUM status."""
    import subprocess

    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.progress.logbook import logbook_for
    from imgtrainer.progress.report import curve_series
    from imgtrainer.resources import demo_library_dir
    from imgtrainer.store.engine import make_engine

    db = str(tmp_path / "p.sqlite")
    wrong = tmp_path / "wrong.json"
    wrong.write_text("{}")  # nothing answered: a failure
    case = demo_library_dir() / "airway-01"
    args = ["practice", "score", str(case), "--answers", str(wrong), "--trainee", "hal", "--db", db]
    assert main(args) == 0
    capsys.readouterr()
    pdf = tmp_path / "hal.pdf"
    assert main(["progress", "--trainee", "hal", "--db", db, "--json", "--pdf", str(pdf)]) == 0
    cli = {d["domain"]: d for d in json.loads(capsys.readouterr().out)["domains"]}
    book = logbook_for(AttemptStore(make_engine(db)), "hal", T0 + timedelta(days=400))
    airway = next(d for d in book.domains if d.domain == "airway")
    series = curve_series(airway)
    assert series["cusum"][1:] == cli["airway"]["cusum"]["values"] and series["cusum"][-1] > 0.8
    assert series["lc_cusum"][1:] == cli["airway"]["lc_cusum"]["values"]
    assert series["x"][-1] == 1 and series["xlim"][1] > series["x"][-1]  # the latest case is drawn
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert f"CUSUM {cli['airway']['cusum']['values'][-1]:+.2f}" in text
    assert cli["airway"]["cusum"]["status"] in text
