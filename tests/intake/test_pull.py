"""``imgtrainer pull`` from a real Orthanc with its DICOMweb plugin (Debian packages), started here
with its own configuration in a temporary folder, on 127.0.0.1 and free ports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pydicom
import pytest
import requests

from imgtrainer.deid.context import DeidContext
from imgtrainer.intake.filing import instance_key
from imgtrainer.intake.inbox import Inbox
from imgtrainer.media import open_clip
from tests.intake.conftest import REPO, free_port
from tests.intake.phi import leaks, plant
from tests.intake.video_factory import CLIPS, make_video_dicom

ORTHANC = shutil.which("Orthanc", path="/usr/sbin:/usr/bin")
PLUGIN_DIRS = [Path("/usr/share/orthanc/plugins"), Path("/usr/lib/orthanc")]
pytestmark = [pytest.mark.slow, pytest.mark.skipif(ORTHANC is None, reason="Debian package orthanc missing")]


def _plugin() -> Path:
    for d in PLUGIN_DIRS:
        for p in sorted(d.glob("libOrthancDicomWeb.so*")) if d.is_dir() else []:
            return p
    pytest.skip("Debian package orthanc-dicomweb missing")


@pytest.fixture
def orthanc(tmp_path: Path):
    http, dicom = free_port(), free_port()
    folder = tmp_path / "orthanc"
    folder.mkdir()
    config = {
        "Name": "imgtrainer-test", "StorageDirectory": str(folder / "db"), "IndexDirectory": str(folder / "db"),
        "HttpPort": http, "DicomPort": dicom, "DicomAet": "ORTHANCTEST", "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False, "Plugins": [str(_plugin())], "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "HttpTimeout": 60, "StableAge": 1,
    }  # fmt: skip
    (folder / "config.json").write_text(json.dumps(config))
    proc = subprocess.Popen([ORTHANC, str(folder / "config.json")], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    base = f"http://127.0.0.1:{http}"
    try:
        for _ in range(150):
            try:
                if requests.get(f"{base}/system", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()[-2000:])
            time.sleep(0.1)
        else:
            raise TimeoutError("Orthanc did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.stderr.close()


def _upload(base: str, files: list[Path]) -> None:
    for f in files:
        r = requests.post(f"{base}/instances", data=f.read_bytes(), timeout=60)
        assert r.ok, r.text


def _pull(library: Path, state: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, IMGTRAINER_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "imgtrainer", "pull", "--library", str(library), "--state", str(state), "--json", *args],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip


def test_pull_matches_upload_file_for_file_and_resumes(
    orthanc: str, shared_data: Path, tmp_path: Path
) -> None:
    send = tmp_path / "send"
    send.mkdir()
    files = []
    for name in (
        "pydicom-data/US1_UNCR.dcm",
        "pydicom-data/OBXXXX1A_rle_2frame.dcm",
        "godcm/US-MONO2-8-8x-execho.dcm",
    ):
        ds = pydicom.dcmread(shared_data / "dicom" / name)
        plant(ds)
        ds.PatientID = "PULL-1"  # one patient, so --patient-id finds all
        f = send / name.replace("/", "__")
        ds.save_as(f, enforce_file_format=True)
        files.append(f)
    for k, codec in enumerate(("h264", "hevc")):
        f = send / f"video_{codec}.dcm"
        make_video_dicom(CLIPS[k], f, codec, frames=16,
                         plant=lambda ds: (plant(ds), setattr(ds, "PatientID", "PULL-1")))  # fmt: skip
        files.append(f)
    _upload(orthanc, files)
    lib, state, home = tmp_path / "lib", tmp_path / "state", tmp_path / "home"
    url = f"{orthanc}/dicom-web"

    first = _pull(lib, state, home, "--dicomweb", url, "--patient-id", "PULL-1", "--modality", "US")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    studies = {str(pydicom.dcmread(f, stop_before_pixels=True).StudyInstanceUID) for f in files}
    assert report["studies_found"] == report["studies_pulled"] == len(studies)
    assert report["instances"] == report["filed"] == len(files)

    ctx = DeidContext(salt=Inbox(state).secret())
    for f in files:  # file for file: each upload is one clip with the same frames and size
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        got = list(lib.glob(f"rx-*/media/{instance_key(ctx, str(ds.SOPInstanceUID))}.dcm"))
        assert len(got) == 1, f.name
        with open_clip(f) as a, open_clip(got[0]) as b:
            assert (b.n_frames, b.rows, b.cols) == (a.n_frames, a.rows, a.cols), f.name
    assert len(list(lib.glob("rx-*/media/*.dcm"))) == len(files)
    assert leaks(lib) == []
    cases = [json.loads(c.read_text()) for c in lib.glob("rx-*/case.json")]
    assert cases and all(c["status"] == "pending_review" and not c["public"] for c in cases)
    assert all(c["provenance"]["source"] == "dicomweb-pull" for c in cases)

    again = _pull(lib, state, home, "--dicomweb", url, "--patient-id", "PULL-1")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["studies_skipped"] == len(studies) and report["instances"] == 0
    assert len(list(lib.glob("rx-*/media/*.dcm"))) == len(files)

    one = str(pydicom.dcmread(files[0], stop_before_pixels=True).StudyInstanceUID)
    single = _pull(tmp_path / "lib2", tmp_path / "state2", home, "--dicomweb", url, "--study", one)
    assert single.returncode == 0 and json.loads(single.stdout)["filed"] == 1


def test_pull_from_nowhere_fails_in_one_line(tmp_path: Path) -> None:
    r = _pull(tmp_path / "lib", tmp_path / "st", tmp_path / "h", "--dicomweb", f"http://127.0.0.1:{free_port()}/dicom-web",
              "--study", "1.2.3")  # fmt: skip
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
