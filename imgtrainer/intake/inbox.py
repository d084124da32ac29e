"""The intake inbox: received instances on disk before de-identification, and their journal.

States of one instance, keyed by a keyed hash of its SOP Instance UID (``key``):

1. ``inbox/<key>.dcm``  written as a hidden temp file, fsynced, renamed, folder fsynced: only
   then does the sender get its success status (an acknowledged instance survives a kill);
2. filed into the library (idempotent: the case lists ``media/<key>.dcm``);
3. ``done/<key>.json``  written atomically once filed (or quarantined);
4. ``inbox/<key>.dcm`` removed.

A crash between any two steps is repaired on restart: temp files are deleted, an inbox file
with a done record is removed, any other inbox file is processed again (filing skips what is
already filed). So every acknowledged instance ends up in the library exactly once.

The state folder holds patient data until it is processed: keep it on the receiving machine,
readable only by the service account. It also keeps the de-identification secret, so that the
same series keeps the same case across restarts.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgtrainer.fileio import _fsync_dir, atomic_write_bytes, atomic_write_json

INBOX = "inbox"
DONE = "done"
QUARANTINE = "quarantine"
SECRET = "deid-secret.key"


@dataclass(frozen=True)
class InboxItem:
    key: str
    path: Path


class Inbox:
    """An intake state folder: ``inbox/``, ``done/``, ``quarantine/`` and the secret."""

    def __init__(self, root: Path, inbox_name: str = INBOX) -> None:
        """``inbox_name``: the receiver uses ``inbox``, the DICOMweb pull ``inbox-pull`` (the journal,
        quarantine and secret are shared, so both reach the same cases)."""
        self.root = Path(root)
        self._inbox = self.root / inbox_name
        for sub in (inbox_name, DONE, QUARANTINE):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    @property
    def inbox(self) -> Path:
        return self._inbox

    def secret(self) -> bytes:
        """The de-identification salt of this receiver, created once (0600)."""
        path = self.root / SECRET
        if not path.is_file():
            atomic_write_bytes(path, secrets.token_bytes(32).hex().encode(), private=True)
        return bytes.fromhex(path.read_text().strip())

    def path_of(self, key: str) -> Path:
        return self.inbox / f"{key}.dcm"

    def is_done(self, key: str) -> bool:
        return (self.root / DONE / f"{key}.json").is_file()

    def has(self, key: str) -> bool:
        """True when the instance is already held (pending) or was processed."""
        return self.is_done(key) or self.path_of(key).is_file()

    def store(self, key: str, data: bytes) -> Path:
        """Write one received instance durably (temp + fsync + rename + folder fsync)."""
        return atomic_write_bytes(self.path_of(key), data, private=True)

    def mark_done(self, key: str, record: dict[str, Any]) -> None:
        """Journal the outcome (no patient data: case id, status, reason), then drop the inbox file."""
        atomic_write_json(self.root / DONE / f"{key}.json", record)
        self.path_of(key).unlink(missing_ok=True)
        _fsync_dir(self.inbox)

    def done_record(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.root / DONE / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None

    def quarantine_copy(self, key: str, data: bytes | None = None, src: Path | None = None) -> Path:
        """Keep a rejected or unprocessable original for IT (inside the state folder only)."""
        target = self.root / QUARANTINE / f"{key}.dcm"
        if data is None and src is not None:
            data = src.read_bytes()
        atomic_write_bytes(target, data or b"", private=True)
        return target

    def recover(self) -> dict[str, int]:
        """Repair after a crash: delete half-written temp files and inbox files already done."""
        temps = done = 0
        for p in list(self.inbox.iterdir()) + list((self.root / DONE).iterdir()):
            if p.name.startswith(".") and p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)
                temps += 1
        for p in self.inbox.glob("*.dcm"):
            if self.is_done(p.stem):
                p.unlink(missing_ok=True)
                done += 1
        _fsync_dir(self.inbox)
        return {"temp_files_removed": temps, "already_done_removed": done}

    def pending(self) -> list[InboxItem]:
        """Instances waiting to be processed, oldest first."""
        items = []
        for p in self.inbox.glob("*.dcm"):
            try:
                items.append((p.stat().st_mtime_ns, InboxItem(p.stem, p)))
            except FileNotFoundError:
                continue
        return [item for _, item in sorted(items, key=lambda t: t[0])]

    def counts(self) -> dict[str, int]:
        return {
            "pending": sum(1 for _ in self.inbox.glob("*.dcm")),
            "done": sum(1 for _ in (self.root / DONE).glob("*.json")),
        }
