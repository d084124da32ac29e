"""The demo command lists the catalogue and refuses to run without --rebuild."""

from __future__ import annotations

import json

from imgtrainer.cli import main


def test_demo_list_json(capsys):
    assert main(["demo", "--list", "--json"]) == 0
    cases = json.loads(capsys.readouterr().out)["cases"]
    assert len(cases) >= 30
    assert {c["domain"] for c in cases} == {"airway", "lung", "gastric", "cardiac", "fast"}


def test_demo_without_rebuild_is_a_clean_error(capsys):
    assert main(["demo"]) == 2
    assert "--rebuild" in capsys.readouterr().err
