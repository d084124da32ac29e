"""Commit latency of one answer (the transaction a trainee waits for after each click) with 1,
10 and 50 concurrent clients, on PostgreSQL and on one shared SQLite file. From the repository
root:

    python benchmarks/store.py                 # throwaway PostgreSQL (fsync on) + SQLite in /tmp
    python benchmarks/store.py --pg-url URL    # an existing, migrated PostgreSQL database
    python benchmarks/store.py --clients 1 10 --answers 30

Each client is its own process with its own engine (a workstation); all start together. A
client opens an attempt, commits answers one by one (each timed: ``record_answer`` = one
transaction, SQLite ``synchronous=FULL``), finishes the attempt and opens the next. Between
answers a client "thinks" for a random 0 to 2 x ``--think`` seconds (default 0.5: a trainee
answering twice a second on average, faster than a real one); ``--think 0`` is a stress test in
which the clients' own Python competes for the CPU with the database. Prints p50 and p95 in
milliseconds, the PostgreSQL p95 at 50 clients against the 50 ms target, and the load average
(the machine is shared: a busy machine inflates every figure).
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 50.0
QUESTIONS = ["application", "view", "lung_sliding"]


def _client(url: str, name: str, n_answers: int, barrier, think: float, out) -> None:
    import random

    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.store.engine import make_engine
    from imgtrainer.training.questions import build_question_set
    from imgtrainer.training.responses import parse_answers
    from tests.training._cases import lung_case, perfect_answers

    case, key = lung_case("lung-bench")
    qset = build_question_set(case, key, load_taxonomy("lung"), QUESTIONS)
    answers = list(parse_answers({q: perfect_answers(key, case)[q] for q in QUESTIONS}, qset).items())
    store = AttemptStore(make_engine(url))
    store.ensure_trainee(name, datetime.now(UTC))  # connected and warm before the clock starts
    lat: list[float] = []
    rng = random.Random(name)
    barrier.wait()  # every client imported and connected: no import storm inside the measurement
    time.sleep(rng.uniform(0, think))
    aid = None
    for i in range(n_answers):
        now = datetime.now(UTC)
        if i % len(answers) == 0:
            if aid is not None:
                store.finish(aid, case, key, qset, now)
            aid = store.start(name, qset, now)
        qid, resp = answers[i % len(answers)]
        t0 = time.perf_counter()
        store.record_answer(aid, qid, resp, now)
        lat.append((time.perf_counter() - t0) * 1000)
        if think:
            time.sleep(rng.uniform(0, 2 * think))
    out.put(lat)


def run(url: str, clients: int, n_answers: int, think: float) -> list[float]:
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    barrier = ctx.Barrier(clients)
    procs = [
        ctx.Process(target=_client, args=(url, f"Bench {i:02d}", n_answers, barrier, think, q))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    lat: list[float] = []
    for _ in procs:
        lat += q.get(timeout=900)  # a client that died leaves the barrier broken: all stop
    for p in procs:
        p.join()
    return lat


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg-url", help="use this migrated PostgreSQL database instead of a throwaway one")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--answers", type=int, default=60, help="answers committed per client (60)")
    ap.add_argument("--engines", nargs="+", default=["postgresql", "sqlite"])
    ap.add_argument("--think", type=float, default=0.5, help="mean seconds between a client's answers (0.5)")
    args = ap.parse_args()
    from imgtrainer.store.engine import make_engine

    tmp = Path(tempfile.mkdtemp(prefix="imgt-bench-"))
    server = None
    results: dict[tuple[str, int], tuple[float, float, int]] = {}
    try:
        for engine in args.engines:
            if engine == "postgresql":
                if args.pg_url:
                    base = args.pg_url
                else:
                    from tests._pg import start_pg

                    server = start_pg(fsync=True)
            for n in args.clients:
                if engine == "sqlite":
                    url = f"sqlite:///{tmp / f'shared-{n}.sqlite'}"
                elif args.pg_url:
                    url = base
                else:
                    server.admin_sql(f"CREATE DATABASE bench_{n}")
                    url = server.url(f"bench_{n}")
                make_engine(url, upgrade=True).dispose()
                lat = run(url, n, args.answers, args.think)
                results[(engine, n)] = (pct(lat, 50), pct(lat, 95), len(lat))
                p50, p95, k = results[(engine, n)]
                print(
                    f"{engine:<10} {n:>3} clients: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({k} commits)",
                    flush=True,
                )
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    key = ("postgresql", max(args.clients))
    if key in results:
        p95 = results[key][1]
        print(
            f"PostgreSQL p95 at {key[1]} clients: {p95:.1f} ms = {p95 / TARGET_P95_MS:.2f} x the {TARGET_P95_MS:.0f} ms target"
            f" ({'met' if p95 <= TARGET_P95_MS else 'NOT met'})"
        )
    import os

    print(
        f"load average during the run (1/5/15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
