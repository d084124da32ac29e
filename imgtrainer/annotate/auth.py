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
