"""``imgtrainer receive`` with real clients: dcmtk's storescu and a pynetdicom SCU send the shared
DICOMs and video DICOMs with planted PHI; everything acknowledged is filed once, de-identified,
pending review; strangers and malformed datasets are refused without stopping the listener."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from tests.intake.conftest import SCU_AE, echo, pynetdicom_send, storescu
from tests.intake.phi import leaks, plant
from tests.intake.video_factory import CLIPS, make_video_dicom

pytestmark = pytest.mark.slow


def _send_set(shared: Path, out: Path) -> list[Path]:
    """Every shared DICOM with a SOP class and pixels, PHI planted; plus MPEG-2/H.264/HEVC video."""
    files = []
    for p in sorted((shared / "dicom").rglob("*.dcm")):
        try:
            ds = pydicom.dcmread(p, force=True)
            if "PixelData" not in ds or "SOPClassUID" not in ds or "TransferSyntaxUID" not in ds.file_meta:
                continue
            plant(ds)
            f = out / (str(p.relative_to(shared / "dicom")).replace("/", "__"))
            ds.save_as(f, enforce_file_format=True)
            files.append(f)
        except Exception:
            continue  # unreadable here: storescu could not send it either
    study = generate_uid()
    for k, codec in enumerate(("mpeg2", "h264", "hevc")):
        f = out / f"video_{codec}.dcm"
        make_video_dicom(CLIPS[3 + k], f, codec, frames=30, plant=plant, study_uid=study)
        files.append(f)
    return files


def _media(library: Path) -> list[Path]:
    return sorted(p for p in library.glob("rx-*/media/*.dcm"))


def test_storescu_and_pynetdicom_send_everything(receiver, shared_data: Path, tmp_path: Path) -> None:
    send = tmp_path / "send"
    send.mkdir()
    files = _send_set(shared_data, send)
    receiver.start()
    acked = {}
    for f in files:
        ok, out = storescu(receiver.port, f)
        acked[f] = ok
        if not ok:  # only what storescu cannot read, or a SOP class we do not take (MR)
            assert "missing SOP class" in out or "No Acceptable Presentation Contexts" in out, out
    assert sum(not ok for ok in acked.values()) <= 2
    assert all(ok for f, ok in acked.items() if f.name.startswith("video_"))
    # the same instances again from pynetdicom, all in one association: duplicates, filed once
    statuses = pynetdicom_send(receiver.port, files)
    assert all(statuses[f] == 0 for f, ok in acked.items() if ok), statuses
    sop = {f: str(pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID) for f in files}
    unique = {sop[f] for f in files if acked[f] or statuses[f] == 0}  # some shared files share a UID
    receiver.wait_processed(len(unique))
    assert not echo(receiver.port, "STRANGER")
    err = receiver.stop()
    assert "Traceback" not in err
    events = receiver.events()
    stores = [e for e in events if e["event"] == "store"]
    assert sum(e.get("duplicate") is True for e in stores) == len(stores) - len(unique)
    assert any(e["event"] == "association_rejected" and e["calling_ae"] == "STRANGER" for e in events)
    processed = [e for e in events if e["event"] == "processed"]
    assert len(processed) == len(unique)  # each instance processed once, duplicates never
    filed = [e for e in processed if e["status"] == "filed"]
    media = _media(receiver.library)
    assert len(media) == len(filed) >= len(unique) - 1, [e for e in processed if e["status"] != "filed"]
    assert {p.stem for p in media} == {e["key"] for e in filed}
    assert leaks(receiver.library) == []
    cases = [json.loads(c.read_text()) for c in receiver.library.glob("rx-*/case.json")]
    assert cases and all(c["status"] == "pending_review" and not c["public"] for c in cases)
    videos = [c for c in cases if len(c["media"]) == 3]  # one series per video: same study, 3 series
    assert not videos
    status = json.loads((receiver.library / ".intake-status.json").read_text())
    assert status["received"]["received"] == len(unique) and status["pending"] == 0


def test_series_becomes_one_case_with_its_clips(receiver, tmp_path: Path) -> None:
    study, series = generate_uid(), generate_uid()
    files = []
    for k, codec in enumerate(("h264", "hevc", "h264")):
        f = tmp_path / f"clip{k}.dcm"
        make_video_dicom(CLIPS[k], f, codec, frames=12, plant=plant, study_uid=study, series_uid=series)
        files.append(f)
    receiver.start()
    assert set(pynetdicom_send(receiver.port, files).values()) == {0}
    receiver.wait_processed(3)
    receiver.stop()
    cases = list(receiver.library.glob("rx-*/case.json"))
    assert len(cases) == 1
    case = json.loads(cases[0].read_text())
    assert [m["role"] for m in case["media"]] == ["primary", "supplementary", "supplementary"]
    assert case["status"] == "pending_review"
    from imgtrainer.library.taxonomy_io import load_all_taxonomies
    from imgtrainer.library.validate import validate_case_folder

    problems = validate_case_folder(cases[0].parent, load_all_taxonomies())
    assert not [p for p in problems if p.severity == "error"], problems


def _broken(kind: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Modality, ds.PatientName = "US", "Zyxwa^Qwertina"
    if kind == "truncated":
        ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = (
            64,
            64,
            1,
            8,
            8,
            7,
        )
        ds.PixelRepresentation, ds.PhotometricInterpretation = 0, "MONOCHROME2"
        ds.PixelData = np.zeros(100, np.uint8).tobytes()  # 4096 bytes needed
    return ds


def test_malformed_dataset_is_refused_and_listener_carries_on(receiver, tmp_path: Path) -> None:
    from pynetdicom import AE

    receiver.start()
    ae = AE(ae_title=SCU_AE)
    ae.add_requested_context("1.2.840.10008.5.1.4.1.1.6.1", ExplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", receiver.port, ae_title="IMGTRAINER")
    assert assoc.is_established
    statuses = [int(assoc.send_c_store(_broken(k)).Status) for k in ("truncated", "no_pixels")]
    assoc.release()
    assert statuses == [0xC000, 0xC000]
    good = tmp_path / "good.dcm"
    make_video_dicom(CLIPS[0], good, "h264", frames=8)
    assert pynetdicom_send(receiver.port, [good]) == {good: 0}
    receiver.wait_processed(1)
    receiver.stop()
    refused = [e for e in receiver.events() if e["event"] == "store" and e["status"] == "0xC000"]
    assert len(refused) == 2 and all(e["reason"] for e in refused)
    sidecars = list((receiver.library / "quarantine").glob("bad-*.json"))
    assert len(sidecars) == 2
    assert len(list((receiver.state / "quarantine").glob("bad-*.dcm"))) == 2  # originals kept for IT
    assert leaks(receiver.library) == []
    assert len(_media(receiver.library)) == 1


def test_at_least_four_associations_at_once(receiver, tmp_path: Path) -> None:
    from pynetdicom import AE

    files = []
    for k in range(6):
        f = tmp_path / f"c{k}.dcm"
        make_video_dicom(CLIPS[k], f, "h264", frames=6)
        files.append(f)
    receiver.start()
    ae = AE(ae_title=SCU_AE)
    ae.add_requested_context("1.2.840.10008.5.1.4.1.1.77.1.4.1", "1.2.840.10008.1.2.4.102")
    assocs = [ae.associate("127.0.0.1", receiver.port, ae_title="IMGTRAINER") for _ in files]
    assert all(a.is_established for a in assocs)  # six open together
    results: dict[int, int] = {}

    def send(k: int) -> None:
        results[k] = int(assocs[k].send_c_store(pydicom.dcmread(files[k])).Status)

    threads = [threading.Thread(target=send, args=(k,)) for k in range(len(files))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for a in assocs:
        a.release()
    assert results == {k: 0 for k in range(len(files))}
    receiver.wait_processed(len(files))
    receiver.stop()
    assert len(_media(receiver.library)) == len(files)


def test_allow_list_pairs_title_and_address(receiver) -> None:
    receiver.allow = [f"{SCU_AE}@10.9.9.9", "OTHER@127.0.0.1"]  # right title, wrong host; and vice versa
    receiver.start(wait=False)
    import time

    time.sleep(0.5)
    for _ in range(100):
        if echo(receiver.port, "OTHER"):
            break
        time.sleep(0.1)
    assert not echo(receiver.port, SCU_AE)
    receiver.stop()
    rejected = [e for e in receiver.events() if e["event"] == "association_rejected"]
    assert rejected and rejected[-1]["calling_ae"] == SCU_AE and rejected[-1]["address"] == "127.0.0.1"
