"""Trainees' scans sent from a device: recorded at receipt, claimed as QA submissions later.

At receipt (before de-identification) the receiver calls ``record_receipt`` with the calling AE
title and the instance's Operators' Name. The name is hashed with the operator table's salt and
matched there; only the outcome is written: ``<library>/.device-claims/<series case id>.json``
holds the calling AE title, the trainee it maps to (or none) and how it matched. No name, no hash.

``claim_received`` (``imgtrainer qa claim-received``, run by faculty or cron) turns each mapped
series whose case has been quiet for ``settle_s`` seconds into a submission with status
submitted and an empty reading. A series arrives as several instances over seconds to minutes,
so claiming waits for it to settle instead of freezing the first instance into a submission.
The submission id is derived from the series case id, and a submission is written by an
atomic rename, so claiming again (or after a kill) creates nothing new. A series recorded with
no trainee is matched again by its AE title when claimed, so a device mapped after the fact
still counts; anything unmapped stays an ordinary pending case for faculty.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.fileio import atomic_write_json
from imgtrainer.qa.operators import load_table, resolve
from imgtrainer.qa.submission import QaError

CLAIMS_DIR = ".device-claims"


def _operators(ds: Any) -> list[str]:
    value = ds.get("OperatorsName") if ds is not None else None
    if value is None or value == "":
        return []
    from pydicom.multival import MultiValue

    items = list(value) if isinstance(value, MultiValue | list | tuple) else [value]
    return [str(v) for v in items if str(v).strip()]


def record_receipt(library: Path, case_id: str, calling_ae: str, ds: Any, qa_dir: Path) -> dict[str, Any]:
    """Note who sent an instance of series ``case_id`` (see module doc); returns what was kept."""
    path = Path(library) / CLAIMS_DIR / f"{case_id}.json"
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = None
    if old and old.get("trainee"):  # the series is already mapped: nothing to add
        return old
    try:
        hit = resolve(load_table(qa_dir), calling_ae, _operators(ds))
    except QaError:
        hit = None  # an unreadable table must not refuse the study: it stays an ordinary case
    record = {
        "case_id": case_id,
        "calling_ae": calling_ae.strip(),
        "trainee": hit[0].trainee if hit else None,
        "domain": hit[0].domain if hit else None,
        "matched_by": hit[1] if hit else None,
        "received_at": (old or {}).get("received_at") or datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if record != old:
        atomic_write_json(path, record)
    return record


def submission_id_for(case_id: str) -> str:
    """One submission per received series, whatever runs the claim and how often."""
    return "qa-" + hashlib.sha256(f"device|{case_id}".encode()).hexdigest()[:12]


@dataclass
class Claim:
    case_id: str
    status: str  # "submitted", "already", "unmapped", "waiting", "not_filed", "failed"
    trainee: str | None = None
    submission: str | None = None
    reason: str | None = None


def _quiet_for(folder: Path) -> float:
    newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)
    return time.time() - newest


def _clean_stale_staging(qa_dir: Path, older_than_s: float = 3600.0) -> None:
    """A claim killed mid-copy leaves a ``.staging-*`` folder (never a submission): drop old ones."""
    import shutil

    for p in qa_dir.glob(".staging-*") if qa_dir.is_dir() else []:
        try:
            if time.time() - p.stat().st_mtime > older_than_s:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            continue


def claim_received(library: Path, qa_dir: Path, settle_s: float = 120.0) -> list[Claim]:
    """Create the submissions of mapped, settled series (see module doc)."""
    from imgtrainer.library.case_io import load_case
    from imgtrainer.qa.submission import new_submission, submit_case

    library = Path(library)
    _clean_stale_staging(Path(qa_dir))
    table = load_table(qa_dir) if (Path(qa_dir) / "operators.json").is_file() else None
    out: list[Claim] = []
    for rec_path in sorted((library / CLAIMS_DIR).glob("*.json")):
        try:
            rec = json.loads(rec_path.read_text(encoding="utf-8"))
            case_id = str(rec["case_id"])
        except (OSError, ValueError, KeyError):
            out.append(Claim(rec_path.stem, "failed", reason=f"{rec_path}: unreadable record"))
            continue
        trainee, domain = rec.get("trainee"), rec.get("domain")
        if not trainee and table is not None:
            hit = resolve(table, rec.get("calling_ae"), [])
            if hit:
                trainee, domain = hit[0].trainee, hit[0].domain
        if not trainee:
            out.append(Claim(case_id, "unmapped"))
            continue
        sid = submission_id_for(case_id)
        if (Path(qa_dir) / sid).is_dir():
            out.append(Claim(case_id, "already", trainee, sid))
            continue
        folder = library / case_id
        if not (folder / "case.json").is_file():
            out.append(
                Claim(case_id, "not_filed", trainee, reason="no case yet (still filing, or quarantined)")
            )
            continue
        if _quiet_for(folder) < settle_s:
            out.append(Claim(case_id, "waiting", trainee, reason=f"series changed under {settle_s:g} s ago"))
            continue
        try:
            case = load_case(folder)
            sub = new_submission(
                trainee,
                domain or case.domain,
                case.created_at.date() if case.created_at else datetime.now(UTC).date(),
                [case_id],
                source=f"C-STORE from AE {rec.get('calling_ae') or '?'} (series {case_id})",
            ).model_copy(update={"id": sid})
            submit_case(folder, Path(qa_dir), sub, any_domain=True)
        except QaError as exc:
            if (Path(qa_dir) / sid).is_dir():  # another claim won the race
                out.append(Claim(case_id, "already", trainee, sid))
            else:
                out.append(Claim(case_id, "failed", trainee, sid, str(exc)))
            continue
        out.append(Claim(case_id, "submitted", trainee, sid))
    return out


def claims_json(claims: list[Claim]) -> list[dict[str, Any]]:
    return [asdict(c) for c in claims]
