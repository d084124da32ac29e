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


@pytest.mark.timeout(240)
def test_sigkill_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    folders = [make_case(tmp_path / "lib", i) for i in range(2)]
    pkg = make_package(folders, tmp_path / "exam.itexam", time_limit_s=3600, heartbeat_s=0.005)
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
        "cand",
        str(answers),
        str(home),
        "--no-submit",
        "--repeat",
        "100000",
        "--max-delay-ms",
        "8",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rng = random.Random(1234)
    acked: dict[int, tuple[str, str]] = {}
    truth = 0.0
    worst = 0.0  # largest overcount (time charged but not used)
    under = 0.0  # largest undercount (a kill during a commit slower than heartbeat_s)
    kills = 0
    ready_runs = 0
    first = True
    t_start = time.monotonic()
    while kills < N_KILLS:
        # the first runs may die before the start committed, so they may start or resume
        args = [*cmd, "--resume", "--passphrase", PASS] if first else [*cmd, "--resume"]
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
        kills += 1
        for t, line in lines:
            if line.startswith("READY"):
                first = False
                ready_runs += 1
                _, resumed_text, since_text = line.split()
                resumed = float(resumed_text)
                # the child's elapsed time at resume vs the sum of earlier true running times
                assert abs(resumed - truth) <= 2.0, (
                    f"kill {kills}: resumed at {resumed:.3f} s, truth {truth:.3f} s"
                )
                worst = max(worst, resumed - truth)
                under = max(under, truth - resumed)
                # the child's monotonic clock is the system-wide CLOCK_MONOTONIC: its start
                # of counting is the true start of this run
                truth_start = float(since_text)
                assert truth_start <= t
                break
        else:
            continue  # killed before it was ready: that run's time is not 'true' running time
        truth += t_kill - truth_start
        for _t, line in lines:
            if line.startswith("ACK"):
                _, seq, item, question = line.split()
                acked[int(seq)] = (item, question)
    runtime = time.monotonic() - t_start

    conn = sqlite3.connect(str(home / "exams" / pkg.exam_id / "cand.sqlite"))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = {s: (i, q) for s, i, q in conn.execute("SELECT seq, item, question FROM answers")}
    persisted = conn.execute("SELECT elapsed_s FROM clock").fetchone()[0]
    conn.close()
    lost = [s for s in acked if rows.get(s) != acked[s]]
    assert len(acked) > 100, f"too few answers were acknowledged ({len(acked)})"
    assert lost == [], f"{len(lost)} acknowledged answers lost"
    assert worst <= 2.0 and under <= 2.0, (worst, under)
    # a last resume (in process) agrees too, and the attempt is intact and verifiable
    s = ExamSession.open(pkg.path, "cand", home=home)
    s.resume()
    assert abs(s.elapsed_s() - truth) <= 2.0 + 0.05
    s.submit()
    s.close()
    print(
        f"\n{kills} SIGKILLs ({ready_runs} after resume, the rest during start-up) in {runtime:.1f} s: {len(acked)} acks, 0 lost, integrity ok, "
        f"resumed elapsed - truth in [-{under:.3f}, +{worst:.3f}] s (final persisted {persisted:.3f} s vs truth {truth:.3f} s)"
    )
