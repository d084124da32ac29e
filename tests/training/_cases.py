"""Test cases and keys built from the models (no media needed for questions and scoring)."""

from __future__ import annotations

from pathlib import Path

from imgtrainer.library.models import (
    AnswerKey,
    Case,
    CategoryAnswer,
    CountAnswer,
    DecisionAnswer,
    DecisionQuestion,
    FindingsAnswer,
    FrameRangesAnswer,
    Mark,
    MarksAnswer,
    MeasurementAnswer,
    MediaRef,
    OrdinalAnswer,
)


def lung_case(case_id: str = "lung-test-01", difficulty: int = 2) -> tuple[Case, AnswerKey]:
    case = Case(
        public=True,  # approved and shared: passes the review gate
        id=case_id,
        title="Dyspnoea after surgery",
        domain="lung",
        media=[MediaRef(path="media/clip.dcm")],
        indication="Post-operative hypoxia",
        difficulty=difficulty,
        teaching_points=["Three or more B-lines per space mean interstitial syndrome."],
        decision=DecisionQuestion(
            stem="What is the most likely cause?",
            options=["Pneumothorax", "Interstitial oedema", "Normal lung", "Large effusion"],
        ),
    )
    key = AnswerKey(
        case_id=case_id,
        rater="expert",
        answers={
            "indication_lung": CategoryAnswer(value="interstitial_syndrome"),
            "view": CategoryAnswer(value="anterior_upper_blue", acceptable=["anterior_lower_blue"]),
            "acep_quality": OrdinalAnswer(value=4),
            "findings": FindingsAnswer(
                present=["pleural_line", "lung_sliding", "blines"],
                absent=["a_lines", "z_lines", "lung_point", "pleural_effusion"],
            ),
            "b_line_count": CountAnswer(value=4, tolerance=1),
            "lung_sliding": CategoryAnswer(value="present"),
            "lus_score": OrdinalAnswer(value=1),
            "b_line_marks": MarksAnswer(
                marks=[
                    Mark(type="line", points=[(100, 50), (110, 400)], frame=3),
                    Mark(type="line", points=[(200, 50), (205, 400)], frame=3),
                ]
            ),
            "lung_point_frames": FrameRangesAnswer(ranges=[(10, 19)]),
            "effusion_outline": MarksAnswer(
                marks=[Mark(type="polygon", points=[(50, 50), (150, 50), (150, 150), (50, 150)])]
            ),
            "effusion_depth": MeasurementAnswer(value=2.0, unit="cm", tolerance_rel=0.1),
            "decision": DecisionAnswer(correct=1, explanation="B-lines with sliding: interstitial syndrome."),
        },
    )
    return case, key


def perfect_answers(key: AnswerKey, case: Case) -> dict:
    a = key.answers
    return {
        "application": case.domain,
        "indication_lung": a["indication_lung"].value,
        "view": a["view"].value,
        "acep_quality": a["acep_quality"].value,
        "findings": list(a["findings"].present),
        "b_line_count": a["b_line_count"].value,
        "lung_sliding": a["lung_sliding"].value,
        "lus_score": a["lus_score"].value,
        "b_line_marks": [m.model_dump(mode="json") for m in a["b_line_marks"].marks],
        "lung_point_frames": [list(r) for r in a["lung_point_frames"].ranges],
        "effusion_outline": [m.model_dump(mode="json") for m in a["effusion_outline"].marks],
        "effusion_depth": {"value": 20.0, "unit": "mm"},
        "decision": a["decision"].correct,
    }


def write_case(folder: Path, case: Case, key: AnswerKey) -> Path:
    """case.json + key.json in ``folder`` (media not written: questions/scoring need none)."""
    from imgtrainer.library.case_io import save_case, save_key

    folder.mkdir(parents=True, exist_ok=True)
    save_case(folder, case)
    save_key(folder, key)
    return folder
