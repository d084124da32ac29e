"""New arrivals and the DICOM receiver, Qt-free: what the import-review page polls.

``ArrivalWatch.poll()`` says whether the pending queue changed since the last look (a case
folder appeared, or a received clip was added to one), cheaply: names and ``case.json`` mtimes.
``ReceiverControl`` reads the receiver's status file (``<library>/.intake-status.json``),
starts ``imgtrainer receive`` for the library as a background process, and stops it (SIGTERM,
which lets it finish the instance it is filing).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgtrainer.intake.service import STATUS_FILE


class ArrivalWatch:
    """Remembers the state of a library's case folders; ``poll()`` is True when it changed."""

    def __init__(self, library: Path) -> None:
        self.library = Path(library)
        self._last: tuple[tuple[str, int], ...] | None = None

    def fingerprint(self) -> tuple[tuple[str, int], ...]:
        if not self.library.is_dir():
            return ()
        out = []
        for folder in self.library.iterdir():
            try:
                out.append((folder.name, (folder / "case.json").stat().st_mtime_ns))
            except (FileNotFoundError, NotADirectoryError):
                continue
        return tuple(sorted(out))

    def poll(self) -> bool:
        now = self.fingerprint()
        changed = self._last is not None and now != self._last
        self._last = now
        return changed


@dataclass
class ReceiverSettings:
    port: int = 11112
    ae_title: str = "IMGTRAINER"
    allow: tuple[str, ...] = ()


def _alive(pid: int) -> bool:
    """The receiver's process still exists (and, where /proc tells, is still a receiver)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return b"receive" in cmdline.read_bytes()  # a reused pid is not ours to signal
    except OSError:
        return True


class ReceiverControl:
    """Status, start and stop of the library's receiver."""

    def __init__(self, library: Path) -> None:
        self.library = Path(library)
        self._proc: subprocess.Popen | None = None

    def status(self) -> dict[str, Any] | None:
        try:
            data = json.loads((self.library / STATUS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def running(self) -> bool:
        st = self.status()
        return bool(st and st.get("running") and isinstance(st.get("pid"), int) and _alive(st["pid"]))

    def describe(self) -> str:
        """One line for the page: listening where and what it took, or why it is not running."""
        st = self.status()
        if st is None:
            return "Receiver: not set up for this library (start it here or run 'imgtrainer receive')"
        rx, done = st.get("received") or {}, st.get("processed") or {}
        counts = (
            f"{rx.get('received', 0)} received, {done.get('filed', 0)} filed, "
            f"{done.get('quarantined', 0) + done.get('failed', 0)} quarantined, {st.get('pending', 0)} waiting"
        )
        if self.running():
            when = str(st.get("last_arrival") or "").replace("T", " ").replace("+00:00", " UTC")
            last = f", last arrival {when}" if when else ""
            tls = " (TLS)" if st.get("tls") else ""
            return (
                f"Receiver: listening as {st.get('ae_title')} on port {st.get('port')}{tls}: {counts}{last}"
            )
        if st.get("running"):
            return f"Receiver: stopped unexpectedly (pid {st.get('pid')}); start it again: {counts}"
        return f"Receiver: stopped: {counts}"

    def command(self, settings: ReceiverSettings) -> list[str]:
        base = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "imgtrainer"]
        cmd = [*base, "receive", "--port", str(settings.port), "--ae-title", settings.ae_title,
               "--library", str(self.library), "--quiet"]  # fmt: skip
        for a in settings.allow:
            cmd += ["--allow", a]
        return cmd

    def start(self, settings: ReceiverSettings) -> None:
        """Start the receiver in the background (it keeps running if this window closes)."""
        if not settings.allow:
            raise ValueError("add at least one allowed sender (AE title @ address)")
        if self.running():
            return
        self._proc = subprocess.Popen(
            self.command(settings), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def stop(self) -> bool:
        """Ask the running receiver to stop (SIGTERM); False when none is running."""
        st = self.status()
        if not (st and self.running()):
            return False
        os.kill(int(st["pid"]), signal.SIGTERM)
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(30)
            self._proc = None
        return True
