"""Demo FAST and gastric cases."""

from __future__ import annotations

from imgtrainer.library.gastric import gastric_volume_ml, stomach_reading, volume_per_kg
from imgtrainer.library.models import Answer
from imgtrainer.synth import keys as k
from imgtrainer.synth.abdomen import render_antrum, render_pelvis, render_upper_quadrant
from imgtrainer.synth.demo_case import Decision, DemoCase, Rendered
from imgtrainer.synth.heart import HeartParams, render_heart
from imgtrainer.synth.scene import SceneTruth

_FAST_ALL = [
    "free_fluid", "free_fluid_hepatorenal", "free_fluid_liver_tip", "free_fluid_right_subphrenic",
    "free_fluid_splenorenal", "free_fluid_perisplenic", "free_fluid_pelvis", "pericardial_effusion",
    "pleural_effusion", "clotted_blood", "organ_laceration",
]  # fmt: skip
_GASTRIC_ALL = [
    "gastric_antrum", "liver_left_lobe", "pancreas", "aorta_sma", "ivc_landmark", "empty_antrum",
    "clear_fluid", "thick_fluid", "solid_content", "frosted_glass", "gastric_air",
]  # fmt: skip


def _wrap(fn):
    def run(seed: int) -> Rendered:
        frames, t = fn(seed)
        return Rendered(frames, t.fps, t.probe, t)

    return run


def _fast_answers(view: str, present: list[str], extra_present: list[str] = ()):  # type: ignore[assignment]
    def build(out: Rendered) -> dict[str, Answer]:
        t: SceneTruth = out.truth  # type: ignore[assignment]
        fluid = any(f.startswith("free_fluid") for f in present)
        seen = ["free_fluid", *present] if fluid else list(present)
        a: dict[str, Answer] = {
            "indication_fast": k.cat("blunt_trauma_unstable"),
            "view": k.cat(view),
            "acep_quality": k.ordinal(4),
            "improve_image": k.cat("nothing"),
            "view_adequacy": k.cat("adequate"),
            "free_fluid": k.cat("yes" if fluid else "no"),
            "findings": k.findings(
                [*seen, *extra_present], [*_FAST_ALL, *(["mirror_image"] if view in ("ruq", "luq") else [])]
            ),
        }
        poly = t.polygons.get("fluid") or t.polygons.get("effusion")
        if poly:
            a["fluid_outline"] = k.marks([k.polygon(poly, "free fluid")], 25.0)
        return a

    return build


def _fast_decision(
    positive: bool, who: str = "A motorcyclist after a high-speed crash: BP 78/40 despite 1 L of fluid."
) -> Decision:
    return Decision(
        stem=f"{who} Given this view, what is the best next step?",
        options=[
            "Positive FAST in an unstable patient: call for immediate laparotomy / haemorrhage control",
            "Negative view: complete the other FAST views and look for other causes of shock",
            "Order a CT scan before any decision",
            "Repeat this view in 6 hours",
        ],
        correct=0 if positive else 1,
        explanation=(
            "Free fluid in an unstable blunt-trauma patient means haemoperitoneum until proven otherwise: go to theatre."
            if positive
            else "No free fluid in this view; a single negative view does not exclude bleeding. Complete the examination and repeat it if the patient changes."
        ),
    )


def fast_cases() -> list[DemoCase]:
    tp_ruq = [
        "Morison's pouch (hepatorenal space) is the most dependent upper-abdominal space in the supine patient.",
        "Free fluid is an anechoic stripe between the liver and the kidney capsule; check the caudal liver tip too.",
        "About 200-500 mL of intraperitoneal fluid is needed before the FAST turns positive.",
    ]
    tp_luq = [
        "In the LUQ fluid collects first above the spleen (subphrenic), then in the splenorenal recess.",
        "Scan more posteriorly and cranially than on the right: the spleen is small and posterior.",
    ]
    tp_pel = [
        "Scan the pelvis before the bladder is emptied: the full bladder is the acoustic window.",
        "Fluid lies behind the bladder (rectovesical) or behind the uterus (pouch of Douglas).",
    ]
    tp_sub = [
        "The subxiphoid view looks at the heart through the left lobe of the liver.",
        "Pericardial fluid is an anechoic band between the RV free wall and the liver-side pericardium.",
    ]
    ctx = "Blunt abdominal trauma, haemodynamically unstable."
    cases = [
        ("fast-ruq-fluid-01", "FAST RUQ: fluid in Morison's pouch", lambda s: render_upper_quadrant("right", 0.9, s), "ruq", ["free_fluid_hepatorenal"], tp_ruq, True),
        ("fast-ruq-normal-01", "FAST RUQ: no free fluid", lambda s: render_upper_quadrant("right", 0.0, s), "ruq", [], tp_ruq, False),
        ("fast-luq-fluid-01", "FAST LUQ: splenorenal fluid", lambda s: render_upper_quadrant("left", 0.7, s), "luq", ["free_fluid_splenorenal"], tp_luq, True),
        ("fast-luq-normal-01", "FAST LUQ: no free fluid", lambda s: render_upper_quadrant("left", 0.0, s), "luq", [], tp_luq, False),
        ("fast-pelvis-fluid-01", "FAST pelvis: fluid behind the bladder", lambda s: render_pelvis(1.4, s), "pelvis_long", ["free_fluid_pelvis"], tp_pel, True),
        ("fast-pelvis-fluid-02", "FAST pelvis: a small collection behind the bladder", lambda s: render_pelvis(0.7, s), "pelvis_long", ["free_fluid_pelvis"], tp_pel, True),
        ("fast-pelvis-normal-01", "FAST pelvis: no free fluid", lambda s: render_pelvis(0.0, s), "pelvis_long", [], tp_pel, False),
        ("fast-subxiphoid-effusion-01", "FAST subxiphoid: pericardial fluid", lambda s: render_heart(HeartParams("s4c", effusion_cm=1.3, heart_rate=115, beats=2), s), "subxiphoid", ["pericardial_effusion"], tp_sub, True),
        ("fast-ruq-tip-01", "FAST RUQ: fluid at the caudal liver tip", lambda s: render_upper_quadrant("right", 0.6, s, sites=("tip",)), "ruq", ["free_fluid_liver_tip"], tp_ruq, True),
        ("fast-ruq-subphrenic-01", "FAST RUQ: fluid between diaphragm and liver", lambda s: render_upper_quadrant("right", 0.7, s, sites=("subphrenic",)), "ruq", ["free_fluid_right_subphrenic"], tp_ruq, True),
        ("fast-luq-perisplenic-01", "FAST LUQ: fluid around the spleen", lambda s: render_upper_quadrant("left", 0.6, s, sites=("subphrenic",)), "luq", ["free_fluid_perisplenic"], tp_luq, True),
        ("fast-ruq-clot-01", "FAST RUQ: clotted blood in Morison's pouch", lambda s: render_upper_quadrant("right", 1.3, s, clot=True), "ruq", ["free_fluid_hepatorenal", "clotted_blood"], tp_ruq, True),
        ("fast-luq-laceration-01", "FAST LUQ: splenic laceration with perisplenic fluid", lambda s: render_upper_quadrant("left", 0.6, s, sites=("subphrenic",), laceration=True), "luq", ["free_fluid_perisplenic", "organ_laceration"], tp_luq, True),
        ("fast-ruq-pleural-01", "FAST RUQ: right pleural effusion, no free fluid", lambda s: render_upper_quadrant("right", 0.0, s, pleural_cm=2.0), "ruq", ["pleural_effusion"], tp_ruq, False),
    ]  # fmt: skip
    who = {
        "fast-ruq-fluid-01": "A motorcyclist after a high-speed crash: BP 78/40 despite 1 L of fluid.",
        "fast-ruq-normal-01": "A pedestrian struck by a car: BP 85/50, pelvis binder on.",
        "fast-luq-fluid-01": "Kicked by a horse in the left flank: BP 80/45, HR 130.",
        "fast-luq-normal-01": "Fall from a ladder onto the left side: BP 90/60 after 1 L of fluid.",
        "fast-pelvis-fluid-01": "Crushed between two cars: BP 75/40, abdomen distending.",
        "fast-pelvis-normal-01": "Seat-belt sign after a car crash: BP 92/55.",
        "fast-pelvis-fluid-02": "Fell astride a fence: BP 86/52 and falling, lower abdominal pain.",
        "fast-ruq-tip-01": "Cyclist thrown over the handlebars: BP 88/50; Morison's pouch itself looked dry.",
        "fast-ruq-subphrenic-01": "Assaulted, kicked in the right upper quadrant: BP 80/50, HR 125.",
        "fast-luq-perisplenic-01": "Skier who hit a tree with the left side: BP 82/48, HR 128.",
        "fast-ruq-clot-01": "Rollover car crash 2 hours ago: BP 70/40, haemoglobin 68 g/L.",
        "fast-luq-laceration-01": "Rugby tackle to the left lower ribs: BP 84/50, left shoulder-tip pain.",
    }
    out = []
    for cid, title, fn, view, present, tps, positive in cases:
        dec = _fast_decision(positive, who.get(cid, ""))
        if cid == "fast-ruq-pleural-01":
            dec = Decision(
                stem="Fall onto the right chest wall: BP 95/60, SpO2 90%, right basal dullness. What does this view show?",
                options=[
                    "Fluid above the diaphragm (haemothorax likely): no mirror image, spine seen; consider a chest drain",
                    "Free fluid in Morison's pouch: go to theatre",
                    "A normal RUQ view",
                    "A subphrenic abscess",
                ],
                correct=0,
                explanation="Anechoic fluid lies cranial to the diaphragm: the mirror image of the liver is lost and the "
                "spine is seen through the fluid. Morison's pouch is dry. After trauma this is a haemothorax until proven otherwise.",
            )
        if view == "subxiphoid":
            dec = Decision(
                stem="Stab wound to the chest, BP 70/50, distended neck veins. What does this view show and what follows?",
                options=[
                    "Pericardial blood: urgent pericardial decompression / thoracotomy",
                    "Normal heart: look elsewhere",
                    "Pleural effusion only: chest drain",
                    "Hypovolaemia: more fluids only",
                ],
                correct=0,
                explanation="Pericardial fluid after penetrating chest trauma with shock is tamponade until proven otherwise.",
            )
        extra = ["mirror_image"] if view in ("ruq", "luq") and "pleural_effusion" not in present else []
        out.append(
            DemoCase(
                id=cid, domain="fast", title=title, render=_wrap(fn), answers=_fast_answers(view, present, extra),
                decision=dec, indication="FAST examination for free fluid after trauma.", clinical_context=who.get(cid, ctx),
                teaching_points=tps if cid != "fast-ruq-pleural-01" else [*tps[:1], "Above the diaphragm, fluid replaces the mirror image of the liver and shows the spine (spine sign): a pleural effusion or haemothorax."],
                difficulty=2 if present else 1, tags=["fast", view], age=35,
                params={"renderer": "fast", "view": view},
            )
        )  # fmt: skip
    return out


def _gastric_answers(
    content: str, grade: int, age: float, weight: float, view: str, air: bool = False, landmark: str = "aorta"
):
    def build(out: Rendered) -> dict[str, Answer]:
        t: SceneTruth = out.truth  # type: ignore[assignment]
        csa = t.values["csa_cm2"]
        present = [
            "gastric_antrum",
            "liver_left_lobe",
            "pancreas",
            "aorta_sma" if landmark == "aorta" else "ivc_landmark",
        ]
        present += {
            "empty": ["empty_antrum"],
            "clear_fluid": ["clear_fluid"],
            "thick": ["thick_fluid"],
            "solid": ["solid_content", "frosted_glass"],
        }[content]
        if air:
            present.append("gastric_air")
        a: dict[str, Answer] = {
            "indication_gastric": k.cat("uncertain_fasting"),
            "view": k.cat(view),
            "acep_quality": k.ordinal(4),
            "improve_image": k.cat("nothing"),
            "findings": k.findings(present, _GASTRIC_ALL),
            # thick (particulate) fluid is read like solid content: a full stomach
            "gastric_content": k.cat("solid" if content == "thick" else content, note="thick fluid: not clear" if content == "thick" else ""),
            "perlas_grade": k.ordinal(grade),
            "antrum_outline": k.marks([k.polygon(t.polygons["antrum"], "antrum (serosa)")], 25.0),
            "antral_csa": k.measure(csa, "cm2", 0.2, [k.line(*t.lines["ap"], "AP"), k.line(*t.lines["cc"], "CC")],
                                    note="CSA = pi x AP x CC / 4, serosa to serosa, between contractions"),
        }  # fmt: skip
        # the volume model is computed from the drawn CSA in every case (so that asking it says
        # nothing about the content); with solid content it does not change the reading (full)
        vol = gastric_volume_ml(csa, age)
        why = " (validated for clear fluid; solid content reads full whatever the volume)"
        note = "27.0 + 14.6 x CSA - 1.28 x age" + (why if content in ("solid", "thick") else "")
        a["gastric_volume"] = k.measure(vol, "ml", 0.25, note=note)
        a["volume_per_kg"] = k.measure(volume_per_kg(vol, weight), "ml/kg", 0.25)
        read_as = "solid" if content == "thick" else content
        a["stomach_reading"] = k.cat(stomach_reading(read_as, gastric_volume_ml(csa, age), weight))  # type: ignore[arg-type]
        return a

    return build


_GASTRIC_WHY = {
    "gastric-empty-01": "elective knee arthroscopy; says she fasted but is unsure about a late snack.",
    "gastric-fluid-01": "elective hernia repair; drank 'some water' on the way in.",
    "gastric-fluid-02": "day-case surgery; drank a large bottle of juice in the car park.",
    "gastric-fluid-03": "cataract surgery under sedation; cannot recall when he last drank tea.",
    "gastric-solid-01": "elective cholecystectomy; confused about the fasting instructions.",
    "gastric-empty-02": "diabetic with gastroparesis symptoms, for elective foot surgery after an 8-hour fast.",
    "gastric-thick-01": "emergency appendicectomy; vomiting and drank a milky drink 2 hours ago.",
    "gastric-air-01": "urgent hand surgery; ate a sandwich with a fizzy drink an hour ago.",
    "gastric-ivc-01": "elective shoulder surgery; the scan is taken slightly to the right of the midline.",
}


def gastric_cases() -> list[DemoCase]:
    specs = [
        ("gastric-empty-01", "Gastric antrum: empty (bull's eye)", "empty", 3.6, 0, 45, 72, "antrum_supine"),
        ("gastric-fluid-01", "Gastric antrum, RLD: small clear-fluid volume", "clear_fluid", 6.0, 1, 40, 70, "antrum_rld"),
        ("gastric-fluid-02", "Gastric antrum, RLD: large clear-fluid volume", "clear_fluid", 14.0, 2, 35, 62, "antrum_rld"),
        ("gastric-fluid-03", "Gastric antrum, RLD: moderate clear fluid, older patient", "clear_fluid", 9.0, 2, 72, 85, "antrum_rld"),
        ("gastric-solid-01", "Gastric antrum: solid content (frosted glass)", "solid", 15.0, 2, 50, 80, "antrum_rld"),
        ("gastric-empty-02", "Gastric antrum, RLD: empty in a diabetic patient", "empty", 4.2, 0, 63, 95, "antrum_rld"),
        ("gastric-thick-01", "Gastric antrum, RLD: thick particulate fluid", "thick", 10.0, 2, 38, 75, "antrum_rld"),
        ("gastric-air-01", "Gastric antrum: recent meal with air (frosted glass)", "solid", 13.0, 2, 29, 68, "antrum_supine"),
        ("gastric-ivc-01", "Gastric antrum over the IVC, RLD: clear fluid", "clear_fluid", 7.0, 1, 55, 82, "antrum_rld"),
    ]  # fmt: skip
    out = []
    for cid, title, content, csa, grade, age, weight, view in specs:
        air, landmark = cid == "gastric-air-01", "ivc" if cid == "gastric-ivc-01" else "aorta"
        reading = stomach_reading(
            "solid" if content == "thick" else content, gastric_volume_ml(csa, age), weight
        )  # type: ignore[arg-type]
        vol = gastric_volume_ml(csa, age)
        options = [
            "Proceed with the planned anaesthetic (low aspiration risk)",
            "Treat as full stomach: postpone elective surgery or use rapid-sequence induction",
            "Give a prokinetic and rescan in 5 minutes, then proceed regardless",
            "Place a nasogastric tube and proceed with a supraglottic airway",
        ]
        correct = 0 if reading == "empty" else 1
        why = {
            "empty": "An empty antrum (grade 0) is consistent with a low aspiration risk.",
            "solid": "Solid content means a full stomach whatever the volume: delay elective surgery or protect the airway."
            + (" Air from a recent meal makes the front wall bright and hides the back wall." if air else ""),
            "thick": "Echogenic, particulate fluid is not clear fluid: read it like solid content, a full stomach.",
        }.get(content, f"Estimated volume {vol:.0f} mL = {vol / weight:.2f} mL/kg: "
                       f"{'at or below' if reading == 'empty' else 'above'} 1.5 mL/kg of clear fluid "
                       f"({'low' if reading == 'empty' else 'high'} aspiration risk).")  # fmt: skip
        out.append(
            DemoCase(
                id=cid, domain="gastric", title=title,
                render=_wrap(lambda s, c=content, a=csa, air=air, lm=landmark: render_antrum(c, a, s, air=air, landmark=lm)),
                answers=_gastric_answers(content, grade, age, weight, view, air, landmark),
                decision=Decision(stem=f"{age}-year-old, {weight} kg, {_GASTRIC_WHY[cid]} Based on this scan, what do you do?",
                                  options=options, correct=correct, explanation=why),
                indication="Point-of-care gastric ultrasound to assess aspiration risk before anaesthesia.",
                clinical_context=f"Age {age}, weight {weight} kg; last intake unknown.",
                teaching_points=[
                    "Scan the antrum in the sagittal epigastric plane: left liver lobe in front, aorta or IVC behind.",
                    "Measure the CSA serosa to serosa between peristaltic contractions, in the right lateral decubitus.",
                    "Volume (mL) = 27.0 + 14.6 x CSA (cm2) - 1.28 x age; up to 1.5 mL/kg of clear fluid is normal.",
                    "Solid content (frosted glass, heterogeneous) means a full stomach whatever the volume.",
                ],
                difficulty=2, tags=["gastric", content], age=age, weight=weight,
                params={"renderer": "antrum", "content": content, "csa_cm2": csa},
            )
        )  # fmt: skip
    return out
