"""De-identification throughput, today's code against a baseline, side by side in one run.

    python benchmarks/deid.py [--files 24] [--jobs 0] [--baseline-ref 5426d2d] [--ocr-labels]

Two inputs are generated from shared real files: single-frame US (``US1_UNCR.dcm``, 640x480
RGB, no Ultrasound Regions: the scan area is detected) and multi-frame US (``Issue16.dcm``,
34 frames of 480x430 YBR JPEG with regions), ``--files`` copies each with their own UIDs.
Each configuration runs ``imgtrainer deid SRC --out DIR`` as a fresh process, timed from start to
exit (wall time; and CPU time of the process and its workers, which does not depend on what
else the machine is doing), in this order: the baseline (``--baseline-ref``, the code before issue 19's throughput
work, extracted with ``git archive``; one process, no OCR), then today's code with one worker
and with ``--jobs`` workers (default: the cores), each without and with OCR. Printed: files/s,
frames/s and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pydicom
from pydicom.uid import generate_uid

ROOT = Path(__file__).resolve().parent.parent
DATA = (ROOT / ".." / "shared" / "data" / "dicom").resolve()
INPUTS = {
    "single-frame": DATA / "pydicom-data" / "US1_UNCR.dcm",
    "multi-frame": DATA / "orthanc-tests" / "Issue16.dcm",
}


def make_inputs(folder: Path, template: Path, n: int) -> int:
    """``n`` copies of ``template`` with their own UIDs; returns frames per file."""
    folder.mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(template)
        for i in range(n):
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.StudyInstanceUID = generate_uid()
            ds.PatientID = f"BENCH{i:04d}"
            ds.save_as(folder / f"f{i:03d}.dcm", enforce_file_format=True)
    return int(ds.get("NumberOfFrames", 1) or 1)


def baseline_tree(ref: str, dest: Path) -> Path:
    """The ``imgtrainer`` package as of git ``ref``, unpacked into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "imgtrainer"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def timed_deid(code_root: Path, src: Path, out: Path, args: list[str], home: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the process and its workers) of one ``deid`` run."""
    env = {**os.environ, "PYTHONPATH": str(code_root), "IMGTRAINER_HOME": str(home)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "imgtrainer", "deid", str(src), "--out", str(out), *args],
        env=env, capture_output=True, text=True, timeout=3600, cwd=src.parent,  # not the checkout: -m finds PYTHONPATH's
    )  # fmt: skip
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):
        raise SystemExit(f"deid failed ({r.returncode}): {r.stderr.strip()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=24, help="files of each kind")
    ap.add_argument("--jobs", type=int, default=0, help="workers for the parallel runs (0: the cores)")
    ap.add_argument("--baseline-ref", default="5426d2d", help="git ref of the baseline code")
    a = ap.parse_args()
    from imgtrainer.workpool import default_jobs

    jobs = a.jobs or default_jobs()
    work = Path(tempfile.mkdtemp(prefix="deid-bench-"))
    try:
        base = baseline_tree(a.baseline_ref, work / "baseline")
        print(
            f"baseline: {a.baseline_ref} (one process, no OCR); today: {ROOT.name} at HEAD; {jobs} worker(s)"
        )
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            f"{'input':13s} {'configuration':30s} {'wall s':>7s} {'files/s':>8s} {'frames/s':>9s} {'x base':>7s}"
            f" {'cpu s/file':>10s} {'x base':>7s}"
        )
        for kind, template in INPUTS.items():
            src = work / f"src-{kind}"
            frames = make_inputs(src, template, a.files)
            configs = [
                ("baseline (before)", base, []),
                ("today, 1 worker, no OCR", ROOT, ["--jobs", "1", "--no-ocr"]),
                (f"today, {jobs} workers, no OCR", ROOT, ["--jobs", str(jobs), "--no-ocr"]),
                ("today, 1 worker, OCR", ROOT, ["--jobs", "1"]),
                (f"today, {jobs} workers, OCR", ROOT, ["--jobs", str(jobs)]),
            ]
            base_rate = base_cpu = None
            for k, (name, code, args) in enumerate(configs):
                out, home = work / f"out-{kind}-{k}", work / f"home-{kind}-{k}"
                secs, cpu = timed_deid(code, src, out, [*args, "--json"] if code is ROOT else args, home)
                rate, per_file = a.files / secs, cpu / a.files
                base_rate, base_cpu = base_rate or rate, base_cpu or per_file
                print(
                    f"{kind:13s} {name:30s} {secs:7.1f} {rate:8.2f} {rate * frames:9.1f} {rate / base_rate:6.2f}x"
                    f" {per_file:10.2f} {base_cpu / per_file:6.2f}x",
                    flush=True,
                )
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
