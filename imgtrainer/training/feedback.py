"""Extra feedback computed from the case: the gastric volume and mL/kg behind the decision.

ASRA part II / Perlas: volume (mL) = 27.0 + 14.6 x RLD antral CSA (cm2) - 1.28 x age (years);
<= 1.5 mL/kg of clear fluid reads "empty", more (or solid content) reads "full". The CSA is the
key's cm2 measurement, preferring a question whose id names the right lateral decubitus (rld).
"""

from __future__ import annotations

from collections.abc import Mapping

from imgtrainer.library.gastric import EMPTY_LIMIT_ML_PER_KG, gastric_volume_ml, volume_per_kg
from imgtrainer.library.models import AnswerKey, Case, MeasurementAnswer


def _csa_question(key: AnswerKey) -> str | None:
    ids = [qid for qid, a in key.answers.items() if isinstance(a, MeasurementAnswer) and a.unit == "cm2"]
    rld = [qid for qid in ids if "rld" in qid or "lateral" in qid]
    return (rld or ids or [None])[0]


def gastric_details(case: Case, key: AnswerKey, responses: Mapping[str, object]) -> dict[str, float | str]:
    """Volume (mL) and mL/kg from the expert's CSA (and the trainee's, when measured)."""
    qid = _csa_question(key)
    age, weight = case.patient.age_years, case.patient.weight_kg
    if qid is None or age is None:
        return {}
    csa = key.answers[qid].value  # type: ignore[union-attr]
    out: dict[str, float | str] = {"csa_question": qid, "expert_csa_cm2": round(csa, 2)}
    try:
        vol = gastric_volume_ml(csa, age)
    except ValueError:
        return {}
    out["expert_volume_ml"] = round(vol, 1)
    text = f"Gastric volume = 27.0 + 14.6 × {csa:.2f} cm² − 1.28 × {age:g} y = {vol:.0f} mL"
    if weight:
        per_kg = volume_per_kg(vol, weight)
        out["expert_volume_ml_per_kg"] = round(per_kg, 2)
        side = "above" if per_kg > EMPTY_LIMIT_ML_PER_KG else "at or below"
        text += f" = {per_kg:.2f} mL/kg for {weight:g} kg ({side} the {EMPTY_LIMIT_ML_PER_KG} mL/kg limit)"
    resp = responses.get(qid)
    value = getattr(resp, "value", None)
    if isinstance(value, int | float):
        from imgtrainer.errors import ResponseFormatError
        from imgtrainer.training.responses import convert_value

        try:
            value = convert_value(float(value), getattr(resp, "unit", None) or "cm2", "cm2", qid)
        except ResponseFormatError:
            value = None
    if isinstance(value, int | float) and value >= 0:
        try:
            tv = gastric_volume_ml(float(value), age)
            out["trainee_volume_ml"] = round(tv, 1)
            if weight:
                out["trainee_volume_ml_per_kg"] = round(volume_per_kg(tv, weight), 2)
        except ValueError:
            pass
    out["text"] = text
    return out
