"""50 ``kill -9``s of the receiver while a pynetdicom SCU sends: after each, a restart and a resend
of what was not acknowledged. In the end every instance is in the library exactly once, each
journalled once, and no half-written file is left anywhere."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid

from imgtrainer.deid.context import DeidContext
from imgtrainer.intake.filing import instance_key
from imgtrainer.intake.inbox import Inbox
from tests.deid.phi_factory import make_file
from tests.intake.conftest import SCU_AE

pytestmark = pytest.mark.slow
KILLS = 50
PER_ROUND = 6


def _instances(folder: Path, n: int) -> list[Path]:
    """Small PHI-laden US files in a few shared series (so kills also hit a case being extended)."""
    series = [(generate_uid(), generate_uid()) for _ in range(5)]
    out = []
    for i in range(n):
        p = folder / f"i{i:03d}.dcm"
        make_file(p, kind=("grey", "rgb", "rle")[i % 3], n=1 + i % 2, patient="AB"[i % 2], seed=i)
        ds = pydicom.dcmread(p)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = series[i % len(series)]
        ds.save_as(p)
        out.append(p)
    return out


def _send(port: int, paths: list[Path], acked: set[Path], stop: threading.Event) -> None:
    from pynetdicom import AE

    ae = AE(ae_title=SCU_AE)
    ae.acse_timeout = ae.network_timeout = ae.dimse_timeout = 10
    for p in paths:
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        ae.add_requested_context(str(ds.SOPClassUID), [str(ds.file_meta.TransferSyntaxUID)])
    try:
        assoc = ae.associate("127.0.0.1", port, ae_title="IMGTRAINER")
        if not assoc.is_established:
            return
        for p in paths:
            if stop.is_set():
                break
            status = assoc.send_c_store(pydicom.dcmread(p))
            if status and status.get("Status") == 0:
                acked.add(p)  # acknowledged: from here on it must never be lost
            elif not assoc.is_established:
                break
        if assoc.is_established:
            assoc.release()
    except Exception:
        return  # the receiver died under us: whatever was not acknowledged is sent again


def test_kill9_during_sends_keeps_each_instance_exactly_once(receiver, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    files = _instances(src, KILLS * PER_ROUND // 2)
    rng = random.Random(16)
    acked: set[Path] = set()
    cursor = 0
    kills = 0
    for _ in range(KILLS):
        new = files[cursor : cursor + PER_ROUND // 2]
        cursor += len(new)
        todo = [p for p in files[:cursor] if p not in acked]
        receiver.start()
        stop = threading.Event()
        sender = threading.Thread(target=_send, args=(receiver.port, todo, acked, stop))
        sender.start()
        time.sleep(rng.uniform(0.0, 0.5))
        receiver.kill9()
        kills += 1
        stop.set()
        sender.join(30)
    assert kills == KILLS
    receiver.start()
    todo = [p for p in files if p not in acked]
    _send(receiver.port, todo, acked, threading.Event())
    assert acked == set(files)
    receiver.wait_processed(len(files))
    err = receiver.stop()
    assert "Traceback" not in err

    ctx = DeidContext(salt=Inbox(receiver.state).secret())
    keys = {instance_key(ctx, str(pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID)) for p in files}
    media = [p.stem for p in receiver.library.glob("rx-*/media/*.dcm")]
    listed = [
        Path(m["path"]).stem
        for c in receiver.library.glob("rx-*/case.json")
        for m in json.loads(c.read_text())["media"]
    ]
    assert sorted(media) == sorted(keys)  # every instance once, nothing else
    assert sorted(listed) == sorted(keys)  # and each listed once by its case
    done = {p.stem for p in (receiver.state / "done").glob("*.json")}
    assert done == keys
    records = [json.loads(p.read_text()) for p in (receiver.state / "done").glob("*.json")]
    assert {r["status"] for r in records} <= {"filed", "already_filed"}
    leftovers = [
        p for p in [*receiver.library.rglob("*"), *receiver.state.rglob("*")] if p.name.endswith(".tmp")
    ]
    assert leftovers == []
    assert (
        not list((receiver.library / ".importing").glob("*"))
        if (receiver.library / ".importing").exists()
        else True
    )
    assert not list((receiver.state / "inbox").iterdir())
    filed = [e["key"] for e in receiver.events() if e["event"] == "processed" and e["status"] == "filed"]
    assert len(filed) == len(set(filed))  # never filed twice (a kill may eat a log line, not a filing)
