"""Which questions a demo case asks must not hint at its answer.

Within an application, every demo case whose view can show a finding calls it present or absent,
and the view-independent questions are answered in every case. So the question ids a case asks
may depend on its view (the view question is asked first and is itself to be identified) but
never on the findings present. Checked on the shipped demo library (``cases/``), whose keys the
synth catalogue builds from what the renderer drew.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from imgtrainer.library.case_io import load_case, load_key
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.synth.demo_library import all_demo_cases
from imgtrainer.training.questions import build_question_set, effective_key

CASES = Path(__file__).resolve().parents[2] / "cases"
COMMON = {"application", "view", "acep_quality", "improve_image", "findings", "decision"}
ALWAYS: dict[str, set[str]] = {
    "lung": {
        "indication_lung",
        "lung_sliding",
        "lus_score",
        "b_line_count",
        "b_line_marks",
        "pleural_line_mark",
    },
    "airway": {
        "indication_airway",
        "tube_position",
        "ctm_mark",
        "ctm_depth",
        "structure_marks",
        "tube_frames",
    },
    "cardiac": {"indication_cardiac", "rv_size", "effusion_outline"},
    "gastric": {"indication_gastric", "gastric_volume", "volume_per_kg", "perlas_grade", "antral_csa"},
    "fast": {"indication_fast", "view_adequacy", "free_fluid", "fluid_outline"},
}
"""Questions every case of the application must ask, whatever its view and findings."""


def _question_sets() -> list[tuple[str, str, str, list[str], dict]]:
    """(domain, view, case id, asked ids, effective key) of every demo case in ``cases/``."""
    out = []
    taxonomies: dict = {}
    for folder in sorted(p for p in CASES.iterdir() if (p / "case.json").is_file()):
        case, key = load_case(folder), load_key(folder)
        assert key is not None, f"{folder.name}: no key.json"
        tax = taxonomies.setdefault(case.domain, load_taxonomy(case.domain))
        qs = build_question_set(case, key, tax)
        view = key.answers["view"].value  # type: ignore[union-attr]
        out.append((case.domain, view, case.id, qs.ids, effective_key(case, key, tax.questions)))
    return out


@pytest.fixture(scope="module")
def question_sets() -> list[tuple[str, str, str, list[str], dict]]:
    if not CASES.is_dir():
        pytest.skip("no bundled demo library")
    return _question_sets()


def test_library_is_the_catalogue(question_sets) -> None:
    assert sorted(cid for *_, cid, _, _ in question_sets) == sorted(d.id for d in all_demo_cases())


def test_within_a_view_every_case_asks_the_same_questions(question_sets) -> None:
    groups: dict[tuple[str, str], dict[str, tuple[str, ...]]] = defaultdict(dict)
    for domain, view, cid, ids, _ in question_sets:
        groups[(domain, view)][cid] = tuple(ids)
    for (domain, view), by_case in groups.items():
        distinct = set(by_case.values())
        assert len(distinct) == 1, f"{domain}/{view}: question sets differ by case: {by_case}"


def test_view_independent_questions_are_asked_in_every_case(question_sets) -> None:
    for domain, _, cid, ids, _ in question_sets:
        missing = (COMMON | ALWAYS[domain]) - set(ids)
        assert not missing, f"{cid}: does not ask {sorted(missing)}"


def test_every_asked_question_is_scored(question_sets) -> None:
    """No 'present but not keyed' question: each asked id has an explicit or implied answer."""
    for _, _, cid, ids, answers in question_sets:
        unscored = [q for q in ids if q not in answers]
        assert not unscored, f"{cid}: asked but not keyed: {unscored}"


def test_questions_differ_across_views_only_where_the_view_needs_it(question_sets) -> None:
    """Across views of one application, only view-specific questions may come and go."""
    view_specific = {
        "lung": {"diaphragm_excursion"},  # measured in the diaphragm (zone of apposition) view only
        "cardiac": {
            "lv_size", "lv_function", "pericardial_effusion_size", "tamponade",
            "ivc_diameter", "ivc_collapsibility", "ivc_assessment", "ivc_frames",
        },
    }  # fmt: skip
    by_domain: dict[str, list[set[str]]] = defaultdict(list)
    for domain, _, _, ids, _ in question_sets:
        by_domain[domain].append(set(ids))
    for domain, sets in by_domain.items():
        varying = set.union(*sets) - set.intersection(*sets)
        assert varying <= view_specific.get(domain, set()), f"{domain}: {sorted(varying)} vary"
