"""Display names shared by several screens (kept import-light for a fast start)."""

from imgtrainer.training.blind import case_label, names_application, neutral_context

__all__ = ["DOMAIN_TITLES", "PROBE_TITLES", "case_label", "names_application", "neutral_context"]

DOMAIN_TITLES: dict[str, str] = {
    "airway": "Airway",
    "lung": "Lung",
    "gastric": "Gastric",
    "cardiac": "Cardiac (FoCUS)",
    "fast": "FAST",
}


PROBE_TITLES: dict[str, str] = {
    "linear": "linear probe",
    "convex": "convex probe",
    "phased": "phased array",
    "unknown": "probe unknown",
}
