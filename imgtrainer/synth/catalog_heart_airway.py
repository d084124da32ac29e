"""Demo cardiac (FoCUS) and airway cases."""

from __future__ import annotations

from dataclasses import replace

from imgtrainer.library.models import Answer
from imgtrainer.synth import keys as k
from imgtrainer.synth.airway import render_glottis, render_longitudinal, render_transverse
from imgtrainer.synth.catalog_abdomen import _wrap
from imgtrainer.synth.demo_case import Decision, DemoCase, Rendered
from imgtrainer.synth.heart import HeartParams, render_heart
from imgtrainer.synth.lung import LungParams, render_lung_clip
from imgtrainer.synth.scene import SceneTruth

_CARD_ALL = [
    "lv_systolic_reduced", "lv_hyperdynamic", "lv_dilated", "lv_hypertrophy", "rv_dilated",
    "septal_flattening", "rv_systolic_reduced", "pericardial_effusion", "rv_diastolic_collapse",
    "ra_systolic_collapse", "pleural_effusion", "plethoric_ivc", "small_collapsing_ivc",
]  # fmt: skip
_AIR_ALL = ["tracheal_rings", "air_mucosa_interface", "oesophagus", "thyroid_gland", "tube_in_trachea", "tube_in_oesophagus",
            "thyroid_cartilage", "cricoid_cartilage", "cricothyroid_membrane", "vocal_cords", "vocal_cord_movement",
            "vocal_cord_palsy", "overlying_vessel"]  # fmt: skip


def _lv_function(p: HeartParams) -> int:
    return 3 if p.squeeze >= 0.42 else 2 if p.squeeze >= 0.22 else 1 if p.squeeze >= 0.12 else 0


def _size(eff: float) -> str:
    return "none" if eff <= 0 else "small" if eff < 1 else "moderate" if eff <= 2 else "large"


def _ivc_extreme_frames(n_frames: int, band: float = 0.05) -> list[tuple[int, int]]:
    """Frame ranges where the drawn IVC is within ``band`` of its maximal or minimal diameter.

    The renderer collapses the IVC by ``0.5 * (1 - cos(2 pi t / T))`` of its collapse over one
    breath per clip (``heart._ivc_layer``): widest at the start and end, narrowest mid-clip.
    """
    import math

    s = [0.5 * (1 - math.cos(2 * math.pi * f / n_frames)) for f in range(n_frames)]
    flags = [v <= band or v >= 1 - band for v in s]
    out: list[tuple[int, int]] = []
    for f, on in enumerate(flags):
        if on and out and out[-1][1] == f - 1:
            out[-1] = (out[-1][0], f)
        elif on:
            out.append((f, f))
    return out


def _cardiac_answers(p: HeartParams, indication: str, tamponade: str = "no"):
    def build(out: Rendered) -> dict[str, Answer]:
        t: SceneTruth = out.truth  # type: ignore[assignment]
        present = []
        if p.effusion_cm > 0:
            present.append("pericardial_effusion")
        a: dict[str, Answer] = {
            "indication_cardiac": k.cat(indication),
            "view": k.cat(p.view),
            "acep_quality": k.ordinal(4),
            "improve_image": k.cat("nothing"),
        }
        if p.view == "ivc":
            plethoric = p.ivc_cm > 2.1 and p.ivc_collapse < 0.5
            small = p.ivc_cm <= 2.1 and p.ivc_collapse > 0.5
            present += ["plethoric_ivc"] if plethoric else ["small_collapsing_ivc"] if small else []
            a["findings"] = k.findings(
                present, ["plethoric_ivc", "small_collapsing_ivc", "pericardial_effusion"]
            )
            a["ivc_diameter"] = k.measure(
                p.ivc_cm, "cm", 0.15, [k.line(*t.lines["ivc_diameter"], "IVC", frame=0)]
            )
            a["ivc_collapsibility"] = k.measure(100 * p.ivc_collapse, "percent", 0.25)
            a["ivc_assessment"] = k.cat(
                "plethoric" if plethoric else "small_collapsing" if small else "intermediate"
            )
            a["ivc_frames"] = k.frame_ranges(_ivc_extreme_frames(int(t.values["n_frames"])))
            # the IVC view draws the right atrium only: the RV cannot be judged here
            a["rv_size"] = k.cat("not_assessable")
            return a
        fn = _lv_function(p)
        if fn <= 1:
            present.append("lv_systolic_reduced")
        if fn == 3:
            present.append("lv_hyperdynamic")
        if p.lv_scale > 1.2:
            present.append("lv_dilated")
        if p.wall_cm > 1.3:
            present.append("lv_hypertrophy")
        if p.rv_scale > 1.3:
            present.append("rv_dilated")
        if p.septal_flat:
            present.append("septal_flattening")
        if p.rv_squeeze < 0.1:
            present.append("rv_systolic_reduced")
        if p.tamponade:
            present.append("rv_diastolic_collapse")
        ra_seen = p.view in ("a4c", "s4c")
        if p.tamponade and ra_seen:
            present.append("ra_systolic_collapse")
        if p.pleural_cm:
            present.append("pleural_effusion")
        assessed = [f for f in _CARD_ALL if "ivc" not in f and (ra_seen or f != "ra_systolic_collapse")]
        a["findings"] = k.findings(present, assessed)
        a["lv_function"] = k.ordinal(fn)
        a["lv_size"] = k.cat("dilated" if p.lv_scale > 1.2 else "small" if fn == 3 else "normal")
        rv = "dilated" if p.rv_scale > 1.3 else "normal"
        # every heart view draws the RV (scaled by rv_scale); the RV:LV ratio is an A4C/S4C
        # measure, so in the parasternal views "not assessable" is accepted too
        a["rv_size"] = k.cat(rv) if p.view in ("a4c", "s4c") else k.cat(rv, "not_assessable")
        a["pericardial_effusion_size"] = k.cat(_size(p.effusion_cm))
        a["tamponade"] = k.cat(tamponade)
        if "effusion" in t.polygons:
            a["effusion_outline"] = k.marks([k.polygon(t.polygons["effusion"], "pericardial effusion")], 25.0)
        return a

    return build


def cardiac_cases() -> list[DemoCase]:
    eff_tps = [
        "Pericardial fluid is anechoic and lies between the myocardium and the bright pericardium.",
        "In PLAX, pericardial fluid tracks anterior to the descending aorta; pleural fluid lies behind it.",
        "Size: small < 1 cm, moderate 1-2 cm, large > 2 cm (end-diastole). Tamponade is a clinical and echo diagnosis (RA/RV collapse, plethoric IVC).",
    ]
    lv_tps = [
        "Judge LV function by eye: endocardial excursion and wall thickening in several views.",
        "Hyperdynamic LV with end-systolic cavity obliteration suggests hypovolaemia or vasodilation.",
    ]
    ivc_tps = [
        "Measure the IVC 1-2 cm from the right atrial junction, perpendicular to its long axis.",
        "Small (< 2.1 cm) and collapsing (> 50%) suggests low RA pressure; plethoric with little collapse suggests high RA pressure.",
        "IVC collapse is unreliable in ventilated patients and with raised abdominal pressure.",
    ]
    shock = Decision(
        stem="Hypotension after induction of anaesthesia. Based on this view, what is the most likely mechanism?",
        options=["Normal LV and no effusion: look for vasodilation or hypovolaemia", "Cardiac tamponade", "Severe LV failure", "Massive pulmonary embolism"],
        correct=0, explanation="A normally contracting LV without effusion points away from pump failure and tamponade.",
    )  # fmt: skip
    tamp = Decision(
        stem="After cardiac surgery: BP 75/50, rising CVP, falling drain output. What fits this scan best?",
        options=["Pericardial effusion with possible tamponade: call the surgeon for re-exploration", "Hypovolaemia: fluids only", "LV failure: start inotropes only", "Normal study"],
        correct=0, explanation="A pericardial collection with haemodynamic compromise after cardiac surgery needs urgent drainage.",
    )  # fmt: skip
    lvfail = Decision(
        stem="Breathless and hypotensive 2 days after hip surgery. What does this view show?",
        options=["Severely reduced LV function: cardiogenic shock, consider inotropes and cardiology input", "Hyperdynamic LV: give fluids", "Pericardial tamponade", "Normal LV function"],
        correct=0, explanation="Poor endocardial excursion and wall thickening in every segment means severely reduced LV systolic function.",
    )  # fmt: skip
    hyper = Decision(
        stem="Hypotensive on the ward after bowel surgery. What does this view suggest?",
        options=["Hyperdynamic, underfilled LV: give fluid and look for bleeding or sepsis", "Cardiogenic shock: inotropes", "Tamponade: drain", "Normal: no action"],
        correct=0, explanation="End-systolic cavity obliteration suggests hypovolaemia or vasodilation.",
    )  # fmt: skip
    preop = Decision(
        stem="Preoperative assessment: breathless on stairs, no murmur, booked for hip replacement. What does this view show?",
        options=["Normal chamber sizes and LV function, no effusion: proceed", "Dilated RV: suspect pulmonary embolism", "Large pericardial effusion", "Severely reduced LV function"],
        correct=0, explanation="LV larger than RV, normal wall motion and no pericardial fluid: a normal focused study.",
    )  # fmt: skip
    ivc_low = Decision(
        stem="Spontaneously breathing, hypotensive patient. What does the IVC suggest?",
        options=["Small collapsing IVC: likely fluid responsive, give a fluid bolus and reassess", "Plethoric IVC: avoid fluids", "Tamponade", "IVC cannot be assessed"],
        correct=0, explanation="A small IVC collapsing by more than 50% suggests low right atrial pressure.",
    )  # fmt: skip
    ivc_high = Decision(
        stem="Breathless, oedematous patient before surgery. What does the IVC suggest?",
        options=["Plethoric IVC: high RA pressure, fluids unlikely to help", "Small collapsing IVC: give fluids", "Normal", "Hypovolaemia"],
        correct=0, explanation="A dilated IVC (> 2.1 cm) with < 50% collapse suggests RA pressure of about 15 mmHg.",
    )  # fmt: skip
    rv_tps = [
        "RV dilated when it is as large as or larger than the LV in the four-chamber view (RV:LV > 1).",
        "A poorly moving RV free wall (low TAPSE) with a dilated RV in shock suggests massive pulmonary embolism.",
        "In PSAX a pressure-loaded RV flattens the septum: the LV becomes D-shaped.",
    ]
    tamp_tps = [
        "Tamponade: an effusion with the right heart collapsing when its pressure is lowest - RA in systole, RV in diastole.",
        "RV diastolic collapse is the more specific sign; RA systolic collapse is the earlier, more sensitive one.",
        "Confirm with a plethoric IVC; treat by drainage.",
    ]
    pe = Decision(
        stem="Sudden collapse on day 5 after a knee replacement: BP 80/50, HR 115, SpO2 86%. What fits this view?",
        options=["Dilated, hypokinetic RV: suspect massive pulmonary embolism and consider thrombolysis", "Hypovolaemia: fluids only", "Pericardial tamponade", "Normal heart: look elsewhere"],
        correct=0, explanation="The RV is larger than the LV and its free wall hardly moves: acute RV failure, which in this setting points to a massive pulmonary embolism.",
    )  # fmt: skip
    dshape = Decision(
        stem="Breathless, known pulmonary hypertension, booked for surgery. What does this short-axis view show?",
        options=["A dilated RV flattening the septum (D-shaped LV): RV pressure overload", "Concentric LV hypertrophy", "Pericardial effusion", "Normal short axis"],
        correct=0, explanation="The septum is flat and the LV is D-shaped beside a large RV: RV pressure or volume overload. Anaesthesia carries a high risk of RV failure.",
    )  # fmt: skip
    dcm = Decision(
        stem="Breathless on exertion, ankle swelling, before urgent hernia repair. What does this view show?",
        options=["A dilated, poorly contracting LV (dilated cardiomyopathy picture)", "A hyperdynamic, underfilled LV", "Concentric LV hypertrophy", "Normal LV"],
        correct=0, explanation="The LV cavity is large and its walls barely move: a dilated LV with severely reduced function.",
    )  # fmt: skip
    lvh = Decision(
        stem="Long-standing hypertension, booked for a hip replacement. What does this short-axis view show?",
        options=["Thick LV walls with a small cavity: concentric hypertrophy; keep preload and avoid tachycardia", "A dilated RV with a D-shaped LV", "A pericardial effusion", "A dilated LV"],
        correct=0, explanation="The walls are well over 1.2 cm thick around a small, well-contracting cavity: concentric LV hypertrophy, which needs preload and time to fill.",
    )  # fmt: skip
    tamponade_dec = Decision(
        stem="Stab wound to the chest: BP 70/40, distended neck veins, HR 125. What fits this view and what next?",
        options=["Tamponade: effusion with right heart collapse - urgent drainage or thoracotomy", "Tension pneumothorax: needle decompression", "Hypovolaemia: fluids only", "LV failure: inotropes"],
        correct=0, explanation="A large pericardial effusion with the RV free wall collapsing in diastole (and the RA in systole) in a shocked patient is tamponade: drain it.",
    )  # fmt: skip
    pleural_dec = Decision(
        stem="Breathless after a fall. In PLAX there is an anechoic space deep in the image. Where is the fluid?",
        options=["Left pleural effusion: it lies behind the descending aorta", "Pericardial effusion: it lies behind the descending aorta", "Ascites", "No fluid: it is the LA"],
        correct=0, explanation="Pericardial fluid stops in front of the descending aorta; fluid behind it is in the left pleural space.",
    )  # fmt: skip
    specs = [
        ("cardiac-plax-normal-01", "PLAX: normal LV, no effusion", HeartParams("plax"), "hypotension", shock, lv_tps, "no"),
        ("cardiac-plax-effusion-01", "PLAX: moderate pericardial effusion", HeartParams("plax", effusion_cm=1.5, heart_rate=110, beats=2), "hypotension", tamp, eff_tps, "indeterminate"),
        ("cardiac-psax-reduced-01", "PSAX: severely reduced LV function", HeartParams("psax", squeeze=0.07, heart_rate=95, beats=2), "hypotension", lvfail, lv_tps, "no"),
        ("cardiac-psax-hyper-01", "PSAX: hyperdynamic LV", HeartParams("psax", squeeze=0.48, heart_rate=120, beats=2), "hypotension", hyper, lv_tps, "no"),
        ("cardiac-a4c-effusion-01", "A4C: large pericardial effusion", HeartParams("a4c", effusion_cm=2.3, heart_rate=120, beats=2), "hypotension", replace(tamp, stem="Known lung cancer, 2 weeks of breathlessness, BP 95/60, HR 120. What fits this scan best?", options=["Large pericardial effusion: look for right heart collapse and a plethoric IVC, and plan drainage", *tamp.options[1:]], explanation="A large circumferential effusion with a fast heart: check for tamponade signs (RA/RV collapse, plethoric IVC) and plan drainage."), eff_tps, "indeterminate"),
        ("cardiac-a4c-normal-01", "A4C: normal chambers, no effusion", HeartParams("a4c", heart_rate=70), "preoperative", preop, lv_tps, "no"),
        ("cardiac-s4c-effusion-01", "Subcostal four-chamber: pericardial effusion", HeartParams("s4c", effusion_cm=1.8, heart_rate=110, beats=2), "hypotension", replace(tamp, stem="In cardiac arrest with PEA, you get a subcostal view during the pulse check. What fits best?", options=["Pericardial effusion: consider tamponade and pericardiocentesis", *tamp.options[1:]], explanation="A pericardial collection in PEA arrest is a reversible cause (tamponade) until proven otherwise: drain it."), eff_tps, "indeterminate"),
        ("cardiac-ivc-small-01", "Subcostal IVC: small and collapsing", HeartParams("ivc", ivc_cm=1.3, ivc_collapse=0.6, beats=1, heart_rate=50), "volume_status", ivc_low, ivc_tps, "no"),
        ("cardiac-ivc-plethoric-01", "Subcostal IVC: plethoric", HeartParams("ivc", ivc_cm=2.5, ivc_collapse=0.12, beats=1, heart_rate=50), "volume_status", ivc_high, ivc_tps, "no"),
        ("cardiac-a4c-rv-01", "A4C: dilated, poorly contracting RV", HeartParams("a4c", rv_scale=1.5, rv_squeeze=0.04, heart_rate=115, beats=2), "hypotension", pe, rv_tps, "no"),
        ("cardiac-psax-dshape-01", "PSAX: D-shaped LV from a pressure-loaded RV", HeartParams("psax", rv_scale=1.6, septal_flat=True, rv_squeeze=0.05, heart_rate=105, beats=2), "dyspnoea", dshape, rv_tps, "no"),
        ("cardiac-plax-dilated-01", "PLAX: dilated, poorly contracting LV", HeartParams("plax", lv_scale=1.3, squeeze=0.08, heart_rate=90, beats=2), "dyspnoea", dcm, lv_tps, "no"),
        ("cardiac-psax-lvh-01", "PSAX: concentric LV hypertrophy", HeartParams("psax", wall_cm=1.6, squeeze=0.34, heart_rate=72), "preoperative", lvh, lv_tps, "no"),
        ("cardiac-a4c-tamponade-01", "A4C: large effusion with right heart collapse", HeartParams("a4c", effusion_cm=2.2, tamponade=True, heart_rate=125, beats=2), "hypotension", tamponade_dec, tamp_tps, "yes"),
        ("cardiac-s4c-tamponade-01", "Subcostal four-chamber: effusion with RV diastolic collapse", HeartParams("s4c", effusion_cm=1.9, tamponade=True, heart_rate=120, beats=2), "hypotension", replace(tamponade_dec, stem="Six hours after cardiac surgery: BP 72/45, CVP 18, chest drains stopped draining. What fits this view and what next?", explanation="An effusion with the RV free wall collapsing in diastole in a shocked post-cardiac-surgery patient is tamponade: call the surgeon for re-exploration."), tamp_tps, "yes"),
        ("cardiac-plax-hyper-01", "PLAX: hyperdynamic LV in sepsis", HeartParams("plax", squeeze=0.48, heart_rate=125, beats=2), "hypotension", replace(hyper, stem="Septic shock from pneumonia: BP 78/40 after 2 L of fluid, warm peripheries. What does this view suggest?", explanation="The LV walls almost meet at end-systole: a hyperdynamic LV, in sepsis a sign of vasodilation (and possibly still low filling); consider a vasopressor."), lv_tps, "no"),
        ("cardiac-plax-pleural-01", "PLAX: left pleural effusion behind the aorta", HeartParams("plax", pleural_cm=2.0, heart_rate=85, beats=2), "dyspnoea", pleural_dec, eff_tps, "no"),
    ]  # fmt: skip
    out = []
    for cid, title, p, ind, dec, tps, tamponade in specs:
        out.append(
            DemoCase(
                id=cid, domain="cardiac", title=title, render=_wrap(lambda s, p=p: render_heart(p, s)),
                answers=_cardiac_answers(p, ind, tamponade), decision=dec,
                indication="Focused cardiac ultrasound (FoCUS) to answer a bedside question.",
                clinical_context=dec.stem.split(".")[0] + ".", teaching_points=tps, difficulty=2,
                tags=["cardiac", p.view], age=66, params={"renderer": "heart", **p.__dict__},
            )
        )  # fmt: skip
    return out


def _airway_answers(kind: str):
    """Airway keys. Every case calls every structure present or absent (the findings question
    asks what is visible), answers the tube and vocal cord questions, and so asks the same
    questions whatever its findings: CTM questions on a suprasternal view expect "none"."""

    def build(out: Rendered) -> dict[str, Answer]:
        t = out.truth
        a: dict[str, Answer] = {
            "acep_quality": k.ordinal(4),
            "improve_image": k.cat("nothing"),
            # only the glottic view is at the level of the thyroid cartilage: elsewhere no cords drawn
            "vocal_cords_function": k.cat("not_visible"),
            "tube_position": k.cat(
                "trachea"
                if kind == "sliding"
                else "no_tube"
                if kind in ("ctm", "vessel", "none", "cords", "palsy")
                else kind
            ),
        }
        if kind == "sliding":
            a["indication_airway"] = k.cat("tube_confirmation")
            a["view"] = k.cat("anterior_chest")
            a["findings"] = k.findings(["bilateral_lung_sliding"], _AIR_ALL)
            a["tracheal_outline"] = k.marks(
                [k.polyline(t.pleural_line_px, "pleural line (no trachea in this view)")], 20.0
            )
            return a
        a["tracheal_outline"] = k.marks([k.polyline(t.lines["air_mucosa"], "air-mucosa interface")], 20.0)
        if kind in ("cords", "palsy"):
            a["indication_airway"] = k.cat("vocal_cord_function")
            a["view"] = k.cat("transverse_thyroid_cartilage")
            a["vocal_cords_function"] = k.cat("symmetric" if kind == "cords" else "left_palsy")
            present = ["thyroid_cartilage", "vocal_cords", "vocal_cord_movement", "air_mucosa_interface"]
            a["findings"] = k.findings(
                [*present, *(["vocal_cord_palsy"] if kind == "palsy" else [])], _AIR_ALL
            )
            a["structure_marks"] = k.marks([k.point(t.points["commissure"], "anterior commissure")], 30.0)
            return a
        if kind in ("ctm", "vessel"):
            a["indication_airway"] = k.cat("front_of_neck_access")
            a["view"] = k.cat("longitudinal_midline")
            a["findings"] = k.findings(
                [
                    "thyroid_cartilage",
                    "cricoid_cartilage",
                    "cricothyroid_membrane",
                    "tracheal_rings",
                    "air_mucosa_interface",
                    *(["overlying_vessel"] if kind == "vessel" else []),
                ],
                _AIR_ALL,
            )
            a["ctm_mark"] = k.marks([k.point(t.points["ctm"], "cricothyroid membrane")], 20.0)
            a["structure_marks"] = k.marks(
                [
                    k.point(t.points["thyroid_cartilage"], "thyroid cartilage"),
                    k.point(t.points["cricoid"], "cricoid cartilage"),
                    k.point(t.points["first_ring"], "first tracheal ring"),
                ],
                30.0,
            )
            a["ctm_depth"] = k.measure(
                t.values["ctm_depth_cm"], "cm", 0.2, [k.line(*t.lines["ctm_depth"], "skin to membrane")]
            )
            return a
        a["indication_airway"] = k.cat("tube_confirmation" if kind != "none" else "airway_anatomy")
        a["view"] = k.cat("transverse_suprasternal")
        present = ["tracheal_rings", "air_mucosa_interface", "oesophagus", "thyroid_gland"]
        if kind == "trachea":
            present.append("tube_in_trachea")
            first, last = int(t.values["tube_passage_first"]), int(t.values["tube_passage_last"])
            a["tube_frames"] = k.frame_ranges(
                [(first, last)], "flutter of the air-mucosa line as the tube passes"
            )
        if kind == "oesophagus":
            present.append("tube_in_oesophagus")
        # the suprasternal plane is below the larynx: no thyroid or cricoid cartilage, no membrane
        a["findings"] = k.findings(present, _AIR_ALL)
        return a

    return build


def _sliding_clip(seed: int):
    frames, truth = render_lung_clip(
        LungParams(probe="linear", depth_cm=5.0, pleura_cm=1.2, n_frames=24), seed
    )
    return frames, truth


def airway_cases() -> list[DemoCase]:
    tube_tps = [
        "Scan transversely just above the suprasternal notch during intubation: the trachea is midline, the oesophagus usually to the patient's left.",
        "Tracheal intubation: a single air-mucosa interface (the tube hides in the tracheal shadow).",
        "Oesophageal intubation: a second air-mucosa interface with shadowing appears beside the trachea (double tract sign).",
    ]
    tube_dec = Decision(
        stem="Ultrasound during intubation of an emergency patient. Where is the tube, and what do you do?",
        options=["In the trachea: confirm ventilation with capnography and bilateral sliding", "In the oesophagus: remove it and re-intubate", "Cannot tell: always get a chest film first", "In the right main bronchus: withdraw 2 cm"],
        correct=0, explanation="",
    )  # fmt: skip
    specs = [
        ("airway-trachea-normal-01", "Suprasternal transverse: trachea and oesophagus", "none",
         Decision(stem="Which structure lies posterolateral to the trachea on the patient's left in this view?", options=["Oesophagus", "Carotid artery", "Thyroid isthmus", "Internal jugular vein"],
                  correct=0, explanation="The oesophagus sits behind and usually to the left of the trachea: a layered target that moves with swallowing."),
         ["The trachea is a hypoechoic cartilage arch over a bright air-mucosa line with reverberation and shadow below.", tube_tps[0]]),
        ("airway-tube-trachea-01", "Suprasternal transverse: tube in the trachea", "trachea", replace(tube_dec, stem="Rapid-sequence intubation for a bowel obstruction; capnography is not yet connected. Where is the tube?"), tube_tps),
        ("airway-tube-trachea-02", "Suprasternal transverse during intubation: single air-mucosa line", "trachea", replace(tube_dec, stem="Intubation during CPR, when capnography can mislead. Where is the tube, and what do you do?"), tube_tps),
        ("airway-tube-oesophagus-01", "Suprasternal transverse: double tract sign", "oesophagus",
         Decision(stem="Difficult laryngoscopy, grade 3 view, the tube passed blind. Where is it, and what do you do?", options=tube_dec.options, correct=1, explanation="A second air-mucosa interface beside the trachea (double tract sign) means oesophageal intubation: remove the tube."), tube_tps),
        ("airway-ctm-01", "Longitudinal midline: the cricothyroid membrane", "ctm",
         Decision(stem="Can't intubate, can't oxygenate. Where do you make the incision?", options=["Over the cricothyroid membrane between the thyroid and cricoid cartilages", "Over the second tracheal ring", "Above the thyroid cartilage", "At the suprasternal notch"],
                  correct=0, explanation="Front-of-neck access goes through the cricothyroid membrane, identified between the thyroid cartilage and the cricoid."),
         ["Longitudinal midline: thyroid cartilage, cricothyroid membrane, cricoid, then the 'string of pearls' of the tracheal rings.",
          "Mark the membrane before induction in a predicted difficult airway; measure its depth from the skin."]),
        ("airway-ctm-vessel-01", "Longitudinal midline: a vein over the cricothyroid membrane", "vessel",
         Decision(stem="Marking the neck before an awake tracheal intubation for a laryngeal tumour. What must you note before any incision?", options=["A vein runs over the membrane: mark it and make the incision to avoid it", "Nothing: the membrane is clear", "The membrane cannot be found", "The trachea is deviated"],
                  correct=0, explanation="An anechoic, compressible tube runs across the cricothyroid membrane: an overlying vein that would bleed into an emergency incision. Mark it."),
         ["Look for vessels over the membrane (colour Doppler helps) before front-of-neck access.", "Mark the membrane and the vessel on the skin in a predicted difficult airway."]),
        ("airway-glottis-01", "Transverse at the thyroid cartilage: vocal cords moving symmetrically", "cords",
         Decision(stem="Before thyroid surgery the surgeon asks whether both vocal cords move. What does this view show?", options=["Both cords move symmetrically: normal cord function", "Left vocal cord palsy", "Right vocal cord palsy", "The cords are not visible"],
                  correct=0, explanation="Under the inverted-V thyroid cartilage both true cords open on inspiration and meet at the midline: symmetric movement."),
         ["Transverse over the thyroid cartilage: the cords meet at the anterior commissure under the cartilage's apex.", "Ask the patient to breathe in and say 'eee': the cords open and close symmetrically."]),
        ("airway-glottis-02", "Transverse at the thyroid cartilage: left vocal cord palsy", "palsy",
         Decision(stem="Hoarse after thyroid surgery; the patient is asked to breathe in and then say 'eee'. What does this view show?", options=["Left vocal cord palsy: the left cord stays still (recurrent laryngeal nerve injury)", "Normal cord movement", "Right vocal cord palsy", "Oesophageal intubation"],
                  correct=0, explanation="The patient's left cord (on screen right) stays in the paramedian position while the right one opens and closes: a left recurrent laryngeal nerve palsy."),
         ["Screen right is the patient's left in a transverse view.", "A still cord with a moving partner is a unilateral palsy; bilateral palsy threatens the airway."]),
        ("airway-sliding-01", "Anterior chest after intubation: lung sliding (seen on both sides)", "sliding",
         Decision(stem="Just intubated; capnography shows a trace. The right chest slides, and this is the left anterior chest. Where is the tube?", options=["In the trachea above the carina: both lungs are ventilated", "In the right main bronchus", "In the oesophagus", "Cannot tell without a chest film"],
                  correct=0, explanation="Lung sliding on the left as well as on the right means both lungs are ventilated: the tube is in the trachea above the carina."),
         ["Sliding on both sides after intubation: both lungs ventilated.", "Sliding only on the right with a lung pulse on the left suggests a right main bronchus intubation."]),
    ]  # fmt: skip
    out = []
    for cid, title, kind, dec, tps in specs:
        if kind == "trachea":
            dec = Decision(
                stem=dec.stem,
                options=dec.options,
                correct=0,
                explanation="A single air-mucosa interface with no second one beside the trachea: tracheal tube. Confirm with capnography.",
            )
        if kind in ("ctm", "vessel"):
            fn = lambda s, v=kind == "vessel": render_longitudinal(s, vessel=v)  # noqa: E731
        elif kind in ("cords", "palsy"):
            fn = lambda s, k=kind: render_glottis("left" if k == "palsy" else "", s)  # noqa: E731
        elif kind == "sliding":
            fn = _sliding_clip
        else:
            fn = lambda s, kind=kind: render_transverse(kind, s)  # noqa: E731
        out.append(
            DemoCase(
                id=cid, domain="airway", title=title, render=_wrap(fn), answers=_airway_answers(kind), decision=dec,
                indication="Airway ultrasound with a linear probe.", clinical_context=dec.stem, teaching_points=tps,
                difficulty=2, tags=["airway", kind], age=50, params={"renderer": "airway", "kind": kind},
            )
        )  # fmt: skip
    return out
