"""The receiver over TLS (pynetdicom's ssl_context): a TLS client is served, a plain one is not."""

from __future__ import annotations

import ssl
import subprocess
import time
from pathlib import Path

import pydicom
import pytest

from tests.intake.conftest import SCU_AE
from tests.intake.video_factory import CLIPS, make_video_dicom

pytestmark = pytest.mark.slow


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "server.pem", folder / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_store_over_tls(receiver, tmp_path: Path) -> None:
    from pynetdicom import AE

    cert, key = _self_signed(tmp_path)
    receiver.extra = ["--tls-cert", str(cert), "--tls-key", str(key)]
    receiver.start(wait=False)
    clip = tmp_path / "clip.dcm"
    make_video_dicom(CLIPS[1], clip, "h264", frames=6)
    client = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(cert))
    ae = AE(ae_title=SCU_AE)
    ae.add_requested_context("1.2.840.10008.5.1.4.1.1.77.1.4.1", "1.2.840.10008.1.2.4.102")
    ae.acse_timeout = ae.network_timeout = 10
    assoc = None
    for _ in range(100):  # the receiver is starting
        assoc = ae.associate(
            "127.0.0.1", receiver.port, ae_title="IMGTRAINER", tls_args=(client, "127.0.0.1")
        )
        if assoc.is_established:
            break
        time.sleep(0.2)
    assert assoc is not None and assoc.is_established
    assert int(assoc.send_c_store(pydicom.dcmread(clip)).Status) == 0
    assoc.release()
    plain = ae.associate("127.0.0.1", receiver.port, ae_title="IMGTRAINER")
    assert not plain.is_established
    receiver.wait_processed(1)
    receiver.stop()
    assert len(list(receiver.library.glob("rx-*/media/*.dcm"))) == 1
    assert any(e["event"] == "listening" and e["tls"] for e in receiver.events())
