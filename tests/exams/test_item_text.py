"""Exam items give no application away before question 1 ("Which application?") is answered:
what a candidate sees then (clinical context and the visible questions) names no application."""

from __future__ import annotations

import re

import pytest

from imgtrainer.exams.build import build_package
from imgtrainer.exams.crypto import MIN_N
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.placement import APPLICATION_QUESTION, visible_questions
from imgtrainer.exams.settings import ExamSettings
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.resources import demo_library_dir
from imgtrainer.training.blind import names_application

# an application named outright ("lung ultrasound", "this cardiac scan", "FAST"): the clinical
# story may mention organs (that is what question 1 asks the candidate to reason from)
_US = r"\s+(?:\w+\s+)?(?:ultrasound|scan|sonograph|POCUS|examination)"
NAMES = {
    "lung": rf"\b(?:lung|pleural?){_US}",
    "cardiac": rf"\b(?:cardiac|heart){_US}|\bFoCUS\b|echocardiog",
    "airway": rf"\b(?:airway|neck){_US}",
    "gastric": rf"\b(?:gastric|stomach|antral?){_US}",
    "fast": r"\be?FAST\b",
}


def _text(q: dict) -> list[str]:
    out = [q.get("prompt", ""), q.get("help", "") or ""]
    if q["id"] != APPLICATION_QUESTION:  # question 1 lists every application by design
        out += [o.get("label", "") for o in q.get("options", [])]
        out += [f.get("label", "") for f in q.get("findings", [])]
    return out


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> ExamPackage:
    cases = sorted(demo_library_dir().glob("*-0[12]"))
    out = tmp_path_factory.mktemp("exam") / "all.itexam"
    build_package(cases, out, "proctor pass", ExamSettings(), kdf_n=MIN_N)
    return ExamPackage.open(out)


def test_no_application_name_before_question_one(package: ExamPackage) -> None:
    leaks = []
    domains = {}
    for item in package.items:
        qs = item["question_set"]
        shown = visible_questions(item, set())
        assert [q["id"] for q in shown] == [APPLICATION_QUESTION], item["item_id"]
        case = item["case"]
        text = " ".join(
            [
                case.get("indication", ""),
                case["patient"].get("clinical_context", ""),
                qs.get("indication", ""),
            ]
            + [t for q in shown for t in _text(q)]
        )
        for domain, pattern in NAMES.items():
            if re.search(pattern, text, 0 if domain == "fast" else re.IGNORECASE):
                leaks.append(f"{item['item_id']}: names {domain}: {text[:160]!r}")
        domains[item["item_id"]] = len(qs["questions"])
    assert not leaks, "\n".join(leaks)
    assert len(domains) >= 10
    # once question 1 is answered, every question is shown
    item = package.items[0]
    assert len(visible_questions(item, {APPLICATION_QUESTION})) == len(item["question_set"]["questions"])


@pytest.mark.parametrize("domain", ["airway", "cardiac", "fast", "gastric", "lung"])
def test_indication_questions_do_not_name_the_application(domain: str) -> None:
    """Question 2 (the indication) is worded without the application's name, so that even a
    screen that shows it beside question 1 gives nothing away."""
    tax = load_taxonomy(domain)
    for q in tax.questions:
        if q.step == "indication" and q.id != APPLICATION_QUESTION:
            assert not names_application(q.prompt), (q.id, q.prompt)
