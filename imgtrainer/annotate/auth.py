"""Faculty-mode password: scrypt with an explicit memory limit, compared in constant time.

What this protects on a shared PC: a trainee using the app cannot open keys or annotation
tools without the password, and the stored hash does not reveal it. What it cannot do: stop
someone with file-system access from reading key.json files of a library folder they can
read (exam keys are sealed separately; see imgtrainer.exams).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from imgtrainer.errors import ImgTrainerError
from imgtrainer.fileio import atomic_write_text

SCRYPT_N = 2**15  # CPU/memory cost: 32 MiB with r=8
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_MAXMEM = 64 * 1024 * 1024  # bytes; explicit so a hostile file cannot demand more
MIN_PASSWORD_LENGTH = 8


class AuthError(ImgTrainerError):
    """Wrong password, or no faculty password set."""


@dataclass(frozen=True)
class PasswordRecord:
    salt_hex: str
    hash_hex: str
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P
    algorithm: str = "scrypt"


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if n > 2**20 or r > 16 or p > 4:
        raise AuthError("stored password parameters are out of the allowed range")
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=32)


def hash_password(password: str) -> PasswordRecord:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"faculty password must have at least {MIN_PASSWORD_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return PasswordRecord(salt_hex=salt.hex(), hash_hex=digest.hex())


def verify_password(password: str, record: PasswordRecord) -> bool:
    """Constant-time comparison of the derived key with the stored one."""
    digest = _derive(password, bytes.fromhex(record.salt_hex), record.n, record.r, record.p)
    return hmac.compare_digest(digest, bytes.fromhex(record.hash_hex))


def _store_path(home: Path) -> Path:
    return home / "faculty_password.json"


def set_faculty_password(home: Path, password: str, current: str | None = None) -> None:
    """Set or change the password; changing it needs the current one."""
    path = _store_path(home)
    if path.exists() and (current is None or not check_faculty_password(home, current)):
        raise AuthError("changing the faculty password needs the current password")
    record = hash_password(password)
    atomic_write_text(path, json.dumps(asdict(record), indent=2), private=True)


def has_faculty_password(home: Path) -> bool:
    return _store_path(home).exists()


def check_faculty_password(home: Path, password: str) -> bool:
    path = _store_path(home)
    if not path.exists():
        raise AuthError("no faculty password is set: set one with `imgtrainer faculty set-password`")
    try:
        record = PasswordRecord(**json.loads(path.read_text()))
    except (ValueError, TypeError) as exc:
        raise AuthError(f"{path}: unreadable password record ({exc})") from exc
    return verify_password(password, record)


# ------------------------------------------------------------- CLI faculty session
# `imgtrainer faculty login` opens a faculty session for the command line (the GUI keeps its own
# login in memory). While it lasts, `cases list` shows every case with its review status; without
# it the CLI shows trainees only the cases that pass the review gate. The session file is bound
# to the stored password record by an HMAC, so setting a new password ends it; like the
# password itself it cannot stop someone who can write the user's data folder.

SESSION_HOURS = 8.0


def _session_path(home: Path) -> Path:
    return home / "faculty_session.json"


def _session_mac(home: Path, expires: str) -> str:
    record = json.loads(_store_path(home).read_text())
    return hmac.new(bytes.fromhex(record["hash_hex"]), expires.encode(), hashlib.sha256).hexdigest()


def start_faculty_session(home: Path, password: str, hours: float = SESSION_HOURS) -> datetime:
    """Check the password and open a session lasting ``hours``; returns when it expires (UTC)."""
    if not 0 < hours <= 24:
        raise AuthError(f"a faculty session lasts 0-24 hours, not {hours:g}")
    if not check_faculty_password(home, password):
        raise AuthError("wrong faculty password")
    expires = (datetime.now(UTC) + timedelta(hours=hours)).isoformat()
    data = {"expires": expires, "mac": _session_mac(home, expires)}
    atomic_write_text(_session_path(home), json.dumps(data), private=True)
    return datetime.fromisoformat(expires)


def faculty_session_active(home: Path, now: datetime | None = None) -> bool:
    """True while a session opened by ``start_faculty_session`` lasts and its MAC matches."""
    try:
        data = json.loads(_session_path(home).read_text())
        expires = str(data["expires"])
        good = hmac.compare_digest(str(data["mac"]), _session_mac(home, expires))
        return good and (now or datetime.now(UTC)) < datetime.fromisoformat(expires)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def end_faculty_session(home: Path) -> bool:
    """Close the session; True if one was open."""
    try:
        _session_path(home).unlink()
        return True
    except FileNotFoundError:
        return False
