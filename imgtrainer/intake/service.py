"""The intake service: receiver + inbox + worker + log + status file, started and stopped as one.

``IntakeService(config).start()`` listens and files in the background; ``stop()`` stops the
listener and lets the instance being filed finish (the rest waits in the inbox for the next
start). The status file ``<library>/.intake-status.json`` (no patient data) lets the faculty
screen show what the receiver is doing; the JSON log has one line per event.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from imgtrainer.deid.context import DeidContext
from imgtrainer.fileio import atomic_write_json
from imgtrainer.intake.filing import QUARANTINE_DIR, FilingOptions, instance_key, series_case_id
from imgtrainer.intake.inbox import Inbox
from imgtrainer.intake.receiver import CANNOT_UNDERSTAND, SUCCESS, Allowed, Receiver
from imgtrainer.intake.worker import Worker

STATUS_FILE = ".intake-status.json"


def default_state_dir(library: Path) -> Path:
    """``<data dir>/intake/<hash of the library path>``: outside the library (it holds PHI)."""
    from imgtrainer.resources import data_dir

    tag = hashlib.sha256(str(Path(library).resolve()).encode()).hexdigest()[:12]
    return data_dir() / "intake" / tag


@dataclass
class IntakeConfig:
    library: Path
    ae_title: str = "IMGTRAINER"
    port: int = 11112
    host: str = "0.0.0.0"
    allowed: list[Allowed] = field(default_factory=list)
    state_dir: Path | None = None
    json_log: Path | None = None
    domain: str | None = None
    fallback_domain: str = "lung"
    workers: int = 1
    ssl_context: Any = None
    quiet: bool = False
    qa_dir: Path | None = None  # the QA folder whose operator table maps devices to trainees


class EventLog:
    """One human line on stderr per event, and a JSON line in ``--json-log`` (flushed)."""

    def __init__(self, json_path: Path | None, quiet: bool = False, stream: TextIO | None = None) -> None:
        self._lock = threading.Lock()
        self._fh = open(json_path, "a", encoding="utf-8") if json_path else None  # noqa: SIM115
        self._quiet = quiet
        self._stream = stream or sys.stderr

    def __call__(self, event: dict[str, Any]) -> None:
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **event}
        with self._lock:
            if self._fh is not None:
                self._fh.write(json.dumps(record, default=str) + "\n")
                self._fh.flush()
            if not self._quiet:
                rest = " ".join(f"{k}={v}" for k, v in event.items() if k != "event" and v is not None)
                self._stream.write(f"imgtrainer receive: {event.get('event')} {rest}\n")
                self._stream.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _problem(event: Any) -> tuple[Any, str | None]:
    """(dataset, None) when the instance is usable, else (None or dataset, why not)."""
    try:
        ds = event.dataset
        ds.file_meta = event.file_meta
    except Exception as exc:
        return None, f"dataset cannot be decoded ({type(exc).__name__}: {exc})"
    try:
        sop = str(ds.get("SOPInstanceUID", "") or "").strip()
        if not sop or not str(ds.get("SOPClassUID", "") or "").strip():
            return ds, "SOP Class UID or SOP Instance UID missing"
        if sop != str(event.request.AffectedSOPInstanceUID).strip():
            return ds, "SOP Instance UID differs from the C-STORE request's"
        if "PixelData" not in ds:
            return ds, "no Pixel Data: not an image"
        elem = ds["PixelData"]
        if not elem.is_undefined_length:  # native: the frames must all be there
            need = (int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1) or 1)
                    * int(ds.BitsAllocated) * int(ds.get("NumberOfFrames", 1) or 1) + 7) // 8  # fmt: skip
            if ds.get("PhotometricInterpretation") == "YBR_FULL_422":
                need = need * 2 // 3
            if len(elem.value or b"") < need:
                return ds, f"Pixel Data holds {len(elem.value or b'')} bytes, the image needs {need}"
    except Exception as exc:
        return ds, f"image attributes unreadable ({type(exc).__name__}: {exc})"
    return ds, None


class IntakeService:
    def __init__(self, config: IntakeConfig) -> None:
        self.config = config
        self.library = Path(config.library)
        self.library.mkdir(parents=True, exist_ok=True)
        self.inbox = Inbox(config.state_dir or default_state_dir(self.library))
        self.ctx = DeidContext(salt=self.inbox.secret())
        self.log = EventLog(config.json_log, config.quiet)
        opts = FilingOptions(
            library=self.library, domain=config.domain, fallback_domain=config.fallback_domain
        )
        self.worker = Worker(self.inbox, self.ctx, opts, self.log, threads=config.workers)
        self.receiver = Receiver(
            config.ae_title, config.port, config.allowed, self._store, self.log, host=config.host,
            ssl_context=config.ssl_context,
        )  # fmt: skip
        self._stop = threading.Event()
        self._status_thread: threading.Thread | None = None
        self.last_arrival: str | None = None

    def _store(self, event: Any, data: bytes) -> tuple[int, dict[str, Any]]:
        ds, problem = _problem(event)
        if problem is not None:
            qkey = "bad-" + hashlib.sha256(data).hexdigest()[:20]
            self.inbox.quarantine_copy(qkey, data)
            atomic_write_json(
                self.library / QUARANTINE_DIR / f"{qkey}.json",
                {"key": qkey, "status": "refused", "reason": problem, "at": datetime.now(UTC).isoformat()},
            )
            return CANNOT_UNDERSTAND, {"key": qkey, "reason": problem}
        key = instance_key(self.ctx, str(ds.SOPInstanceUID))
        detail = {"key": key, "bytes": len(data), "sop_class": str(ds.SOPClassUID.name)}
        if self.inbox.has(key):
            return SUCCESS, {**detail, "duplicate": True}
        self._record_device(event, ds, key)
        self.inbox.store(key, data)  # fsynced: only now may the sender hear "success"
        self.last_arrival = datetime.now(UTC).isoformat(timespec="seconds")
        self.worker.notify()
        return SUCCESS, detail

    def _record_device(self, event: Any, ds: Any, key: str) -> None:
        """Before de-identification: map the calling AE / Operators' Name to a trainee (qa.device)."""
        from imgtrainer.qa.device import record_receipt
        from imgtrainer.qa.queue import default_qa_dir

        case_id = series_case_id(self.ctx, ds.get("StudyInstanceUID"), ds.get("SeriesInstanceUID"), key)
        calling = str(event.assoc.requestor.ae_title).strip()
        try:
            rec = record_receipt(self.library, case_id, calling, ds, self.config.qa_dir or default_qa_dir())
        except Exception as exc:  # the study still arrives; it just is not claimed for a trainee
            self.log(
                {
                    "event": "device_record_failed",
                    "case_id": case_id,
                    "reason": f"{type(exc).__name__}: {exc}",
                }
            )
            return
        if rec.get("trainee"):
            self.log({"event": "device_mapped", "case_id": case_id, "matched_by": rec["matched_by"]})

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "ae_title": self.receiver.ae_title,
            "host": self.receiver.host,
            "port": self.receiver.port,
            "tls": self.config.ssl_context is not None,
            "allowed": [f"{a.ae_title}@{a.host}" for a in self.config.allowed],
            "started_at": datetime.fromtimestamp(self.receiver.started_at, UTC).isoformat(timespec="seconds"),
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "running": not self._stop.is_set(),
            "last_arrival": self.last_arrival,
            "received": dict(self.receiver.stats),
            "processed": dict(self.worker.counts),
            "pending": self.inbox.counts()["pending"],
        }

    def _write_status(self) -> None:
        with contextlib.suppress(OSError):  # the status file is informative only
            atomic_write_json(self.library / STATUS_FILE, self.status())

    def _status_loop(self) -> None:
        while not self._stop.wait(2.0):
            self._write_status()

    def start(self) -> None:
        self.worker.start()  # crash recovery first: no association may be writing yet
        try:
            self.receiver.start()
        except BaseException:
            self.worker.stop()
            self.log.close()
            raise
        self._write_status()
        self._status_thread = threading.Thread(target=self._status_loop, daemon=True, name="intake-status")
        self._status_thread.start()

    def stop(self) -> None:
        self.receiver.stop()
        self.worker.stop()
        self._stop.set()
        self._write_status()
        self.log({"event": "stopped", **self.receiver.stats, **self.worker.counts})
        self.log.close()

    def serve_forever(self) -> None:
        """Block until ``stop()`` or Ctrl-C / SIGTERM (handled by the caller)."""
        while not self._stop.is_set():
            time.sleep(0.5)
