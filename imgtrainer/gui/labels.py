"""Display names shared by several screens (kept import-light for a fast start)."""

DOMAIN_TITLES: dict[str, str] = {
    "airway": "Airway",
    "lung": "Lung",
    "gastric": "Gastric",
    "cardiac": "Cardiac (FoCUS)",
    "fast": "FAST",
}
