"""assets/ and the demo library are found through importlib.resources, and case ids resolve in it."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from imgtrainer.cli import main
from imgtrainer.resources import assets_dir, demo_library_dir, project_root, taxonomy_dir

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_data_points_at_the_top_level_sources():
    # In a checkout imgtrainer/shipped-data/{assets,cases} lead to the top-level folders, which stay the
    # sources; the wheel build copies their files (test: .ci/package's smoke test of the wheel).
    assert (files("imgtrainer") / "shipped-data" / "cases").is_dir()
    assert demo_library_dir() == ROOT / "cases" == project_root() / "cases"
    assert assets_dir() == ROOT / "assets"
    assert (taxonomy_dir() / "common.toml").is_file()


def test_every_demo_case_is_listed_without_a_library_option(capsys):
    assert main(["cases", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["cases"]
    on_disk = sorted(p.parent.name for p in (ROOT / "cases").glob("*/case.json"))
    assert len(listed) == len(on_disk) > 0


def test_a_case_id_resolves_in_the_demo_library(capsys):
    assert main(["practice", "questions", "lung-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["case_id"] == "lung-01" and data["questions"]


def test_an_unknown_case_id_names_the_library_it_looked_in(capsys):
    assert main(["practice", "questions", "lung-99"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "lung-99" in err and str(ROOT / "cases") in err


def test_an_existing_folder_without_case_json_is_not_a_case(tmp_path, capsys):
    assert main(["practice", "questions", str(tmp_path)]) != 0
    assert "not a case folder (no case.json)" in capsys.readouterr().err


def test_a_checkout_is_recognised_so_demo_rebuild_may_write_cases():
    # An installed package answers False, and `demo --rebuild` then asks for --out
    # (checked on the installed wheel by .ci/smoke).
    from imgtrainer.resources import in_checkout

    assert in_checkout()
