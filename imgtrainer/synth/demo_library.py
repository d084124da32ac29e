"""The bundled demo library: each demo case rendered to a DICOM cine with its case.json and key.json.

A ``DemoCase`` couples a renderer (frames plus ground truth) with the teaching text and the key
built from what the renderer drew. ``build_library(out, seed)`` regenerates every case; the same
seed gives the same pixels, UIDs and JSON (timestamps are a fixed build date, not the clock).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from imgtrainer.library.models import (
    AnswerKey,
    Case,
    DecisionAnswer,
    DecisionQuestion,
    MediaRef,
    PatientContext,
    Provenance,
)
from imgtrainer.synth.catalog_abdomen import fast_cases, gastric_cases
from imgtrainer.synth.catalog_heart_airway import airway_cases, cardiac_cases
from imgtrainer.synth.catalog_lung import lung_cases
from imgtrainer.synth.demo_case import DemoCase

BUILD_TIME = datetime(2026, 1, 1, tzinfo=UTC)
"""Fixed timestamp written into generated cases so a rebuild is byte-identical."""
AUTHOR = "imgtrainer-synth"
DEFAULT_SEED = 2026


def all_demo_cases() -> list[DemoCase]:
    """Every demo case of every application, in a stable order."""
    demos = [*lung_cases(), *fast_cases(), *gastric_cases(), *cardiac_cases(), *airway_cases()]
    counters: dict[str, int] = {}
    for d in demos:
        # Trainees see case ids in folders and lists: number them per application instead of
        # naming the finding ("lung-ptx-01" would give the answer away).
        counters[d.domain] = counters.get(d.domain, 0) + 1
        d.recipe = d.recipe or d.id
        d.id = f"{d.domain}-{counters[d.domain]:02d}"
    return demos


def case_seed(seed: int, case_id: str) -> int:
    """A per-case seed from the library seed and the case id (independent of build order)."""
    h = 0
    for ch in case_id.encode():
        h = (h * 131 + ch) % 2_147_483_647
    return (seed * 1_000_003 + h) % 2**31


def write_demo_case(root: Path, demo: DemoCase, seed: int, jpeg_quality: int = 60) -> Path:
    """Render one demo case into ``root/<id>/`` (media/clip.dcm, case.json, key.json)."""
    from imgtrainer.library.case_io import save_case, save_key
    from imgtrainer.media.clip import Region
    from imgtrainer.media.dicom_writer import write_dicom_cine

    s = case_seed(seed, demo.recipe or demo.id)
    out = demo.render(s)
    folder = Path(root) / demo.id
    pr = out.probe
    x0, y0, x1, y1 = pr.field_box
    region = Region(x0, y0, x1, y1, "2D", "TISSUE", "cm", "cm", round(pr.pixel_cm, 6), round(pr.pixel_cm, 6))
    write_dicom_cine(
        folder / "media" / "clip.dcm",
        out.frames,
        frame_time_ms=1000.0 / out.fps,
        regions=[region],
        transfer_syntax="jpeg",
        jpeg_quality=jpeg_quality,
        study_description=f"imgtrainer demo: {demo.domain}",
        series_description=f"imgtrainer demo case {demo.id}",
        manufacturer="imgtrainer",
        model=f"synth {pr.kind} {pr.freq_mhz:g} MHz",
        uid_seed=f"{demo.recipe or demo.id}:{seed}",
        when=BUILD_TIME,
    )
    dq = DecisionQuestion(stem=demo.decision.stem, options=demo.decision.options)
    case = Case(
        id=demo.id,
        title=demo.title,
        domain=demo.domain,  # type: ignore[arg-type]
        media=[MediaRef(path="media/clip.dcm", label="cine loop")],
        probe=pr.kind,
        patient=PatientContext(
            age_years=demo.age,
            weight_kg=demo.weight,
            sex=demo.sex,  # type: ignore[arg-type]
            clinical_context=demo.clinical_context,
        ),
        indication=demo.indication,
        difficulty=demo.difficulty,  # type: ignore[arg-type]
        tags=["synthetic", "demo", *demo.tags],
        teaching_points=demo.teaching_points,
        decision=dq,
        provenance=Provenance(
            source="imgtrainer synthetic phantom (convolution B-mode model)",
            licence="MIT",
            generator={
                "module": "imgtrainer.synth",
                "recipe": demo.recipe or demo.id,
                "library_seed": seed,
                "case_seed": s,
                **demo.params,
            },
        ),
        status="approved",
        public=True,
        created_at=BUILD_TIME,
    )
    answers = dict(demo.answers(out))
    answers["decision"] = DecisionAnswer(
        correct=demo.decision.correct, explanation=demo.decision.explanation, author=AUTHOR, at=BUILD_TIME
    )
    for a in answers.values():
        if a.author is None:
            a.author = AUTHOR
            a.at = BUILD_TIME
    key = AnswerKey(
        case_id=demo.id,
        rater=AUTHOR,
        role="consensus",
        agreed_by=[AUTHOR],
        created_at=BUILD_TIME,
        updated_at=BUILD_TIME,
        answers=answers,
    )
    save_case(folder, case)
    save_key(folder, key)
    return folder


def _build_one(args: tuple[str, str, int]) -> str:
    root, case_id, seed = args
    demo = next(d for d in all_demo_cases() if d.id == case_id)
    write_demo_case(Path(root), demo, seed)
    return case_id


def build_library(
    out: Path,
    seed: int = DEFAULT_SEED,
    only: Sequence[str] | None = None,
    jobs: int = 1,
    on_done: Callable[[str], None] | None = None,
) -> list[str]:
    """Regenerate the demo library into ``out`` (replacing each case folder); returns case ids.

    ``only`` restricts to case ids, recipes or their prefixes (``lung-``, ``lung-ptx``). ``jobs`` > 1
    renders in parallel.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    demos = all_demo_cases()
    if only:
        demos = [d for d in demos if any(n.startswith(o) for o in only for n in (d.id, d.recipe))]
    for d in demos:
        if (out / d.id).is_dir():
            shutil.rmtree(out / d.id)
    tasks = [(str(out), d.id, seed) for d in demos]
    done: list[str] = []
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for cid in pool.map(_build_one, tasks):
                done.append(cid)
                if on_done:
                    on_done(cid)
    else:
        for d in demos:
            write_demo_case(out, d, seed)
            done.append(d.id)
            if on_done:
                on_done(d.id)
    return done
