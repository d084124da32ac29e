"""De-identification of a folder at department scale: parallel, resumable, one run at a time.

``run_batch`` spreads the files over worker processes (``--jobs``) and survives a kill:

- the secret salt of an output folder is kept in the user's private data folder (never next to
  the output), so a resumed run gives the same output names, UIDs and date shifts;
- each finished file leaves a small record in ``OUT/.deid-done/`` (written after its output,
  both atomically); a restarted run skips sources whose record matches their size and time;
- writes are atomic, so a kill leaves at most hidden ``.tmp`` files, removed at the next start;
- a lock file keeps a second run from writing into the same folder at the same time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from imgtrainer.deid.context import DeidContext, DeidOptions, DeidResult
from imgtrainer.errors import ImgTrainerError
from imgtrainer.fileio import atomic_write_bytes, atomic_write_json

DONE_DIR = ".deid-done"
LOCK_NAME = ".deid.lock"
_CTX: DeidContext | None = None  # the worker's context (set by _init_worker)


def folder_salt(folder: Path, kind: str = "deid") -> bytes:
    """The secret salt for everything written into ``folder``, created on first use in the
    user's private data folder (0600). Reusing it keeps a resumed run consistent."""
    from imgtrainer.resources import data_dir

    key = hashlib.sha256(f"{kind}\x00{Path(folder).resolve()}".encode()).hexdigest()[:32]
    path = data_dir() / "deid-keys" / f"{key}.key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    salt = secrets.token_bytes(32)
    atomic_write_bytes(path, salt.hex().encode(), private=True)
    return salt


@contextmanager
def folder_lock(folder: Path, name: str, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``folder/name``; a second holder gets one clear error."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImgTrainerError(
                f"{folder}: another {what} is writing here; wait for it to finish"
            ) from None
        yield
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path) -> int:
    """Delete hidden temp files a killed run left (``.name.xxxx.tmp``, ``.tmp-xxxx``)."""
    n = 0
    for p in folder.rglob(".*"):
        if p.is_file() and (p.name.endswith(".tmp") or ".tmp." in p.name or p.name.startswith(".tmp-")):
            p.unlink(missing_ok=True)
            n += 1
    return n


def _record_path(out: Path, src: Path) -> Path:
    return out / DONE_DIR / (hashlib.sha256(str(src.resolve()).encode()).hexdigest()[:32] + ".json")


def _stamp(src: Path) -> list[int]:
    st = src.stat()
    return [st.st_size, st.st_mtime_ns]


def _done_record(out: Path, src: Path) -> dict[str, Any] | None:
    """The finished result of ``src`` from an earlier run, if the source is unchanged and its
    output is still there."""
    try:
        rec = json.loads(_record_path(out, src).read_text())
        if rec.get("stamp") != _stamp(src):
            return None
        output = rec["result"].get("output")
        if output and not Path(output).is_file():
            return None
        return rec["result"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _init_worker(salt: bytes, options: DeidOptions) -> None:
    global _CTX
    _CTX = DeidContext(salt=salt, options=options)


def _one(task: tuple[str, str]) -> dict[str, Any]:
    """Worker: de-identify one file and record it as done; returns the result as a dict."""
    from imgtrainer.deid.pipeline import deidentify_file

    src, out = Path(task[0]), Path(task[1])
    assert _CTX is not None
    result: DeidResult = deidentify_file(src, out, _CTX)
    d = result.to_dict()
    atomic_write_json(_record_path(out, src), {"stamp": _stamp(src), "result": d})
    return d


def run_batch(
    files: list[Path],
    out: Path,
    jobs: int = 1,
    options: DeidOptions | None = None,
    on_file: Callable[[dict[str, Any], bool], None] | None = None,
) -> list[dict[str, Any]]:
    """De-identify ``files`` into ``out``; returns every file's result dict in input order.
    ``on_file(result, resumed)`` is called as each file finishes (or is found done)."""
    from imgtrainer.workpool import run_parallel

    out = Path(out)
    options = options or DeidOptions()
    with folder_lock(out, LOCK_NAME, "de-identification"):
        remove_stale_temps(out)
        results: list[dict[str, Any] | None] = [None] * len(files)
        todo: list[int] = []
        for i, src in enumerate(files):
            rec = _done_record(out, src)
            if rec is None:
                todo.append(i)
            else:
                results[i] = {**rec, "resumed": True}
                if on_file is not None:
                    on_file(results[i], True)
        salt = folder_salt(out)
        tasks = [(str(files[i]), str(out)) for i in todo]
        for k, res in run_parallel(_one, tasks, jobs, _init_worker, (salt, replace(options))):
            results[todo[k]] = res
            if on_file is not None:
                on_file(res, False)
    return [r for r in results if r is not None]
