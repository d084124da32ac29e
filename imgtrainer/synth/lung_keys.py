"""The lung demo cases' answer keys, built from what the lung renderer drew (``LungTruth``)."""

from __future__ import annotations

from imgtrainer.library.models import Answer
from imgtrainer.synth import keys as k
from imgtrainer.synth.demo_case import Rendered
from imgtrainer.synth.lung import LungParams, LungTruth, render_lung_clip

ALL_FINDINGS = [
    "pleural_line", "lung_sliding", "lung_point", "a_lines", "blines", "confluent_blines", "z_lines",
    "pleural_effusion", "spine_sign", "consolidation", "air_bronchogram", "pleural_irregularity",
    "lung_pulse", "seashore_sign", "barcode_sign", "sinusoid_sign", "curtain_sign", "paradoxical_diaphragm",
]  # fmt: skip


def not_assessed(p: LungParams) -> set[str]:
    """Findings a teacher would not call absent in this clip (not decidable from it).

    Every lung view shows the pleural line, so every other finding is called present or absent
    (the effusion view included: no B-lines, A-lines or Z-lines are drawn there), and which
    questions a case asks never depends on its findings. With a lung point, "lung sliding" is
    neither present nor absent throughout, so it is left out of the findings list (the lung sliding
    question answers "lung point").
    """
    if p.sliding == "lung_point":
        # an M-mode line shows the seashore or the barcode depending on where it is put
        return {"lung_sliding", "seashore_sign", "barcode_sign"}
    if p.lung_pulse:
        return {"barcode_sign"}  # M-mode shows the pulse bands across the barcode
    return set()


def _sliding(t: LungTruth) -> str:
    """Sliding as drawn: seen in every frame, in none, or alternating (lung point)."""
    n = len(t.sliding_frames)
    frames = max(n, sum(b - a + 1 for a, b in t.no_sliding_ranges) + n)
    return "present" if n == frames and n else "absent" if n == 0 else "lung_point"


def renderer(p: LungParams):
    def run(seed: int) -> Rendered:
        frames, truth = render_lung_clip(p, seed)
        return Rendered(frames, p.fps, truth.probe, truth)

    return run


def answers(p: LungParams, view: str, indication: str, acep: int = 4, improve: str = "nothing"):
    def build(out: Rendered) -> dict[str, Answer]:
        t: LungTruth = out.truth  # type: ignore[assignment]
        n_bl = max((len(x) for x in t.blines_x_px), default=0)
        # the effusion renderer has no sliding parameter: read what it drew
        sliding = _sliding(t) if p.effusion_cm else p.sliding
        present = ["pleural_line"]
        if sliding == "present":
            present.append("lung_sliding")
            if not p.effusion_cm:
                present.append("seashore_sign")
        if sliding == "absent" and not p.effusion_cm:
            present.append("lung_pulse" if p.lung_pulse else "barcode_sign")
        if sliding == "lung_point":
            present.append("lung_point")
        if p.a_lines and not p.confluent and not p.effusion_cm:
            present.append("a_lines")
        if n_bl >= 3 and not p.confluent:
            present.append("blines")
        if p.confluent:
            present += ["blines", "confluent_blines"]
        if p.n_zlines:
            present.append("z_lines")
        if p.effusion_cm:
            present += ["pleural_effusion", "spine_sign", "consolidation", "sinusoid_sign"]
        if p.diaphragm:
            present.append("curtain_sign" if p.diaphragm == "normal" else "paradoxical_diaphragm")
        if p.consolidation:
            present += ["consolidation", "air_bronchogram", "pleural_irregularity"]
        a: dict[str, Answer] = {
            "indication_lung": k.cat(indication),
            "view": k.cat(view),
            "acep_quality": k.ordinal(acep),
            "improve_image": k.cat(improve),
            "findings": k.findings(present, [f for f in ALL_FINDINGS if f not in not_assessed(p)]),
        }
        if p.effusion_cm:
            a["effusion_depth"] = k.measure(
                t.effusion_depth_cm, "cm", 0.2, [k.line(*t.effusion_caliper_px, label="effusion depth")]
            )
            a["effusion_outline"] = k.marks([k.polygon(t.effusion_polygon_px, "effusion")], 25.0)
            # the lung floats in the fluid and moves with each breath (drawn in every frame); with
            # fluid between the pleurae no sliding is seen at the parietal line, so accept "absent"
            a["lung_sliding"] = k.cat(
                sliding, "absent", note="lung moves with breathing in the fluid; no pleural contact"
            )
        else:
            a["lung_sliding"] = k.cat(sliding)
        a["b_line_count"] = k.count(n_bl, 1 if n_bl < 6 else 3)
        compressed = bool(p.effusion_cm)  # compressed (atelectatic) lung in the fluid: consolidated
        lus = 3 if p.consolidation or compressed else 2 if p.confluent else 1 if n_bl >= 3 else 0
        a["lus_score"] = k.ordinal(lus)
        a["pleural_line_mark"] = k.marks([k.line(*t.pleural_line_px, label="pleural line")], 15.0)
        if n_bl:
            # confluent B-lines: the drawn lines merge, so mark them with a wider tolerance
            a["b_line_marks"] = k.marks(
                [k.line(*m, label="B-line", frame=t.blines_marks_frame) for m in t.blines_marks_px],
                35.0 if p.confluent else 20.0,
                note="confluent: lines of the drawn B-lines; they merge on screen" if p.confluent else "",
            )
        if p.diaphragm:
            lo, hi = t.diaphragm_frames
            a["diaphragm_excursion"] = k.measure(
                t.diaphragm_excursion_cm,
                "cm",
                0.25,
                [k.line(*t.diaphragm_caliper_px, label="diaphragm travel")],
                note=f"between frames {lo} and {hi}"
                + (
                    "; the dome moves cranially on the sniff (paradoxical)"
                    if p.diaphragm == "paradoxical"
                    else ""
                ),
            )
        if sliding == "lung_point":
            a["lung_point_frames"] = k.frame_ranges(
                t.no_sliding_ranges, "frames where no sliding is seen anywhere"
            )
        return a

    return build
