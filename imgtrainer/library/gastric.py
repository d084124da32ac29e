"""Gastric ultrasound arithmetic (ASRA part II, Table 6; Perlas et al.).

Gastric volume from the antral cross-sectional area measured in the right lateral decubitus
(RLD) position: ``volume (mL) = 27.0 + 14.6 x CSA(cm2) - 1.28 x age(years)``, validated in
adults (18-85 years, BMI < 40). A volume of at most 1.5 mL/kg of clear fluid is consistent with
an "empty" (baseline) stomach; solid content, or clear fluid above 1.5 mL/kg, reads "full"
(increased aspiration risk). Pure functions; educational use only.
"""

from __future__ import annotations

from typing import Literal

EMPTY_LIMIT_ML_PER_KG = 1.5
"""Clear-fluid volume at or below this (mL/kg) is consistent with an empty stomach."""

Content = Literal["empty", "clear_fluid", "solid"]
Risk = Literal["low", "high", "indeterminate"]


def gastric_volume_ml(csa_cm2: float, age_years: float) -> float:
    """Gastric fluid volume (mL) from the RLD antral CSA (cm2) and age (years); never below 0.

    >>> round(gastric_volume_ml(10.0, 40.0), 1)
    121.8
    >>> gastric_volume_ml(0.5, 85.0)
    0.0
    """
    if csa_cm2 < 0:
        raise ValueError(f"antral CSA must be >= 0 cm2, got {csa_cm2}")
    if not 0 <= age_years <= 120:
        raise ValueError(f"age must be 0-120 years, got {age_years}")
    return max(0.0, 27.0 + 14.6 * csa_cm2 - 1.28 * age_years)


def volume_per_kg(volume_ml: float, weight_kg: float) -> float:
    """Volume normalised to body weight (mL/kg)."""
    if weight_kg <= 0:
        raise ValueError(f"weight must be > 0 kg, got {weight_kg}")
    return volume_ml / weight_kg


def aspiration_risk(
    content: Content,
    volume_ml: float | None = None,
    weight_kg: float | None = None,
) -> Risk:
    """Aspiration-risk reading of a gastric scan.

    Solid content reads high risk whatever the volume. An empty antrum reads low. Clear fluid
    reads low at <= 1.5 mL/kg and high above; without volume and weight it is indeterminate.

    >>> aspiration_risk("solid")
    'high'
    >>> aspiration_risk("clear_fluid", 60.0, 70.0)
    'low'
    >>> aspiration_risk("clear_fluid", 150.0, 70.0)
    'high'
    """
    if content == "solid":
        return "high"
    if content == "empty":
        return "low"
    if content != "clear_fluid":
        raise ValueError(f"content must be empty, clear_fluid or solid, got {content!r}")
    if volume_ml is None or weight_kg is None:
        return "indeterminate"
    return "low" if volume_per_kg(volume_ml, weight_kg) <= EMPTY_LIMIT_ML_PER_KG else "high"


def stomach_reading(content: Content, volume_ml: float | None = None, weight_kg: float | None = None) -> str:
    """ "empty" (low risk), "full" (high risk) or "indeterminate", as ASRA words it."""
    risk = aspiration_risk(content, volume_ml, weight_kg)
    return {"low": "empty", "high": "full"}.get(risk, "indeterminate")


def perlas_grade(fluid_supine: bool, fluid_rld: bool) -> int:
    """Perlas antral grade: 0 no fluid in either position, 1 fluid only in RLD, 2 in both.

    Grade 0 and 1 usually mean a low volume (<= 1.5 mL/kg); grade 2 usually a high one.
    """
    if fluid_supine:
        return 2
    return 1 if fluid_rld else 0
