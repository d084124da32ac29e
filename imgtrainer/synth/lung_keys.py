"""The lung demo cases' answer keys, built from what the lung renderer drew (``LungTruth``)."""

from __future__ import annotations

from imgtrainer.library.models import Answer
from imgtrainer.synth import keys as k
from imgtrainer.synth.demo_library import Rendered
from imgtrainer.synth.lung import LungParams, LungTruth, render_lung_clip

ALL_FINDINGS = [
    "pleural_line", "lung_sliding", "lung_point", "a_lines", "blines", "confluent_blines", "z_lines",
    "pleural_effusion", "spine_sign", "consolidation", "air_bronchogram", "pleural_irregularity",
]  # fmt: skip


def not_assessed(p: LungParams) -> set[str]:
    """Findings a teacher would not call absent in this clip (partly seen, or not looked for)."""
    if p.effusion_cm:
        return {
            "lung_sliding",
            "lung_point",
            "a_lines",
            "blines",
            "confluent_blines",
            "z_lines",
            "air_bronchogram",
            "pleural_irregularity",
        }
    if p.sliding == "lung_point":
        return {"lung_sliding"}
    return set()


def renderer(p: LungParams):
    def run(seed: int) -> Rendered:
        frames, truth = render_lung_clip(p, seed)
        return Rendered(frames, p.fps, truth.probe, truth)

    return run


def answers(p: LungParams, view: str, indication: str, acep: int = 4, improve: str = "nothing"):
    def build(out: Rendered) -> dict[str, Answer]:
        t: LungTruth = out.truth  # type: ignore[assignment]
        n_bl = max((len(x) for x in t.blines_x_px), default=0)
        present = ["pleural_line"]
        if p.sliding == "present":
            present.append("lung_sliding")
        if p.sliding == "lung_point":
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
            present += ["pleural_effusion", "spine_sign", "consolidation"]
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
            return a
        sliding = {"present": "present", "absent": "absent", "lung_point": "lung_point"}[p.sliding]
        a["lung_sliding"] = k.cat(sliding)
        a["b_line_count"] = k.count(n_bl, 1 if n_bl < 6 else 3)
        lus = 3 if p.consolidation else 2 if p.confluent else 1 if n_bl >= 3 else 0
        a["lus_score"] = k.ordinal(lus)
        a["pleural_line_mark"] = k.marks([k.line(*t.pleural_line_px, label="pleural line")], 15.0)
        if n_bl and not p.confluent:
            a["b_line_marks"] = k.marks(
                [k.line(*m, label="B-line", frame=t.blines_marks_frame) for m in t.blines_marks_px], 20.0
            )
        if p.sliding == "lung_point":
            a["lung_point_frames"] = k.frame_ranges(
                t.no_sliding_ranges, "frames where no sliding is seen anywhere"
            )
        return a

    return build
