"""SIGKILL a real exam subprocess at random moments; every acknowledged answer must survive.

The child (``python -m imgtrainer.exams.scripted``) prints ``ACK <seq> ...`` only after the
answer's transaction committed (synchronous=FULL). The parent kills it at a random time, restarts
it with resume, and at the end compares the acks with the database, runs PRAGMA integrity_check,
and checks that each resumed elapsed time stays within 2 s of the true running time. (Resume adds
heartbeat_s, an upper bound of the unsaved time while the process keeps its heartbeat; a kill
during a commit slower than that can undercount by the stall, which the test reports.)
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from imgtrainer.exams.session import ExamSession
from tests.exams._cases import make_case
from tests.exams.conftest import PASS, make_package

N_KILLS = int(os.environ.get("IMGTRAINER_EXAM_KILLS", "200"))
REPO = Path(__file__).resolve().parents[2]


def _reader(proc: subprocess.Popen, lines: list[tuple[float, str]], ready: threading.Event) -> None:
    for raw in proc.stdout:  # type: ignore[union-attr]
        line = raw.decode().strip()
        lines.append((time.monotonic(), line))
        if line.startswith("READY"):
            ready.set()


def _stream(cmd: list[str], cand: str, n_kills: int, seed: int, env: dict[str, str]) -> dict:
    """Kill-and-resume one candidate's attempt ``n_kills`` times; returns what was observed."""
    rng = random.Random(seed)
    out = {"acked": {}, "truth": 0.0, "worst": 0.0, "under": 0.0, "ready_runs": 0}
    cmd = [*cmd[:4], cand, *cmd[5:]]
    for kill in range(1, n_kills + 1):
        # the first runs may die before the start committed, so they may start or resume
        # the proctor's passphrase starts the attempt and resumes it after each kill
        args = [*cmd, "--resume", "--passphrase", PASS]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
        lines: list[tuple[float, str]] = []
        ready = threading.Event()
        reader = threading.Thread(target=_reader, args=(proc, lines, ready), daemon=True)
        reader.start()
        if rng.random() < 0.25:  # a quarter of the kills land anywhere in start-up / resume
            time.sleep(rng.uniform(0.0, 0.3))
        else:  # the rest while answering, at a random moment after the resume
            ready.wait(timeout=20)
            time.sleep(rng.uniform(0.0, 0.15))
        t_kill = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join(timeout=5)
        err = proc.stderr.read().decode(errors="replace")  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, lines[-3:], err[-2000:])
        ready_line = next(((t, ln) for t, ln in lines if ln.startswith("READY")), None)
        if ready_line is None:
            continue  # killed before it was ready: no 'true' running time is known for this run
        out["ready_runs"] += 1
        _, resumed_text, since_text = ready_line[1].split()
        resumed, truth = float(resumed_text), out["truth"]
        # the child's elapsed time at resume vs the sum of the earlier true running times
        assert abs(resumed - truth) <= 2.0, (
            f"{cand} kill {kill}: resumed at {resumed:.3f} s, truth {truth:.3f} s"
        )
        out["worst"] = max(out["worst"], resumed - truth)
        out["under"] = max(out["under"], truth - resumed)
        # the child's clock is the system-wide CLOCK_MONOTONIC: it gives the run's true start
        since = float(since_text)
        assert since <= ready_line[0]
        out["truth"] += t_kill - since
        for _t, line in lines:
            if line.startswith("ACK"):
                _, seq, item, question = line.split()
                out["acked"][int(seq)] = (item, question)
    return out


@pytest.mark.timeout(240)
def test_sigkill_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    folders = [make_case(tmp_path / "lib", i) for i in range(2)]
    pkg = make_package(
        folders, tmp_path / "exam.itexam", time_limit_s=3600, heartbeat_s=0.005, downtime="paused"
    )
    home = tmp_path / "home"
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "1": {"view": "plaps", "b_line_count": 3, "lus_score": 2, "decision": 1},
                "2": {
                    "view": "lateral_intercostal",
                    "findings": ["blines"],
                    "b_line_count": 0,
                    "decision": 0,
                },
            }
        )
    )
    cmd = [
        sys.executable,
        "-m",
        "imgtrainer.exams.scripted",
        str(pkg.path),
        "CAND",
        str(answers),
        str(home),
        "--no-submit",
        "--repeat",
        "100000",
        "--max-delay-ms",
        "8",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # two candidates' attempts are killed in parallel (the waiting dominates, not the CPU)
    cands = {"cand0": N_KILLS // 2, "cand1": N_KILLS - N_KILLS // 2}
    t_start = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            c: pool.submit(_stream, cmd, c, n, 1234 + i, env) for i, (c, n) in enumerate(cands.items())
        }
        streams = {c: f.result() for c, f in futures.items()}
    runtime = time.monotonic() - t_start

    for cand, st in streams.items():
        conn = sqlite3.connect(str(home / "exams" / pkg.exam_id / f"{cand}.sqlite"))
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = {s: (i, q) for s, i, q in conn.execute("SELECT seq, item, question FROM answers")}
        st["persisted"] = conn.execute("SELECT elapsed_s FROM clock").fetchone()[0]
        conn.close()
        lost = [s for s in st["acked"] if rows.get(s) != st["acked"][s]]
        assert len(st["acked"]) > 50, f"{cand}: too few answers were acknowledged ({len(st['acked'])})"
        assert lost == [], f"{cand}: {len(lost)} acknowledged answers lost"
        # a last resume (in process) agrees too, and the attempt is intact and submittable
        s = ExamSession.open(pkg.path, cand, home=home)
        s.resume(PASS)
        assert abs(s.elapsed_s() - st["truth"]) <= 2.0 + 0.05
        s.submit()
        s.close()
    acks = sum(len(st["acked"]) for st in streams.values())
    ready = sum(st["ready_runs"] for st in streams.values())
    worst = max(st["worst"] for st in streams.values())
    under = max(st["under"] for st in streams.values())
    print(
        f"\n{N_KILLS} SIGKILLs ({ready} after resume, the rest during start-up) in {runtime:.1f} s: "
        f"{acks} acks, 0 lost, integrity ok, resumed elapsed - truth in [-{under:.3f}, +{worst:.3f}] s; "
        + ", ".join(
            f"{c}: persisted {st['persisted']:.3f} s vs truth {st['truth']:.3f} s"
            for c, st in streams.items()
        )
    )
