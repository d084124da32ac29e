"""Opening an exam package: verify everything before trusting anything (fail closed).

Layout of the zip::

    exam.json            exam id, settings, KDF parameters, Ed25519 public key, items and their
                         questions (no answers)
    items/<item>/media/m0.<ext>   the media of each case, renamed (no case.json, no key.json)
    key.sealed           AES-256-GCM(answer keys), AAD = exam.json bytes
    proctor.sealed       AES-256-GCM(per-exam results secret), AAD = exam.json bytes
    manifest.json        sha256 of every member above
    signature            Ed25519 over manifest.json

``ExamPackage.open`` checks the member list, every hash and the signature against the public key
in exam.json. That proves the package is intact; that it comes from the proctor is proved by
``check_passphrase`` (the passphrase derives the same public key), done when the proctor starts
the exam and again when grading. Only stdlib + lazily imported ``cryptography`` are used here.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

from imgtrainer.errors import ExamError, TamperError
from imgtrainer.exams import crypto
from imgtrainer.fileio import read_problem

FORMAT = "imgtrainer-exam"
FORMAT_VERSION = 1
KEY_MEMBER = "key.sealed"
PROCTOR_MEMBER = "proctor.sealed"
_MAX_MEMBER_BYTES = 4 * 1024**3
# what zipfile/zlib raise on damaged archives (bad headers, unsupported flags, bad streams)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    UnicodeDecodeError,
    zipfile.LargeZipFile,
)
_MAX_JSON_BYTES = 64 * 1024**2


def manifest_bytes(exam_id: str, members: dict[str, bytes | Path]) -> bytes:
    """The signed list of members and their SHA-256 (media hashed from disk, streamed)."""
    files = {
        name: _file_sha256(data) if isinstance(data, Path) else crypto.sha256_hex(data)
        for name, data in sorted(members.items())
    }
    return crypto.canonical_json({"format": FORMAT, "exam_id": exam_id, "files": files})


class ExamPackage:
    """A verified exam package. ``exam`` is the parsed exam.json; members are read on demand."""

    def __init__(self, path: Path, exam: dict[str, Any], exam_bytes: bytes, manifest: dict[str, Any]) -> None:
        self.path = path
        self.exam = exam
        self.exam_bytes = exam_bytes
        self.manifest = manifest
        self.sha256 = _file_sha256(path)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path | str) -> ExamPackage:
        """Open and verify; any missing, extra or altered member raises TamperError."""
        path = Path(path)
        if not path.is_file():
            raise ExamError(f"{path}: exam package not found")
        try:
            with zipfile.ZipFile(path) as zf:
                infos = {i.filename: i for i in zf.infolist()}
                if len(infos) != len(zf.infolist()):
                    raise TamperError(f"{path}: duplicate member names in the package")
                for name in ("exam.json", "manifest.json", "signature", KEY_MEMBER, PROCTOR_MEMBER):
                    if name not in infos:
                        raise TamperError(f"{path}: member {name} is missing; not a complete exam package")
                manifest_raw = _read(zf, infos["manifest.json"], _MAX_JSON_BYTES)
                signature = _read(zf, infos["signature"], 1024)
                exam_raw = _read(zf, infos["exam.json"], _MAX_JSON_BYTES)
                exam = _json(exam_raw, path, "exam.json")
                if exam.get("format") != FORMAT or exam.get("format_version") != FORMAT_VERSION:
                    raise ExamError(f"{path}: exam.json: not an {FORMAT} v{FORMAT_VERSION} package")
                public = exam.get("public_key")
                if not isinstance(public, str):
                    raise TamperError(f"{path}: exam.json: field public_key is missing")
                crypto.verify_signature(public, signature, manifest_raw, str(path))
                manifest = _json(manifest_raw, path, "manifest.json")
                files = manifest.get("files")
                if not isinstance(files, dict) or manifest.get("exam_id") != exam.get("exam_id"):
                    raise TamperError(f"{path}: manifest.json does not belong to this exam")
                listed = set(files)
                present = set(infos) - {"manifest.json", "signature"}
                if listed != present:
                    diff = sorted(listed ^ present)
                    raise TamperError(f"{path}: members {diff[:5]} are missing or not in the signed manifest")
                for name in sorted(listed):
                    digest = (
                        crypto.sha256_hex(exam_raw)
                        if name == "exam.json"
                        else _member_sha256(zf, infos[name])
                    )
                    if digest != files[name]:
                        raise TamperError(f"{path}: member {name} was altered (hash mismatch)")
        except ExamError:
            raise
        except OSError as exc:
            raise ExamError(f"{path}: cannot read the exam package: {read_problem(exc)}") from None
        except _ZIP_ERRORS as exc:  # a damaged zip can raise many things: fail closed on all
            raise TamperError(f"{path}: not a readable exam package ({exc})") from None
        crypto.KdfParams.from_dict(exam.get("kdf"))
        if not isinstance(exam.get("items"), list) or not exam["items"]:
            raise ExamError(f"{path}: exam.json: field items: no items")
        return cls(path, exam, exam_raw, manifest)

    # ------------------------------------------------------------------ content

    @property
    def exam_id(self) -> str:
        return str(self.exam["exam_id"])

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.exam["settings"])

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self.exam["items"])

    def read(self, name: str) -> bytes:
        """A member's bytes, re-checked against the signed manifest."""
        expected = self.manifest["files"].get(name)
        if expected is None:
            raise ExamError(f"{self.path}: no member {name}")
        try:
            with zipfile.ZipFile(self.path) as zf:
                data = _read(zf, zf.getinfo(name), _MAX_MEMBER_BYTES)
        except (*_ZIP_ERRORS, OSError) as exc:
            raise TamperError(
                f"{self.path}: member {name} cannot be read ({exc}); the package changed"
            ) from None
        if crypto.sha256_hex(data) != expected:
            raise TamperError(f"{self.path}: member {name} was altered (hash mismatch)")
        return data

    def extract(self, name: str, target: Path) -> Path:
        """Stream one member to ``target`` (atomic), checking it against the signed manifest."""
        expected = self.manifest["files"].get(name)
        if expected is None:
            raise ExamError(f"{self.path}: no member {name}")
        if target.is_file() and _file_sha256(target) == expected:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        h = hashlib.sha256()
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(name) as src, open(tmp, "wb") as dst:
                for block in iter(lambda: src.read(1 << 20), b""):
                    h.update(block)
                    dst.write(block)
        except (*_ZIP_ERRORS, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise TamperError(
                f"{self.path}: member {name} cannot be read ({exc}); the package changed"
            ) from None
        if h.hexdigest() != expected:
            tmp.unlink(missing_ok=True)
            raise TamperError(f"{self.path}: member {name} was altered (hash mismatch)")
        tmp.replace(target)
        return target

    def extract_item(self, item_id: str, dest: Path) -> Path:
        """Write one item's media files under ``dest/<item>/media``; returns ``dest/<item>``."""
        prefix = f"items/{item_id}/"
        names = [n for n in self.manifest["files"] if n.startswith(prefix)]
        if not names:
            raise ExamError(f"{self.path}: no item {item_id!r}")
        folder = Path(dest) / item_id
        for name in names:
            self.extract(name, folder / name[len(prefix) :])
        return folder

    # ------------------------------------------------------------------ proctor side

    def kdf(self) -> crypto.KdfParams:
        return crypto.KdfParams.from_dict(self.exam["kdf"])

    def check_passphrase(self, passphrase: str) -> bytes:
        """The master key, after proving the passphrase is the one that signed this package."""
        master = crypto.derive_master(passphrase, self.kdf())
        derived = crypto.public_key_hex(crypto.signing_key(master, self.exam_id))
        if derived != self.exam["public_key"]:
            raise TamperError(
                f"{self.path}: wrong proctor passphrase, or the package was re-signed by someone else"
            )
        return master

    def results_secret(self, passphrase: str | None = None, master: bytes | None = None) -> bytes:
        """The per-exam secret that keys results MACs (proctor.sealed)."""
        master = master if master is not None else self.check_passphrase(passphrase or "")
        key = crypto.subkey(master, "proctor-seal", self.exam_id)
        return crypto.unseal(
            key, self.read(PROCTOR_MEMBER), self.exam_bytes, f"{self.path}: {PROCTOR_MEMBER}"
        )

    def unseal_key(self, passphrase: str | None = None, master: bytes | None = None) -> dict[str, Any]:
        """The answer keys, by item id: ``{item: {case, key, question_set}}``. Proctor/grader only."""
        master = master if master is not None else self.check_passphrase(passphrase or "")
        key = crypto.subkey(master, "key-seal", self.exam_id)
        plain = crypto.unseal(key, self.read(KEY_MEMBER), self.exam_bytes, f"{self.path}: {KEY_MEMBER}")
        data = json.loads(plain)
        if data.get("exam_id") != self.exam_id:
            raise TamperError(f"{self.path}: {KEY_MEMBER} belongs to another exam")
        return dict(data["items"])


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise ExamError(f"member {info.filename} is too large ({info.file_size} bytes)")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ExamError(f"member {info.filename} is too large")
    return data


def _member_sha256(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """SHA-256 of a member, streamed (clips can be large); refuses absurd sizes."""
    if info.file_size > _MAX_MEMBER_BYTES:
        raise ExamError(f"member {info.filename} is too large ({info.file_size} bytes)")
    h = hashlib.sha256()
    n = 0
    with zf.open(info) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += len(block)
            if n > _MAX_MEMBER_BYTES:
                raise ExamError(f"member {info.filename} is too large")
            h.update(block)
    return h.hexdigest()


def _json(raw: bytes, path: Path, name: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TamperError(f"{path}: {name}: invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise TamperError(f"{path}: {name}: expected a JSON object")
    return data


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
