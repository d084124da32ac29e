"""Atomic writes: content replaced whole, permissions sane, temp files cleaned on failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from imgtrainer.fileio import atomic_output, atomic_write_json, atomic_write_text


def test_new_file_follows_umask_and_private_is_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        shared = atomic_write_text(tmp_path / "case.json", "{}")
        secret = atomic_write_text(tmp_path / "secret.json", "{}", private=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_existing_mode_is_kept_and_content_replaced(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_text("old")
    path.chmod(0o640)
    atomic_write_json(path, {"a": 1})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == '{\n  "a": 1\n}\n'


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(path) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("writer crashed")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["frame.png"]
