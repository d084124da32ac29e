"""Demo lung cases: normal, pneumothorax, lung point, B-lines, white lung, consolidation, effusion."""

from __future__ import annotations

from dataclasses import replace

from imgtrainer.synth.demo_case import Decision, DemoCase
from imgtrainer.synth.lung import LungParams
from imgtrainer.synth.lung_keys import answers, renderer

_PTX_DECISION = Decision(
    stem="The patient is hypotensive and hypoxic on the ventilator. Based on this scan, what is the best next step?",
    options=[
        "Pneumothorax is likely here: look for a lung point and treat (decompression/drain) if unstable",
        "Pneumothorax is excluded: look for another cause",
        "Give diuretics for pulmonary oedema",
        "Repeat the scan in 24 hours",
    ],
    correct=0,
    explanation="Absent sliding with A-lines and no B-lines or lung pulse suggests pneumothorax at this point "
    "(only a lung point confirms it). In an unstable patient this justifies decompression.",
)


def _normal_decision() -> Decision:
    return Decision(
        stem="After a central line attempt the patient is short of breath. What does this zone show?",
        options=[
            "Sliding with A-lines: pneumothorax is excluded at this point",
            "Pneumothorax confirmed",
            "Interstitial syndrome",
            "Pleural effusion",
        ],
        correct=0,
        explanation="Lung sliding (or B-lines, or a lung pulse) rules out pneumothorax under the probe.",
    )


def _bline_decision(n: int, confluent: bool) -> Decision:
    return Decision(
        stem="A 68-year-old is breathless after surgery with crackles. This zone and its mirror image on the other side look the same. What fits best?",
        options=[
            "Bilateral interstitial syndrome: consider cardiogenic pulmonary oedema and assess the heart and volume status",
            "Pneumothorax: insert a chest drain",
            "Normal aeration: no action",
            "Large pleural effusion: drain it",
        ],
        correct=0,
        explanation=(
            f"{'Confluent' if confluent else str(n)} B-lines with sliding in bilateral zones is an interstitial "
            "syndrome; with the clinical picture, pulmonary oedema is most likely. B-lines also exclude pneumothorax here."
        ),
    )


def lung_cases() -> list[DemoCase]:
    cx = LungParams()
    lin = LungParams(probe="linear", depth_cm=5.0, pleura_cm=1.2)
    out: list[DemoCase] = []

    def add(
        cid,
        title,
        p,
        view,
        ind,
        decision,
        tps,
        diff=2,
        acep=4,
        improve="nothing",
        tags=(),
        ctx="",
        indication="",
    ):
        out.append(
            DemoCase(
                id=cid, domain="lung", title=title, render=renderer(p),
                answers=answers(p, view, ind, acep, improve), decision=decision,
                indication=indication or "Lung ultrasound at the bedside to answer a focused question.",
                clinical_context=ctx, teaching_points=tps, difficulty=diff, tags=["lung", *tags],
                age=60, params={"renderer": "lung", **{kk: v for kk, v in p.__dict__.items()}},
            )
        )  # fmt: skip

    tp_normal = [
        "Normal aerated lung: bright pleural line with shimmering sliding and horizontal A-lines at multiples of the skin-pleura distance.",
        "Sliding rules out pneumothorax under the probe only.",
        "The 'bat sign': two rib shadows with the pleural line between and just below them.",
    ]
    add(
        "lung-normal-01",
        "Anterior chest, convex probe: sliding with A-lines",
        cx,
        "anterior_upper_blue",
        "pneumothorax",
        _normal_decision(),
        tp_normal,
        1,
        ctx="Dyspnoea after a subclavian line attempt.",
    )
    add(
        "lung-normal-02",
        "Anterior chest, linear probe: the bat sign",
        replace(lin, slide_cm=0.12),
        "anterior_upper_blue",
        "pneumothorax",
        _normal_decision(),
        tp_normal,
        1,
        ctx="Routine check after a brachial plexus block (supraclavicular).",
    )
    add(
        "lung-normal-03",
        "Anterior chest, too little gain",
        replace(cx, gain_db=-7.0),
        "anterior_lower_blue",
        "pneumothorax",
        _normal_decision(),
        [
            *tp_normal[:2],
            "Low overall gain hides the A-lines and the texture: raise the gain before you read the image.",
        ],
        2,
        acep=3,
        improve="gain",
        ctx="Desaturation during laparoscopy.",
    )
    tp_ptx = [
        "No sliding, A-lines present, no B-lines: pneumothorax is likely at this point.",
        "A single B-line or a lung pulse excludes pneumothorax under the probe.",
        "Confirm with a lung point; M-mode shows the barcode (stratosphere) sign.",
    ]
    add(
        "lung-ptx-01",
        "Anterior chest, linear probe: absent sliding",
        replace(lin, sliding="absent"),
        "anterior_upper_blue",
        "pneumothorax",
        _PTX_DECISION,
        tp_ptx,
        2,
        tags=("pneumothorax",),
        ctx="Ventilated trauma patient, rising airway pressure, SpO2 85%.",
    )
    add(
        "lung-ptx-02",
        "Anterior chest, convex probe: absent sliding",
        replace(cx, sliding="absent"),
        "anterior_upper_blue",
        "pneumothorax",
        _PTX_DECISION,
        tp_ptx,
        2,
        tags=("pneumothorax",),
        ctx="Sudden hypotension after an interscalene block with a long needle.",
    )
    lp_decision = Decision(
        stem="What does the alternating pattern in this clip establish?",
        options=[
            "A lung point: pneumothorax is confirmed",
            "Normal lung",
            "Lung pulse from the heart",
            "Pleural effusion",
        ],
        correct=0,
        explanation="The lung point (sliding lung appearing and disappearing at one place with breathing) is 100% specific for pneumothorax.",
    )
    add(
        "lung-point-01",
        "Lateral chest, linear probe: lung point",
        replace(lin, sliding="lung_point", n_blines=1),
        "lateral_intercostal",
        "pneumothorax",
        lp_decision,
        [
            "The lung point is where the sliding lung meets the pneumothorax: specific for pneumothorax.",
            "Its position along the chest wall hints at the size of the pneumothorax.",
            *tp_ptx[1:2],
        ],
        3,
        tags=("pneumothorax",),
        ctx="Chest trauma; absent sliding anteriorly, probe moved laterally.",
    )
    for i, n in enumerate((3, 4, 6), start=1):
        p = replace(cx, n_blines=n, a_lines=False)
        add(
            f"lung-blines-0{i}",
            f"Lateral zone, convex probe: {n} B-lines",
            p,
            "lateral_intercostal",
            "interstitial_syndrome",
            _bline_decision(n, False),
            [
                "B-lines arise from the pleural line, reach the bottom of the screen, erase A-lines and move with sliding.",
                "Three or more B-lines in one intercostal space is a positive zone (LUS score 1).",
                "Count the maximum number in one frame within one intercostal space.",
            ],
            2,
            tags=("b-lines",),
            ctx="Breathless, bibasal crackles, SpO2 90% on room air.",
        )
    add(
        "lung-blines-04",
        "Lateral zone, linear probe: two B-lines",
        replace(lin, n_blines=2),
        "lateral_intercostal",
        "interstitial_syndrome",
        Decision(
            stem="Is this zone positive for interstitial syndrome?",
            options=[
                "No: fewer than 3 B-lines is normal",
                "Yes: 2 B-lines define a positive zone",
                "Cannot say without M-mode",
                "Yes: A-lines define interstitial syndrome",
            ],
            correct=0,
            explanation="One or two B-lines per space can be normal, especially at the bases; 3 or more defines a positive zone.",
        ),
        [
            "Up to 2 B-lines per intercostal space can be normal, especially at the bases.",
            "A-lines persist between the B-lines.",
        ],
        2,
        tags=("b-lines",),
        ctx="Healthy volunteer, dependent lateral zone.",
    )
    add(
        "lung-zlines-01",
        "Anterior chest, linear probe: Z-lines, not B-lines",
        replace(lin, n_zlines=3),
        "anterior_upper_blue",
        "interstitial_syndrome",
        Decision(
            stem="A trainee reports 'three B-lines' in this healthy patient. What are the vertical artifacts?",
            options=[
                "Z-lines: short, ill-defined, fading, and A-lines persist - not B-lines",
                "B-lines: interstitial syndrome",
                "Lung point",
                "Comet tails from a pleural effusion",
            ],
            correct=0,
            explanation="B-lines reach the bottom of the screen, are laser-like, erase A-lines and move with sliding. "
            "These fade within a few centimetres and the A-lines run through them: Z-lines, of no significance.",
        ),
        [
            "Z-lines arise from the pleural line but are short, ill-defined and fade; they do not erase A-lines or move with sliding.",
            "Do not count them as B-lines: the zone is normal (LUS score 0).",
        ],
        3,
        tags=("b-lines", "distractor"),
        ctx="Preoperative check, no respiratory symptoms.",
    )
    add(
        "lung-confluent-01",
        "Lateral zone, convex probe: confluent B-lines (white lung)",
        replace(cx, confluent=True, a_lines=False),
        "lateral_intercostal",
        "interstitial_syndrome",
        _bline_decision(0, True),
        [
            "Confluent B-lines make a white lung: LUS score 2.",
            "The pleural line is still visible and sliding is present.",
        ],
        2,
        tags=("b-lines",),
        ctx="Severe hypoxaemia, bilateral infiltrates on the chest film.",
    )
    add(
        "lung-consolidation-01",
        "Posterolateral zone: subpleural consolidation",
        replace(cx, consolidation=True, a_lines=False),
        "plaps",
        "consolidation",
        Decision(
            stem="Fever, cough and hypoxia. What does this zone show?",
            options=[
                "Consolidation with air bronchograms (pneumonia or atelectasis)",
                "Pneumothorax",
                "Normal lung",
                "Pleural effusion only",
            ],
            correct=0,
            explanation="Tissue-like lung (hepatisation) with bright air bronchograms and a shredded deep border is consolidation: LUS score 3.",
        ),
        [
            "Consolidated lung looks like liver (hepatisation).",
            "Bright branching air bronchograms suggest pneumonia; a shred sign marks the deep border.",
            "LUS score 3.",
        ],
        3,
        tags=("consolidation",),
        ctx="Day 3 after laparotomy, fever and productive cough.",
    )
    eff_tps = [
        "Effusion: anechoic space above the diaphragm, with compressed (atelectatic) lung floating in it.",
        "The spine sign: vertebral bodies seen above the diaphragm through fluid.",
        "Measure the maximal distance between the parietal pleura and the lung or diaphragm at end-expiration.",
    ]
    eff_decision = Decision(
        stem="Hypoxic after cardiac surgery. Based on the scan, which option is best?",
        options=[
            "Large effusion: consider drainage",
            "Pneumothorax: decompress",
            "Normal: no action",
            "Interstitial syndrome: diuretics only",
        ],
        correct=0,
        explanation="An effusion with an interpleural distance over about 4.5 cm at the base corresponds to a volume over 1 L; drainage can improve oxygenation.",
    )
    small_decision = Decision(
        stem="Mild hypoxia after abdominal surgery. What does the scan show and what follows?",
        options=[
            "Small effusion with compressive atelectasis: treat the cause, drainage not needed now",
            "Large effusion: drain it urgently",
            "Pneumothorax",
            "Normal lung",
        ],
        correct=0,
        explanation="A small effusion (interpleural distance under about 2-3 cm) rarely needs drainage.",
    )
    add(
        "lung-effusion-01",
        "PLAPS point: large pleural effusion",
        replace(cx, depth_cm=15.0, effusion_cm=5.0, n_frames=24),
        "plaps",
        "effusion",
        eff_decision,
        eff_tps,
        2,
        tags=("effusion",),
        ctx="Postoperative day 2 after cardiac surgery, SpO2 88%.",
    )
    add(
        "lung-effusion-02",
        "PLAPS point: small pleural effusion",
        replace(cx, depth_cm=14.0, effusion_cm=1.8, n_frames=24),
        "plaps",
        "effusion",
        small_decision,
        eff_tps,
        2,
        tags=("effusion",),
        ctx="Postoperative day 1 after upper abdominal surgery.",
    )
    return out
