"""Fixtures for intake tests: a real ``imgtrainer receive`` process on 127.0.0.1 and real senders
(dcmtk's storescu from the Debian package, and a pynetdicom SCU)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
import pytest

REPO = Path(__file__).resolve().parents[2]
STORESCU = shutil.which("storescu", path="/usr/bin:/bin") or "storescu"  # dcmtk, not pynetdicom's app
ECHOSCU = shutil.which("echoscu", path="/usr/bin:/bin") or "echoscu"
SCU_AE = "CARTSCU"
# storescu proposes uncompressed syntaxes unless told otherwise, and cannot transcode compressed
# files: pick the option that proposes each file's own transfer syntax
_PROPOSE = {
    "1.2.840.10008.1.2": "-xi", "1.2.840.10008.1.2.2": "-xb", "1.2.840.10008.1.2.4.50": "-xy",
    "1.2.840.10008.1.2.4.51": "-xx", "1.2.840.10008.1.2.4.57": "-xs", "1.2.840.10008.1.2.4.70": "-xs",
    "1.2.840.10008.1.2.4.90": "-xv", "1.2.840.10008.1.2.4.91": "-xw", "1.2.840.10008.1.2.4.80": "-xt",
    "1.2.840.10008.1.2.4.81": "-xu", "1.2.840.10008.1.2.5": "-xr", "1.2.840.10008.1.2.4.100": "-xm",
    "1.2.840.10008.1.2.4.101": "-xh", "1.2.840.10008.1.2.4.102": "-xn", "1.2.840.10008.1.2.4.103": "-xl",
    "1.2.840.10008.1.2.4.104": "-x2", "1.2.840.10008.1.2.4.105": "-x3", "1.2.840.10008.1.2.4.106": "-xo",
    "1.2.840.10008.1.2.4.107": "-x4", "1.2.840.10008.1.2.4.108": "-x5",
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningReceiver:
    port: int
    library: Path
    state: Path
    log: Path
    home: Path
    allow: list[str]
    proc: subprocess.Popen | None = None
    extra: list[str] = field(default_factory=list)

    def start(self, wait: bool = True) -> None:
        env = dict(os.environ, IMGTRAINER_HOME=str(self.home), PYTHONPATH=str(REPO))
        cmd = [sys.executable, "-m", "imgtrainer", "receive", "--port", str(self.port), "--host", "127.0.0.1",
               "--ae-title", "IMGTRAINER", "--library", str(self.library), "--state", str(self.state),
               "--json-log", str(self.log), "--quiet", *self.extra]  # fmt: skip
        for a in self.allow:
            cmd += ["--allow", a]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if echo(self.port, SCU_AE):
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"receiver exited: {self.proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.05)
        raise TimeoutError("receiver did not answer C-ECHO")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc.stderr.close()
        self.proc = None

    def stop(self) -> str:
        if self.proc is None:
            return ""
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self.proc = None
        return err.decode(errors="replace")

    def events(self) -> list[dict]:
        if not self.log.is_file():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def wait_processed(self, n_done: int, timeout: float = 240) -> None:
        """Wait until ``n_done`` instances are journalled and the inbox is empty."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = len(list((self.state / "done").glob("*.json")))
            if done >= n_done and not list((self.state / "inbox").glob("*.dcm")):
                return
            time.sleep(0.2)
        raise TimeoutError(f"only {len(list((self.state / 'done').glob('*.json')))} of {n_done} processed")


def echo(port: int, calling: str) -> bool:
    from pynetdicom import AE

    ae = AE(ae_title=calling)
    ae.add_requested_context("1.2.840.10008.1.1")
    ae.acse_timeout = ae.network_timeout = 5
    assoc = ae.associate("127.0.0.1", port, ae_title="IMGTRAINER")
    if not assoc.is_established:
        return False
    status = assoc.send_c_echo()
    assoc.release()
    return bool(status) and status.Status == 0


def storescu(port: int, path: Path, calling: str = SCU_AE) -> tuple[bool, str]:
    """Send one file with dcmtk's storescu in its own association; (acknowledged, output)."""
    ts = str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)
    opts = [_PROPOSE[ts]] if ts in _PROPOSE else []
    r = subprocess.run(
        [STORESCU, "-aet", calling, "-aec", "IMGTRAINER", "-R", *opts, "127.0.0.1", str(port), str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = r.stdout + r.stderr
    return r.returncode == 0 and "Failed" not in out and "Rejected" not in out, out


def pynetdicom_send(port: int, paths: list[Path], calling: str = SCU_AE) -> dict[Path, int]:
    (
        """Send files over one pynetdicom association; the status of each (-1: association lost,
    -2: no accepted presentation context for it)."""
        ""
    )
    from pynetdicom import AE

    ae = AE(ae_title=calling)
    ae.acse_timeout = ae.network_timeout = ae.dimse_timeout = 30
    headers = {p: pydicom.dcmread(p, stop_before_pixels=True) for p in paths}
    pairs = {(str(h.SOPClassUID), str(h.file_meta.TransferSyntaxUID)) for h in headers.values()}
    for sop, ts in sorted(pairs):
        ae.add_requested_context(sop, [ts])
    out = {p: -1 for p in paths}
    assoc = ae.associate("127.0.0.1", port, ae_title="IMGTRAINER")
    if not assoc.is_established:
        return out
    try:
        for p in paths:
            try:
                status = assoc.send_c_store(pydicom.dcmread(p))
            except (ValueError, AttributeError):  # no accepted context for its SOP class / syntax
                out[p] = -2
                continue
            out[p] = int(status.Status) if status and "Status" in status else -1
            if out[p] == -1:
                break
    finally:
        if assoc.is_established:
            assoc.release()
    return out


@pytest.fixture
def receiver(tmp_path: Path):
    rx = RunningReceiver(
        port=free_port(), library=tmp_path / "library", state=tmp_path / "state", log=tmp_path / "rx.jsonl",
        home=tmp_path / "home", allow=[f"{SCU_AE}@127.0.0.1"],
    )  # fmt: skip
    yield rx
    rx.stop()
