"""The operator table faculty keep: which device (calling AE title) or which Operators' Name
(0008,1070) sends a trainee's own scans, so a study C-STOREd from the cart becomes a QA submission.

Operators' Name is staff identity and de-identification removes it from the files, so the table
never holds it in clear: an operator entry keeps ``HMAC-SHA256(table salt, normalised name)``.
The receiver hashes the Operators' Name of each instance the same way at receipt (before
de-identification) and keeps only the trainee it maps to (``qa.device``). A salted hash of a name
can still be confirmed by someone holding the table and guessing names: keep the QA folder as
private as the reviews in it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from imgtrainer.fileio import atomic_write_json
from imgtrainer.qa.submission import QaError

TABLE_FILE = "operators.json"
APPS = ("airway", "lung", "gastric", "cardiac", "fast")


class Mapping(BaseModel):
    """One row: a calling AE title or a hashed Operators' Name, sending for one trainee."""

    trainee: str = Field(min_length=1)
    ae_title: str | None = None
    operator_hash: str | None = None  # hex HMAC of the normalised Operators' Name
    domain: str | None = None  # the application its studies are (None: from the study)
    added_at: datetime


class Table(BaseModel):
    salt: str  # hex; random per table
    mappings: list[Mapping] = Field(default_factory=list)


def normalise_operator(name: str) -> str:
    """'Smith^Jo', 'SMITH ^ JO ' and 'smith^jo' are one operator (PN components, case, spaces)."""
    parts = [" ".join(p.split()).upper() for p in str(name).split("^")]
    while parts and not parts[-1]:
        parts.pop()
    return "^".join(parts)


def operator_hash(salt: str, name: str) -> str:
    return hmac.new(bytes.fromhex(salt), normalise_operator(name).encode(), hashlib.sha256).hexdigest()


def table_path(qa_dir: Path) -> Path:
    return Path(qa_dir) / TABLE_FILE


def load_table(qa_dir: Path) -> Table:
    """The table (an empty one with a new salt when there is none yet)."""
    path = table_path(qa_dir)
    if not path.is_file():
        return Table(salt=secrets.token_hex(16))
    try:
        return Table.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QaError(f"{path}: unreadable operator table: {first}") from None


def save_table(qa_dir: Path, table: Table) -> None:
    Path(qa_dir).mkdir(parents=True, exist_ok=True)
    atomic_write_json(table_path(qa_dir), table.model_dump(mode="json"))


def _check_ae(ae: str) -> str:
    ae = ae.strip()
    if not ae or len(ae) > 16 or "\\" in ae:
        raise QaError(f"--ae {ae!r}: an AE title has 1 to 16 characters and no backslash")
    return ae


def add(qa_dir: Path, trainee: str, ae: str | None, operator: str | None, domain: str | None) -> Mapping:
    """Map an AE title or an Operators' Name to a trainee (replaces an earlier row for the same)."""
    if bool(ae) == bool(operator):
        raise QaError("give --ae AE_TITLE or --operator NAME (one of them)")
    if not trainee.strip():
        raise QaError("--trainee: empty name")
    if domain is not None and domain not in APPS:
        raise QaError(f"--domain {domain!r}: one of {', '.join(APPS)}")
    table = load_table(qa_dir)
    if operator is not None and not normalise_operator(operator):
        raise QaError("--operator: empty name")
    row = Mapping(
        trainee=trainee.strip(),
        ae_title=_check_ae(ae) if ae else None,
        operator_hash=operator_hash(table.salt, operator) if operator else None,
        domain=domain,
        added_at=datetime.now(UTC),
    )
    table.mappings = [m for m in table.mappings if not _same(m, row)] + [row]
    save_table(qa_dir, table)
    return row


def _same(a: Mapping, b: Mapping) -> bool:
    return (a.ae_title, a.operator_hash) == (b.ae_title, b.operator_hash)


def remove(qa_dir: Path, ae: str | None, operator: str | None) -> int:
    """Remove the row of an AE title or an Operators' Name; returns how many were removed."""
    if bool(ae) == bool(operator):
        raise QaError("give --ae AE_TITLE or --operator NAME (one of them)")
    table = load_table(qa_dir)
    h = operator_hash(table.salt, operator) if operator else None
    keep = [
        m for m in table.mappings if not ((ae and m.ae_title == ae.strip()) or (h and m.operator_hash == h))
    ]
    n = len(table.mappings) - len(keep)
    if n:
        table.mappings = keep
        save_table(qa_dir, table)
    return n


def rows(qa_dir: Path) -> list[dict[str, Any]]:
    """The table for display: an operator row shows a hash prefix, never the name."""
    return [
        {
            "trainee": m.trainee,
            "ae_title": m.ae_title,
            "operator": f"#{m.operator_hash[:10]}" if m.operator_hash else None,
            "domain": m.domain,
            "added_at": m.added_at.isoformat(timespec="seconds"),
        }
        for m in load_table(qa_dir).mappings
    ]


def resolve(table: Table, calling_ae: str | None, operators: list[str]) -> tuple[Mapping, str] | None:
    """The row a received instance matches, and how ("operator" first: a shared cart's AE title
    is the weaker evidence of who scanned)."""
    hashes = {operator_hash(table.salt, n) for n in operators if normalise_operator(n)}
    for m in table.mappings:
        if m.operator_hash and m.operator_hash in hashes:
            return m, "operator"
    for m in table.mappings:
        if m.ae_title and calling_ae and m.ae_title == calling_ae.strip():
            return m, "ae"
    return None
