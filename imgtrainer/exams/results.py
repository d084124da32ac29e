"""The candidate's results file: every answer and the audit chain, MACed, verified fail-closed.

Format: canonical JSON (sorted keys, one-space indent, ASCII) of ``{format, exam_id, candidate,
attempt_id, package_sha256, ..., answers, audit, mac}``; ``mac`` = HMAC-SHA256 under the
per-attempt key over the canonical compact JSON of every other field. Verification demands that
the file's bytes are exactly the canonical form of what they parse to, so even an edit that JSON
ignores (whitespace, escapes, number spelling) is rejected.

What the MAC proves (threat model, honestly):

- The per-attempt key is HMAC(results secret, exam, candidate, attempt); the results secret is
  sealed under the proctor passphrase and unsealed only when the proctor starts the exam. So
  without the candidate PC's session database nobody can forge or alter a results file, invent
  an attempt the proctor never started, or pass one candidate's results off as another's
  (in transit, on a USB stick, on the grading share).
- The attempt key is stored in the candidate's session database (it must survive a crash without
  the proctor). Someone with administrator access to that PC during or after the attempt can read
  it and sign arbitrary answers for *that* attempt. The audit log's elapsed times, resume events
  and the proctor's own records are the defence there; the sealed answer key stays out of reach
  (it is never decrypted on the candidate side), so such a person still cannot learn the answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgtrainer.errors import ExamError, TamperError
from imgtrainer.exams import crypto
from imgtrainer.exams.session_db import verify_chain
from imgtrainer.fileio import read_problem

if TYPE_CHECKING:
    from imgtrainer.exams.package import ExamPackage
    from imgtrainer.exams.session_db import SessionDB
    from imgtrainer.exams.session_status import SessionView

RESULTS_FORMAT = "imgtrainer-exam-results"
RESULTS_VERSION = 1


def results_document(session: SessionView, db: SessionDB) -> dict[str, Any]:
    meta = db.meta()
    limit = session.time_limit_s()
    return {
        "format": RESULTS_FORMAT,
        "format_version": RESULTS_VERSION,
        "exam_id": session.package.exam_id,
        "candidate": session.candidate,
        "attempt_id": meta["attempt_id"],
        "package_sha256": meta["package_sha256"],
        "status": meta.get("status", "running"),
        "submit_reason": meta.get("submit_reason"),
        "order": json.loads(meta["order"]),
        "elapsed_s": round(session.elapsed_s(), 6),
        "time_limit_s": session.settings.get("time_limit_s"),
        "attempt": session.attempt,
        "candidate_time_limit_s": None if limit is None else round(limit, 6),
        "answers": db.answers(),
        "audit": db.audit(),
    }


def render(doc: dict[str, Any]) -> bytes:
    """The one accepted byte form of a results document."""
    return (json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=True, allow_nan=False) + "\n").encode()


def sign_document(doc: dict[str, Any], key: bytes) -> dict[str, Any]:
    body = {k: v for k, v in doc.items() if k != "mac"}
    return {**body, "mac": crypto.mac_hex(key, crypto.canonical_json(body))}


def write_results_file(path: Path, doc: dict[str, Any], key: bytes) -> Path:
    """Sign and write atomically (temp file in the same folder, fsync, rename)."""
    from imgtrainer.library._files import atomic_write_text

    return atomic_write_text(Path(path), render(sign_document(doc, key)).decode("ascii"))


def parse_results(data: bytes, what: str) -> dict[str, Any]:
    """Parse and check the canonical form (no key needed); TamperError on any deviation."""
    try:
        doc = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TamperError(
            f"{what}: not a valid results file ({exc.__class__.__name__}); it was altered or damaged"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != RESULTS_FORMAT:
        raise TamperError(f"{what}: not an imgtrainer exam results file")
    try:
        canonical = render(doc)
    except (TypeError, ValueError):
        raise TamperError(f"{what}: results file holds non-canonical values") from None
    if canonical != data:
        raise TamperError(f"{what}: the file is not in its signed byte form; it was edited")
    for field in ("exam_id", "candidate", "attempt_id", "mac"):
        if not isinstance(doc.get(field), str):
            raise TamperError(f"{what}: field {field} is missing or not text")
    if not isinstance(doc.get("answers"), list) or not isinstance(doc.get("audit"), list):
        raise TamperError(f"{what}: fields answers/audit are missing")
    return doc


def verify_document(doc: dict[str, Any], package: ExamPackage, results_secret: bytes, what: str) -> None:
    """MAC, audit chain, and answers-vs-audit consistency; raises TamperError on any failure."""
    if doc["exam_id"] != package.exam_id:
        raise TamperError(
            f"{what}: results are for exam {doc['exam_id']}, not this package ({package.exam_id})"
        )
    key = crypto.attempt_key(results_secret, doc["exam_id"], doc["candidate"], doc["attempt_id"])
    body = {k: v for k, v in doc.items() if k != "mac"}
    if not crypto.mac_ok(key, crypto.canonical_json(body), doc["mac"]):
        raise TamperError(f"{what}: MAC does not verify: the results were altered, or are not from this exam")
    audit = doc["audit"]
    try:
        verify_chain(key, audit, what)
    except (KeyError, TypeError, AttributeError):
        raise TamperError(f"{what}: malformed audit log") from None
    logged = [row["data"] for row in audit if row["event"] == "answer"]
    given = [
        {"answer": a["seq"], "item": a["item"], "question": a["question"], "response": a["response"]}
        for a in doc["answers"]
    ]
    if logged != given:
        raise TamperError(f"{what}: answers do not match the audit log")
    if doc["package_sha256"] != package.sha256:
        raise TamperError(f"{what}: results were taken on a different copy of the package")


def verify_results_file(path: Path, package: ExamPackage, results_secret: bytes) -> dict[str, Any]:
    """Read, parse and verify one results file; returns the document."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExamError(f"{path}: {read_problem(exc)}") from None
    doc = parse_results(data, str(path))
    verify_document(doc, package, results_secret, str(path))
    return doc


def final_answers(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Latest answer per item and question (a None response withdraws the answer)."""
    out: dict[str, dict[str, Any]] = {}
    for row in sorted(doc["answers"], key=lambda a: a["seq"]):
        out.setdefault(row["item"], {})[row["question"]] = row["response"]
    return {item: {q: r for q, r in qs.items() if r is not None} for item, qs in out.items()}
