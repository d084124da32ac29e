"""Key derivation, sealing and signing for exam packages and results.

One proctor passphrase gives, through scrypt (explicit n/r/p, memory-capped) and then HKDF with a
separate context per purpose, independent keys: one seals the answer key (AES-256-GCM), one seals
the per-exam results secret, one is the Ed25519 seed that signs the package manifest. Results are
MACed with HMAC-SHA256 under a per-attempt key derived from the results secret.

Only the standard library is imported at module load; ``cryptography`` is imported lazily so the
candidate-side session (and its crash tests) start fast.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any

from imgtrainer.errors import ExamError, TamperError

KDF_NAME = "scrypt"
DEFAULT_N = 2**15  # 32 MiB with r=8: about 0.1 s on this kind of machine
DEFAULT_R = 8
DEFAULT_P = 1
MIN_N = 2**14
MAX_MEMORY_BYTES = 256 * 1024 * 1024  # refuse packages asking for more (memory exhaustion guard)
_CONTEXT = b"imgtrainer-exam/v1/"


@dataclass(frozen=True)
class KdfParams:
    """scrypt parameters stored (in clear) in exam.json; salt is hex."""

    salt: str
    n: int = DEFAULT_N
    r: int = DEFAULT_R
    p: int = DEFAULT_P

    @classmethod
    def fresh(cls, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> KdfParams:
        params = cls(salt=os.urandom(16).hex(), n=n, r=r, p=p)
        params.check()
        return params

    @classmethod
    def from_dict(cls, data: Any) -> KdfParams:
        try:
            if data.get("name") != KDF_NAME:
                raise ExamError(f"exam.json: field kdf.name: unsupported KDF {data.get('name')!r}")
            params = cls(salt=str(data["salt"]), n=int(data["n"]), r=int(data["r"]), p=int(data["p"]))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ExamError(f"exam.json: field kdf: malformed ({exc})") from None
        params.check()
        return params

    def to_dict(self) -> dict[str, Any]:
        return {"name": KDF_NAME, "salt": self.salt, "n": self.n, "r": self.r, "p": self.p}

    def check(self) -> None:
        """Refuse weak or memory-exhausting parameters (a crafted package must not OOM the PC)."""
        if self.n < MIN_N or self.n & (self.n - 1):
            raise ExamError(f"exam.json: field kdf.n: {self.n} must be a power of two >= {MIN_N}")
        if not (1 <= self.r <= 32 and 1 <= self.p <= 16):
            raise ExamError(f"exam.json: field kdf: r={self.r} p={self.p} out of range")
        if 128 * self.n * self.r * self.p > MAX_MEMORY_BYTES:
            raise ExamError(f"exam.json: field kdf: needs more than {MAX_MEMORY_BYTES >> 20} MiB")
        try:
            if len(bytes.fromhex(self.salt)) < 16:
                raise ValueError
        except ValueError:
            raise ExamError("exam.json: field kdf.salt: must be >= 16 bytes of hex") from None


def canonical_json(obj: Any) -> bytes:
    """The one byte form that is hashed, MACed or signed: sorted keys, no spaces, ASCII."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def derive_master(passphrase: str, params: KdfParams) -> bytes:
    """scrypt(passphrase) -> 32-byte master key. Slow on purpose (offline guessing)."""
    if not passphrase:
        raise ExamError("the proctor passphrase is empty")
    params.check()
    # hashlib.scrypt takes an explicit memory cap; it is OpenSSL's scrypt, same as cryptography's.
    return hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=bytes.fromhex(params.salt),
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=MAX_MEMORY_BYTES + 1024 * 1024,
        dklen=32,
    )


def subkey(master: bytes, purpose: str, exam_id: str) -> bytes:
    """HKDF-SHA256(master) with a separate info string per purpose and exam."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    info = _CONTEXT + purpose.encode() + b"/" + exam_id.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM with a random 96-bit nonce; returns nonce || ciphertext+tag."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, blob: bytes, aad: bytes, what: str) -> bytes:
    """Decrypt a sealed blob; a wrong passphrase or any edit raises TamperError."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(blob) < 12 + 16:
        raise TamperError(f"{what}: sealed data is truncated")
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], aad)
    except InvalidTag:
        raise TamperError(f"{what}: cannot decrypt (wrong passphrase, or the package was altered)") from None


def signing_key(master: bytes, exam_id: str) -> Any:
    """The exam's Ed25519 private key, derived from the passphrase (nothing else to keep safe)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(subkey(master, "sign-ed25519", exam_id))


def public_key_hex(private_key: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def verify_signature(public_hex: str, signature: bytes, message: bytes, what: str) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise TamperError(f"{what}: signature does not verify; the package was altered") from None


def attempt_key(results_secret: bytes, exam_id: str, candidate: str, attempt_id: str) -> bytes:
    """Per-attempt HMAC key: only someone holding the results secret (the proctor) can derive it."""
    msg = canonical_json(["attempt", exam_id, candidate, attempt_id])
    return hmac.new(results_secret, msg, hashlib.sha256).digest()


def mac_hex(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def mac_ok(key: bytes, data: bytes, expected_hex: str) -> bool:
    return hmac.compare_digest(mac_hex(key, data), str(expected_hex))
