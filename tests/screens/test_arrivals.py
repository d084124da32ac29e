"""Arrivals and receiver control, without Qt: the watch notices a new received case; the control
starts a real ``imgtrainer receive`` for the library, reads its status, and stops it."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from imgtrainer.screens.faculty.arrivals import ArrivalWatch, ReceiverControl, ReceiverSettings
from tests.intake.conftest import REPO, SCU_AE, echo, free_port, pynetdicom_send
from tests.intake.video_factory import CLIPS, make_video_dicom


def test_watch_sees_a_new_case(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    watch = ArrivalWatch(lib)
    assert watch.poll() is False  # first look
    (lib / "rx-1").mkdir()
    (lib / "rx-1" / "case.json").write_text("{}")
    assert watch.poll() is True
    assert watch.poll() is False
    os.utime(lib / "rx-1" / "case.json", ns=(1, 1))  # a clip added to the case rewrites case.json
    assert watch.poll() is True


def test_control_starts_reports_and_stops_a_receiver(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    lib = tmp_path / "lib"
    control = ReceiverControl(lib)
    assert "not set up" in control.describe()
    port = free_port()
    control.start(ReceiverSettings(port=port, ae_title="IMGTRAINER", allow=(f"{SCU_AE}@127.0.0.1",)))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (control.running() and echo(port, SCU_AE)):
        time.sleep(0.2)
    assert control.running()
    clip = tmp_path / "c.dcm"
    make_video_dicom(CLIPS[0], clip, "h264", frames=6)
    assert pynetdicom_send(port, [clip]) == {clip: 0}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "1 filed" not in control.describe():
        time.sleep(0.3)
    assert f"on port {port}" in control.describe() and "1 received, 1 filed" in control.describe()
    assert control.stop() is True
    assert not control.running()
    assert control.describe().startswith("Receiver: stopped")
    assert control.command(ReceiverSettings(allow=("A@1.2.3.4",)))[:3] == [sys.executable, "-m", "imgtrainer"]
