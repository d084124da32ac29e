"""Demo lung cases: normal, pneumothorax, lung point, B-lines, white lung, consolidation, effusion."""

from __future__ import annotations

from dataclasses import replace

from imgtrainer.synth.demo_case import Decision, DemoCase
from imgtrainer.synth.lung import LungParams
from imgtrainer.synth.lung_keys import answers, renderer


def _ptx_decision(lead: str) -> Decision:
    return Decision(
        stem=f"{lead} Based on this scan, what is the best next step?",
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


def _normal_decision(lead: str) -> Decision:
    return Decision(
        stem=f"{lead} What does this zone show?",
        options=[
            "Sliding with A-lines: pneumothorax is excluded at this point",
            "Pneumothorax confirmed",
            "Interstitial syndrome",
            "Pleural effusion",
        ],
        correct=0,
        explanation="Lung sliding (or B-lines, or a lung pulse) rules out pneumothorax under the probe.",
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
        _normal_decision("Short of breath after a subclavian central line attempt on this side."),
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
        _normal_decision("Pleuritic pain 20 minutes after a supraclavicular brachial plexus block."),
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
        _normal_decision("SpO2 falls from 98% to 91% during a laparoscopy; you scan the anterior chest."),
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
        _ptx_decision("Ventilated after chest trauma: airway pressure rising, SpO2 85%, BP 85/50."),
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
        _ptx_decision(
            "Sudden breathlessness and hypotension after an interscalene block with a long needle."
        ),
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
    bl_tps = [
        "B-lines arise from the pleural line, reach the bottom of the screen, erase A-lines and move with sliding.",
        "Three or more B-lines in one intercostal space is a positive zone (LUS score 1).",
        "Count the maximum number in one frame within one intercostal space.",
    ]
    bline_specs = [
        (3, "72 y, day 2 after hip fracture fixation: new crackles at the right base, SpO2 93% on air.",
         Decision(
             stem="Day 2 after hip surgery, new right basal crackles. What does this one lateral zone show, and what next?",
             options=[
                 "A positive zone (3 B-lines): scan the other zones on both sides before naming a cause",
                 "Cardiogenic pulmonary oedema: give diuretics now",
                 "Pneumothorax: insert a drain",
                 "A normal zone: no further scanning needed",
             ],
             correct=0,
             explanation="Three B-lines in one intercostal space make this zone positive (LUS score 1). One zone is "
             "a focal finding (contusion, early pneumonia, atelectasis or oedema): only a bilateral, multi-zone "
             "pattern supports an interstitial syndrome, so scan the other zones.",
         )),
        (4, "58 y, known heart failure, orthopnoea for 3 nights, SpO2 89% on air.",
         Decision(
             stem="Known heart failure and orthopnoea; a colleague found the same pattern in 6 of 8 zones on both sides. What fits best?",
             options=[
                 "Bilateral interstitial syndrome: cardiogenic pulmonary oedema is likely; assess the heart and treat",
                 "Pneumothorax: insert a chest drain",
                 "Normal aeration: no action",
                 "Large pleural effusion: drain it",
             ],
             correct=0,
             explanation="This zone shows four B-lines with sliding. Together with the same pattern in most zones on "
             "both sides, as the stem reports, that is a bilateral interstitial syndrome; with orthopnoea and "
             "known heart failure, cardiogenic pulmonary oedema is most likely.",
         )),
        (6, "45 y, septic shock on ICU day 2, PaO2/FiO2 160 on the ventilator.",
         Decision(
             stem="You are scoring lung aeration (LUS score) on a ventilated septic patient. How do you score this zone?",
             options=[
                 "1: several well-separated B-lines (at least 3), not coalescent",
                 "0: A-lines only",
                 "2: coalescent B-lines filling the space",
                 "3: consolidation",
             ],
             correct=0,
             explanation="About six B-lines, still separate from each other, with sliding: a moderate loss of "
             "aeration, LUS score 1. Score 2 needs coalescent B-lines (white lung); 3 needs tissue-like lung.",
         )),
    ]  # fmt: skip
    for i, (n, ctx, dec) in enumerate(bline_specs, start=1):
        p = replace(cx, n_blines=n, a_lines=False)
        add(
            f"lung-blines-0{i}",
            f"Lateral zone, convex probe: {n} B-lines",
            p,
            "lateral_intercostal",
            "interstitial_syndrome",
            dec,
            bl_tps,
            2,
            tags=("b-lines",),
            ctx=ctx,
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
        Decision(
            stem="Severe hypoxaemia with bilateral infiltrates on the chest film. How do you score this zone?",
            options=[
                "2: coalescent B-lines (white lung) with sliding",
                "1: a few separate B-lines",
                "3: consolidation",
                "0: normal aeration",
            ],
            correct=0,
            explanation="The B-lines merge into one bright fan below a sliding pleural line: a severe loss of "
            "aeration in this zone, LUS score 2 (score 3 would need tissue-like lung).",
        ),
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
    add(
        "lung-effusion-03",
        "PLAPS point: moderate pleural effusion",
        replace(cx, depth_cm=15.0, effusion_cm=3.2, n_frames=24),
        "plaps",
        "effusion",
        Decision(
            stem="Ventilated on ICU day 4, FiO2 rising. Is there fluid worth draining at the right base?",
            options=[
                "A moderate effusion (about 3 cm): drainage may help if oxygenation stays poor",
                "No fluid: consolidation only",
                "A pneumothorax",
                "A normal base",
            ],
            correct=0,
            explanation="Anechoic fluid about 3 cm deep above the diaphragm with compressed lung floating in it: a moderate "
            "effusion (roughly 600-900 mL); drainage is reasonable when it limits oxygenation.",
        ),
        eff_tps,
        2,
        tags=("effusion",),
        ctx="ICU day 4 after a laparotomy; rising oxygen need.",
    )
    add(
        "lung-ptx-03",
        "Lower anterior chest, linear probe: no sliding after a central line",
        replace(lin, sliding="absent", pleura_cm=1.0),
        "anterior_lower_blue",
        "pneumothorax",
        _ptx_decision("Pleuritic pain and SpO2 93% an hour after a subclavian line; BP is normal."),
        tp_ptx,
        2,
        tags=("pneumothorax",),
        ctx="Stable, short of breath after a subclavian central line.",
    )
    add(
        "lung-pulse-02",
        "Left anterior chest, convex probe: lung pulse in an apnoeic patient",
        replace(cx, sliding="absent", lung_pulse=True, heart_rate=70.0),
        "anterior_upper_blue",
        "pneumothorax",
        Decision(
            stem="Apnoeic during a difficult airway, bag-mask ventilation failing. Can a pneumothorax explain the absent sliding here?",
            options=[
                "No: the lung pulse shows the pleura in contact; sliding is absent because the lung is not being ventilated",
                "Yes: no sliding means pneumothorax",
                "Yes: a lung point is seen",
                "Cannot tell",
            ],
            correct=0,
            explanation="The pleural line beats with the heart (lung pulse) while nothing slides: the pleurae touch, so there is "
            "no pneumothorax under the probe; the lung is simply not being ventilated.",
        ),
        [
            "Lung pulse: the pleural line moves in time with the heart, not with breathing.",
            "A lung pulse excludes pneumothorax under the probe, as sliding and B-lines do.",
        ],
        3,
        tags=("pneumothorax",),
        ctx="Failed intubation, apnoea, SpO2 falling.",
    )
    add(
        "lung-pulse-01",
        "Left anterior chest, linear probe: lung pulse without sliding",
        replace(lin, sliding="absent", lung_pulse=True),
        "anterior_upper_blue",
        "pneumothorax",
        Decision(
            stem="Just intubated; SpO2 falling and no left-sided breath sounds. This is the left upper zone. What is most likely?",
            options=[
                "The left lung is not ventilated (tube in the right main bronchus): withdraw the tube and recheck",
                "Left pneumothorax: decompress now",
                "Normal ventilated lung",
                "Interstitial syndrome",
            ],
            correct=0,
            explanation="No sliding, but the pleural line beats with the heart (lung pulse): the visceral pleura is "
            "against the parietal pleura, so there is no pneumothorax here; the lung is simply not ventilated, as "
            "with a bronchial intubation or complete atelectasis.",
        ),
        [
            "Lung pulse: the pleural line moves in time with the heart, not with breathing.",
            "A lung pulse (like sliding or B-lines) rules out pneumothorax under the probe.",
            "No sliding with a lung pulse: think of a non-ventilated lung (bronchial intubation, atelectasis, apnoea).",
        ],
        3,
        tags=("pneumothorax",),
        ctx="Emergency intubation; tube at 25 cm at the lips.",
    )
    dia = replace(cx, depth_cm=12.0, pleura_cm=1.8, n_frames=30, fps=10.0)
    dia_tps = [
        "Costophrenic view (mid-axillary line, cranial to the left): the aerated lung slides down over the liver "
        "and the diaphragm with each breath - the curtain sign.",
        "Measure how far one point of the dome travels between expiration and inspiration: quiet breathing "
        "moves it about 1.5-2 cm; under 1 cm suggests weakness.",
        "A dome that moves cranially on inspiration or a sniff (paradoxical motion) means hemidiaphragm paralysis.",
    ]
    add(
        "lung-diaphragm-01",
        "Right costophrenic view: the curtain sign and a normal diaphragm excursion",
        replace(dia, diaphragm="normal", excursion_cm=1.9),
        "diaphragm_zone_of_apposition",
        "diaphragm_function",
        Decision(
            stem="Before an interscalene block in a patient with COPD, you check the right diaphragm. The clip starts at end-expiration. What do you see?",
            options=[
                "Normal caudal excursion with the lung curtain: the diaphragm works; a baseline before the block",
                "Paradoxical motion: the hemidiaphragm is paralysed",
                "A pleural effusion above the diaphragm",
                "A pneumothorax: no sliding",
            ],
            correct=0,
            explanation="On inspiration the dome and liver move caudally by about 2 cm and the aerated lung slides "
            "down over them (curtain sign): normal function, a useful baseline because interscalene blocks often "
            "paralyse the phrenic nerve.",
        ),
        dia_tps,
        2,
        tags=("diaphragm",),
        ctx="Preoperative baseline before shoulder surgery under an interscalene block.",
        indication="Diaphragm function before and after a block near the phrenic nerve.",
    )
    add(
        "lung-diaphragm-02",
        "Right costophrenic view after an interscalene block: paradoxical diaphragm",
        replace(dia, diaphragm="paradoxical", excursion_cm=0.9),
        "diaphragm_zone_of_apposition",
        "diaphragm_function",
        Decision(
            stem="Breathless in recovery after an interscalene block. The clip starts at end-expiration and the patient sniffs. What does it show?",
            options=[
                "Paradoxical (cranial) motion on the sniff: right hemidiaphragm paralysis from the block",
                "Normal diaphragm excursion",
                "Right pneumothorax",
                "Right pleural effusion",
            ],
            correct=0,
            explanation="On the sniff the dome and liver move towards the head, and the lung curtain does not come "
            "down: paradoxical motion, a phrenic nerve palsy, expected after an interscalene block. Support "
            "breathing (sit up, oxygen); it wears off with the block.",
        ),
        dia_tps,
        3,
        tags=("diaphragm",),
        ctx="30 minutes after an interscalene block for shoulder surgery; SpO2 92%, breathless lying flat.",
        indication="Diaphragm function before and after a block near the phrenic nerve.",
    )
    return out
