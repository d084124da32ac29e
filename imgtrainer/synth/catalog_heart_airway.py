"""Demo cardiac (FoCUS) and airway cases."""

from __future__ import annotations

from imgtrainer.library.models import Answer
from imgtrainer.synth import keys as k
from imgtrainer.synth.airway import render_longitudinal, render_transverse
from imgtrainer.synth.catalog_abdomen import _wrap
from imgtrainer.synth.demo_case import Decision, DemoCase, Rendered
from imgtrainer.synth.heart import HeartParams, render_heart
from imgtrainer.synth.scene import SceneTruth

_CARD_ALL = [
    "lv_systolic_reduced",
    "lv_hyperdynamic",
    "rv_dilated",
    "pericardial_effusion",
    "plethoric_ivc",
    "small_collapsing_ivc",
]
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
        a["findings"] = k.findings(present, [f for f in _CARD_ALL if "ivc" not in f])
        a["lv_function"] = k.ordinal(fn)
        a["lv_size"] = k.cat("small" if fn == 3 else "normal")
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
    specs = [
        ("cardiac-plax-normal-01", "PLAX: normal LV, no effusion", HeartParams("plax"), "hypotension", shock, lv_tps, "no"),
        ("cardiac-plax-effusion-01", "PLAX: moderate pericardial effusion", HeartParams("plax", effusion_cm=1.5, heart_rate=110, beats=2), "hypotension", tamp, eff_tps, "indeterminate"),
        ("cardiac-psax-reduced-01", "PSAX: severely reduced LV function", HeartParams("psax", squeeze=0.07, heart_rate=95, beats=2), "hypotension", lvfail, lv_tps, "no"),
        ("cardiac-psax-hyper-01", "PSAX: hyperdynamic LV", HeartParams("psax", squeeze=0.48, heart_rate=120, beats=2), "hypotension", hyper, lv_tps, "no"),
        ("cardiac-a4c-effusion-01", "A4C: large pericardial effusion", HeartParams("a4c", effusion_cm=2.3, heart_rate=120, beats=2), "hypotension", tamp, eff_tps, "indeterminate"),
        ("cardiac-a4c-normal-01", "A4C: normal chambers, no effusion", HeartParams("a4c", heart_rate=70), "preoperative", preop, lv_tps, "no"),
        ("cardiac-s4c-effusion-01", "Subcostal four-chamber: pericardial effusion", HeartParams("s4c", effusion_cm=1.8, heart_rate=110, beats=2), "hypotension", tamp, eff_tps, "indeterminate"),
        ("cardiac-ivc-small-01", "Subcostal IVC: small and collapsing", HeartParams("ivc", ivc_cm=1.3, ivc_collapse=0.6, beats=1, heart_rate=50), "volume_status", ivc_low, ivc_tps, "no"),
        ("cardiac-ivc-plethoric-01", "Subcostal IVC: plethoric", HeartParams("ivc", ivc_cm=2.5, ivc_collapse=0.12, beats=1, heart_rate=50), "volume_status", ivc_high, ivc_tps, "no"),
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
        t: SceneTruth = out.truth  # type: ignore[assignment]
        a: dict[str, Answer] = {
            "acep_quality": k.ordinal(4),
            "improve_image": k.cat("nothing"),
            # neither view is at the level of the thyroid cartilage: no cords drawn
            "vocal_cords_function": k.cat("not_visible"),
            "tube_position": k.cat("no_tube" if kind in ("ctm", "none") else kind),
            "tracheal_outline": k.marks([k.polyline(t.lines["air_mucosa"], "air-mucosa interface")], 20.0),
        }
        if kind == "ctm":
            a["indication_airway"] = k.cat("front_of_neck_access")
            a["view"] = k.cat("longitudinal_midline")
            a["findings"] = k.findings(
                [
                    "thyroid_cartilage",
                    "cricoid_cartilage",
                    "cricothyroid_membrane",
                    "tracheal_rings",
                    "air_mucosa_interface",
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
        ("airway-tube-trachea-01", "Suprasternal transverse: tube in the trachea", "trachea", tube_dec, tube_tps),
        ("airway-tube-trachea-02", "Suprasternal transverse during intubation: single air-mucosa line", "trachea", tube_dec, tube_tps),
        ("airway-tube-oesophagus-01", "Suprasternal transverse: double tract sign", "oesophagus",
         Decision(stem=tube_dec.stem, options=tube_dec.options, correct=1, explanation="A second air-mucosa interface beside the trachea (double tract sign) means oesophageal intubation: remove the tube."), tube_tps),
        ("airway-ctm-01", "Longitudinal midline: the cricothyroid membrane", "ctm",
         Decision(stem="Can't intubate, can't oxygenate. Where do you make the incision?", options=["Over the cricothyroid membrane between the thyroid and cricoid cartilages", "Over the second tracheal ring", "Above the thyroid cartilage", "At the suprasternal notch"],
                  correct=0, explanation="Front-of-neck access goes through the cricothyroid membrane, identified between the thyroid cartilage and the cricoid."),
         ["Longitudinal midline: thyroid cartilage, cricothyroid membrane, cricoid, then the 'string of pearls' of the tracheal rings.",
          "Mark the membrane before induction in a predicted difficult airway; measure its depth from the skin."]),
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
        fn = (
            (lambda s: render_longitudinal(s))
            if kind == "ctm"
            else (lambda s, kind=kind: render_transverse(kind, s))
        )  # type: ignore[misc]
        out.append(
            DemoCase(
                id=cid, domain="airway", title=title, render=_wrap(fn), answers=_airway_answers(kind), decision=dec,
                indication="Airway ultrasound with a linear probe.", clinical_context=dec.stem, teaching_points=tps,
                difficulty=2, tags=["airway", kind], age=50, params={"renderer": "airway", "kind": kind},
            )
        )  # fmt: skip
    return out
