"""What a trainee sees of a case before submitting: neutral label, context without the application."""

from __future__ import annotations

from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.training.blind import case_label, names_application, neutral_context
from imgtrainer.training.questions import build_question_set
from tests.training._cases import lung_case


def test_case_label_is_stable_short_and_neutral() -> None:
    assert case_label("lung-ptx-01") == case_label("lung-ptx-01") != case_label("lung-ptx-02")
    assert "ptx" not in case_label("lung-ptx-01") and len(case_label("x")) == len("Case 000000")


def test_indications_naming_an_application_are_held_back() -> None:
    for text in (
        "Lung ultrasound at the bedside.",
        "FAST examination for free fluid after trauma.",
        "Focused cardiac ultrasound (FoCUS).",
        "Point-of-care gastric ultrasound.",
        "Airway ultrasound with a linear probe.",
    ):
        assert names_application(text), text
    assert not names_application("Breathing fast after surgery; focus on oxygenation.")
    assert neutral_context("Breathless after surgery.", "Lung ultrasound.") == "Breathless after surgery."
    assert neutral_context("", "Lung ultrasound.") == ""
    assert neutral_context("", "Hypotension after induction.") == "Hypotension after induction."


def test_question_set_context_does_not_answer_the_application_question() -> None:
    case, key = lung_case()
    case = case.model_copy(
        update={
            "indication": "Lung ultrasound at the bedside.",
            "patient": case.patient.model_copy(update={"clinical_context": "Breathless after surgery."}),
        }
    )
    qset = build_question_set(case, key, load_taxonomy("lung"))
    assert "application" in qset.ids and qset.indication == "Breathless after surgery."
    assert "lung" not in str(qset.candidate_dict()["indication"]).lower()
