"""Intake throughput: instances per second received (acknowledged) and processed (de-identified
and filed) by a real ``imgtrainer receive`` on 127.0.0.1, plus the video DICOM sizes before and
after de-identification. From the repository root:

    python benchmarks/intake.py [--copies 4] [--associations 4]

The instances are the shared ultrasound DICOMs (each copied ``--copies`` times under new UIDs)
and H.264 / HEVC / MPEG-2 video DICOMs made from the shared lung clips; they are sent over
``--associations`` pynetdicom associations at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import pydicom
from pydicom.uid import generate_uid

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.intake.conftest import SCU_AE, RunningReceiver, free_port, pynetdicom_send  # noqa: E402
from tests.intake.video_factory import CLIPS, make_video_dicom  # noqa: E402

DATA = (ROOT / ".." / "shared" / "data").resolve()


def instances(folder: Path, copies: int) -> tuple[list[Path], list[Path]]:
    stills, videos = [], []
    for p in sorted((DATA / "dicom").rglob("*.dcm")):
        try:
            ds = pydicom.dcmread(p)
            if "PixelData" not in ds or "SOPClassUID" not in ds or ds.Modality != "US":
                continue
        except Exception:
            continue
        for tag in [t for t in ds.keys() if t.group == 0xFFFE]:  # noqa: SIM118 - stray delimiters
            del ds[tag]
        for k in range(copies):
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.SeriesInstanceUID = generate_uid()
            f = folder / f"{p.stem}-{k}.dcm"
            ds.save_as(f, enforce_file_format=True)
            stills.append(f)
    for k, codec in enumerate(("h264", "hevc", "mpeg2") * copies):
        f = folder / f"video-{codec}-{k}.dcm"
        make_video_dicom(CLIPS[k % len(CLIPS)], f, codec, frames=60)
        videos.append(f)
    return stills, videos


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--associations", type=int, default=4)
    ap.add_argument("--workers", type=int, default=1, help="receive --workers (de-identification threads)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="imgtrainer-intake-bench-"))
    (tmp / "send").mkdir()
    stills, videos = instances(tmp / "send", args.copies)
    files = stills + videos
    rx = RunningReceiver(free_port(), tmp / "lib", tmp / "state", tmp / "rx.jsonl", tmp / "home",
                         [f"{SCU_AE}@127.0.0.1"])  # fmt: skip
    rx.extra = ["--workers", str(args.workers)]
    rx.start()
    chunks = [files[i :: args.associations] for i in range(args.associations)]
    results: dict[Path, int] = {}
    t0 = time.monotonic()
    threads = [
        threading.Thread(target=lambda c=c: results.update(pynetdicom_send(rx.port, c))) for c in chunks
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t_recv = time.monotonic() - t0
    rx.wait_processed(len(files), timeout=3600)
    t_all = time.monotonic() - t0
    rx.stop()
    acked = sum(s == 0 for s in results.values())
    events = [e for e in rx.events() if e["event"] == "processed"]
    per = {"still": [], "video": []}
    for e in events:
        per["video" if e.get("frames") and e["frames"] >= 60 else "still"].append(e["seconds"])
    print(f"{len(files)} instances ({len(stills)} shared US DICOMs, {len(videos)} video DICOMs), "
          f"{args.associations} associations, {args.workers} worker(s), {sum(f.stat().st_size for f in files) / 1e6:.1f} MB")  # fmt: skip
    print(f"received: {acked} acknowledged in {t_recv:.2f} s = {acked / t_recv:.1f} instances/s "
          f"({sum(f.stat().st_size for f in files) / 1e6 / t_recv:.1f} MB/s)")  # fmt: skip
    print(
        f"processed (de-identified and filed): {len(events)} in {t_all:.2f} s = {len(events) / t_all:.2f} instances/s"
    )
    for k, v in per.items():
        if v:
            print(f"  {k}: mean {sum(v) / len(v):.2f} s per instance on one worker thread")
    sizes = {}
    for f in videos:
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        sizes.setdefault(ds.file_meta.TransferSyntaxUID.name, []).append(f.stat().st_size)
    outs = sorted(rx.library.glob("rx-*/media/*.dcm"))
    vid_out = [
        p for p in outs if int(pydicom.dcmread(p, stop_before_pixels=True).get("NumberOfFrames", 1)) == 60
    ]
    print("video DICOM in (bytes):", json.dumps(sizes))
    print(
        "video DICOM out (bytes, lossless RLE, 60 frames 350x350):", sorted(p.stat().st_size for p in vid_out)
    )


if __name__ == "__main__":
    main()
