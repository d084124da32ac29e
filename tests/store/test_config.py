"""Where the store is (--db, IMGTRAINER_DB_URL, the config file, the default) and that a
password is never shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from imgtrainer.errors import StoreError
from imgtrainer.store.config import mask_url, resolve_db_url, resolve_department_url

REPO = Path(__file__).resolve().parents[2]


def test_mask_url_hides_only_the_password() -> None:
    assert mask_url("postgresql+psycopg://imgt:s3cr%40t@db.example.org:5432/imgt") == (
        "postgresql+psycopg://imgt:***@db.example.org:5432/imgt"
    )
    assert mask_url("postgresql://imgt@db/imgt") == "postgresql://imgt@db/imgt"
    assert mask_url("sqlite:////tmp/a.sqlite") == "sqlite:////tmp/a.sqlite"


def test_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated_home: Path) -> None:
    monkeypatch.delenv("IMGTRAINER_DB_URL", raising=False)
    monkeypatch.delenv("IMGTRAINER_DEPARTMENT_URL", raising=False)
    assert resolve_db_url(None) == f"sqlite:///{_isolated_home / 'imgtrainer.sqlite'}"
    assert resolve_department_url(None) is None
    (tmp_path / "pw").write_text("pa ss:word\n")
    (_isolated_home / "config.toml").write_text(
        '[store]\nurl = "postgresql://imgt@db.example.org/imgt"\n'
        f'password_file = "{tmp_path / "pw"}"\ndepartment_url = "postgresql://imgt@dept/imgt"\n'
    )
    url = resolve_db_url(None)
    from sqlalchemy.engine import make_url

    assert url.startswith("postgresql+psycopg://imgt:") and make_url(url).password == "pa ss:word"
    assert mask_url(url) == "postgresql+psycopg://imgt:***@db.example.org/imgt"
    assert resolve_department_url(None).startswith("postgresql+psycopg://imgt:")
    monkeypatch.setenv("IMGTRAINER_DB_URL", "sqlite:////tmp/env.sqlite")
    assert resolve_db_url(None) == "sqlite:////tmp/env.sqlite"
    assert resolve_db_url("other.sqlite") == "sqlite:///other.sqlite"
    (_isolated_home / "config.toml").write_text("[store\nurl=")
    monkeypatch.delenv("IMGTRAINER_DB_URL")
    with pytest.raises(StoreError, match=r"config\.toml"):
        resolve_db_url(None)


def test_a_refused_connection_never_prints_the_password(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://imgt:Sup3rS3cret@127.0.0.1:{port}/imgt"
    for args in (
        ["db", "status", "--db", url],
        ["progress", "--trainee", "x", "--db", url],
        ["sync", "--to", url, "--db", str(tmp_path / "l.sqlite")],
    ):
        p = subprocess.run(
            [sys.executable, "-m", "imgtrainer", *args], capture_output=True, text=True, cwd=REPO
        )
        assert p.returncode == 1, p.stderr
        assert "Sup3rS3cret" not in p.stderr + p.stdout and "***" in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_raters_add_list_retire_and_sync(db_url: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from imgtrainer.annotate.raters import RaterDirectory
    from imgtrainer.store.engine import make_engine
    from imgtrainer.store.sync import sync

    laptop = make_engine(tmp_path / "l.sqlite")
    d = RaterDirectory(laptop)
    a = d.add("Dr Okafor", datetime.now(UTC))
    d.add("Dr Okafor", datetime.now(UTC), role="expert")
    with pytest.raises(StoreError, match="2 raters match"):
        d.find("Dr Okafor")
    assert d.retire(a.uuid[:8]).active is False
    assert [r.role for r in d.list()] == ["expert"] and len(d.list(include_retired=True)) == 2
    dept = make_engine(db_url, upgrade=True)
    assert sync(laptop, dept).copied["raters"] == 2
    assert {r.uuid for r in RaterDirectory(dept).list(include_retired=True)} == {r.uuid for r in d.list(True)}
