"""The demo library teaches every finding: each non-distractor taxonomy finding of each application
is present in at least one shipped demo case, the library holds at least 70 cases under 30 MB, and
no two cases share a decision stem (each clip gets its own question)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from imgtrainer.library.taxonomy_io import load_taxonomy

CASES = Path(__file__).resolve().parents[2] / "cases"
DOMAINS = ("airway", "lung", "gastric", "cardiac", "fast")


@pytest.fixture(scope="module")
def library() -> list[tuple[dict, dict]]:
    if not CASES.is_dir():
        pytest.skip("no bundled demo library")
    out = []
    for folder in sorted(p for p in CASES.iterdir() if (p / "case.json").is_file()):
        out.append(
            (json.loads((folder / "case.json").read_text()), json.loads((folder / "key.json").read_text()))
        )
    return out


def test_every_finding_has_a_case_where_it_is_present(library) -> None:
    present: dict[str, set[str]] = defaultdict(set)
    for case, key in library:
        for a in key["answers"].values():
            if a.get("kind") == "findings":
                present[case["domain"]].update(a.get("present", []))
    missing = [
        f"{dom}:{f.id}"
        for dom in DOMAINS
        for f in load_taxonomy(dom, local_dir=Path("/nonexistent")).findings
        if not f.distractor and f.id not in present[dom]
    ]
    assert not missing, f"findings no demo case shows: {missing}"


def test_library_size_and_count(library) -> None:
    size_mb = sum(p.stat().st_size for p in CASES.rglob("*") if p.is_file()) / 2**20
    assert len(library) >= 70
    assert size_mb < 30, f"{size_mb:.1f} MB"


def test_each_case_has_its_own_stem(library) -> None:
    stems = Counter(case["decision"]["stem"] for case, _ in library)
    assert not [s for s, n in stems.items() if n > 1]
