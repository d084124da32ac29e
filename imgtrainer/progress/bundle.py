"""Signed progress bundles for air-gapped laptops: ``progress export`` writes one trainee's
finished attempts (with answers and finding outcomes) and Level 1 scans to a file; ``progress
import`` checks it and adds the rows the department store lacks (the same set union as sync).

Format: canonical JSON (sorted keys, one-space indent, ASCII) of ``{format, format_version,
trainee, exported_at, rows, mac}``; ``mac`` = HMAC-SHA256 under the trainee's bundle key
(``progress.enrolment``) over the compact canonical JSON of every other field. As for exam
results, the file's bytes must be exactly the canonical form of what they parse to, so any
byte edit is refused, not only those that change a value.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Engine, select
from sqlalchemy.orm import Session

from imgtrainer.errors import StoreError, TamperError
from imgtrainer.progress.enrolment import canonical, card_for, load_department_key, trainee_key
from imgtrainer.store.attempt_tables import AnswerRow, AttemptRow, FindingOutcomeRow, ScanLogRow, TraineeRow

FORMAT = "imgtrainer-progress-bundle"
VERSION = 1
_TABLES = {
    "attempts": AttemptRow,
    "answers": AnswerRow,
    "finding_outcomes": FindingOutcomeRow,
    "scan_log": ScanLogRow,
}


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def _dump(row: Any, drop: tuple[str, ...]) -> dict:
    return {c.name: _plain(getattr(row, c.key)) for c in row.__table__.columns if c.name not in drop}


def render(doc: dict) -> bytes:
    return (json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=True, allow_nan=False) + "\n").encode()


def export_bundle(engine: Engine, trainee_ref: str, now: datetime, key: bytes | None = None) -> bytes:
    """The signed bundle of one trainee (``key``: the bundle key; default: this computer's card)."""
    from imgtrainer.progress.trainees import TraineeDirectory

    t = TraineeDirectory(engine).get(trainee_ref)
    key = key if key is not None else bytes.fromhex(card_for(t.uuid)["key"])
    with Session(engine) as s:
        atts = s.scalars(
            select(AttemptRow)
            .where(AttemptRow.trainee_id == t.id, AttemptRow.status == "finished")
            .order_by(AttemptRow.id)
        ).all()
        by_id = {a.id: a.uuid for a in atts}
        rows: dict[str, list] = {"attempts": [_dump(a, ("id", "trainee_id")) for a in atts]}
        for name, model in (("answers", AnswerRow), ("finding_outcomes", FindingOutcomeRow)):
            kids = s.scalars(select(model).where(model.attempt_id.in_(list(by_id))).order_by(model.id)).all()
            rows[name] = [
                dict(_dump(k, ("id", "attempt_id")), attempt_uuid=by_id[k.attempt_id]) for k in kids
            ]
        scans = s.scalars(
            select(ScanLogRow).where(ScanLogRow.trainee_id == t.id).order_by(ScanLogRow.id)
        ).all()
        rows["scan_log"] = [_dump(r, ("id", "trainee_id")) for r in scans]
    body = {
        "format": FORMAT,
        "format_version": VERSION,
        "trainee": t.to_dict(),
        "exported_at": now.astimezone(UTC).isoformat(),
        "rows": rows,
    }
    return render({**body, "mac": trainee_key_mac(key, body)})


def trainee_key_mac(key: bytes, body: dict) -> str:
    import hashlib
    import hmac

    return hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def verify_bundle(data: bytes, department_key: bytes, what: str) -> dict:
    """Parse and verify (canonical bytes, MAC under the trainee's key); TamperError otherwise."""
    import hmac

    try:
        doc = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TamperError(f"{what}: not a valid progress bundle; it was altered or damaged") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TamperError(f"{what}: not an imgtrainer progress bundle")
    try:
        if render(doc) != data:
            raise TamperError(f"{what}: the file is not in its signed byte form; it was edited")
    except (TypeError, ValueError):
        raise TamperError(f"{what}: the bundle holds non-canonical values") from None
    t = doc.get("trainee")
    if not isinstance(t, dict) or not isinstance(t.get("id"), str) or not isinstance(doc.get("mac"), str):
        raise TamperError(f"{what}: the bundle has no trainee or no signature")
    body = {k: v for k, v in doc.items() if k != "mac"}
    expected = trainee_key_mac(trainee_key(department_key, t["id"]), body)
    if not hmac.compare_digest(expected, doc["mac"]):
        raise TamperError(
            f"{what}: signature does not verify: the bundle was edited, or is not from this department"
        )
    if doc.get("format_version") != VERSION or not isinstance(doc.get("rows"), dict):
        raise TamperError(f"{what}: unsupported bundle version {doc.get('format_version')!r}")
    return doc


def _load(model: Any, raw: dict) -> dict:
    out = {}
    for c in model.__table__.columns:
        if c.name not in raw:
            continue
        v = raw[c.name]
        if v is not None and isinstance(c.type, DateTime):
            v = datetime.fromisoformat(v)
        elif v is not None and isinstance(c.type, Date):
            v = date.fromisoformat(v)
        out[c.key] = v
    return out


def import_bundle(target: Engine, data: bytes, department_key: bytes, what: str):
    """Verify, then add the rows ``target`` lacks (through a scratch SQLite store and ``sync``)."""
    from imgtrainer.store.engine import make_engine
    from imgtrainer.store.sync import sync

    doc = verify_bundle(data, department_key, what)
    t, rows = doc["trainee"], doc["rows"]
    with tempfile.TemporaryDirectory(prefix="imgt-bundle-") as tmp:
        scratch = make_engine(Path(tmp) / "bundle.sqlite")
        try:
            with Session(scratch) as s, s.begin():
                tr = TraineeRow(
                    uuid=t["id"],
                    name=t["name"],
                    group_name=t.get("group", ""),
                    created_at=datetime.fromisoformat(t["created_at"]),
                )
                s.add(tr)
                s.flush()
                ids: dict[str, int] = {}
                for raw in rows.get("attempts", []):
                    a = AttemptRow(**_load(AttemptRow, raw), trainee_id=tr.id)
                    s.add(a)
                    s.flush()
                    ids[a.uuid] = a.id
                for name, model in (("answers", AnswerRow), ("finding_outcomes", FindingOutcomeRow)):
                    for raw in rows.get(name, []):
                        s.add(model(**_load(model, raw), attempt_id=ids[raw["attempt_uuid"]]))
                for raw in rows.get("scan_log", []):
                    s.add(ScanLogRow(**_load(ScanLogRow, raw), trainee_id=tr.id))
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(
                f"{what}: malformed rows in a signed bundle ({exc.__class__.__name__})"
            ) from None
        report = sync(scratch, target)
        scratch.dispose()
    return doc, report


def import_file(target: Engine, path: Path, department_key_file: Path | None):
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return import_bundle(target, data, load_department_key(department_key_file), str(path))
