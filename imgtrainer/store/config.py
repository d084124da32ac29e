"""Where the store is: ``--db`` on the command line, else ``IMGTRAINER_DB_URL``, else the
config file ``<user data dir>/config.toml``, else the SQLite file in the user data directory.

The config file (TOML) keeps a department URL out of shell history::

    [store]
    url = "postgresql://imgt_app@db.example.org:5432/imgtrainer"   # this computer's store
    password_file = "/etc/imgtrainer/db-password"                   # first line: the password
    department_url = "postgresql://imgt_app@db.example.org/imgtrainer"  # laptops: sync target
    department_key = "/secure/imgtrainer-department.key"            # director: bundle key

A password may also come from libpq's own ``~/.pgpass`` / ``PGPASSFILE`` (the URL then has no
password at all, which is the recommended set-up). Passwords are never printed: every URL
shown to a user goes through ``mask_url``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from imgtrainer.errors import StoreError

ENV_DB_URL = "IMGTRAINER_DB_URL"
ENV_DEPARTMENT_URL = "IMGTRAINER_DEPARTMENT_URL"
CONFIG_NAME = "config.toml"


@dataclass(frozen=True)
class StoreConfig:
    url: str | None = None
    password_file: Path | None = None
    department_url: str | None = None
    department_key: Path | None = None
    path: Path | None = None


def config_path() -> Path:
    from imgtrainer.resources import data_dir

    return data_dir() / CONFIG_NAME


def load_config(path: Path | None = None) -> StoreConfig:
    """Read ``[store]`` from the config file (absent file: empty config)."""
    path = path or config_path()
    if not path.is_file():
        return StoreConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"{path}: cannot read the config file ({exc.__class__.__name__}: {exc})") from None
    store = data.get("store", {})
    if not isinstance(store, dict):
        raise StoreError(f"{path}: [store] must be a table")

    def text(key: str) -> str | None:
        v = store.get(key)
        if v is not None and not isinstance(v, str):
            raise StoreError(f"{path}: store.{key} must be text")
        return v or None

    pw, key = text("password_file"), text("department_key")
    return StoreConfig(
        url=text("url"),
        password_file=Path(pw).expanduser() if pw else None,
        department_url=text("department_url"),
        department_key=Path(key).expanduser() if key else None,
        path=path,
    )


def _with_password(url: str, cfg: StoreConfig) -> str:
    """Put the password from ``password_file`` into a URL that has none."""
    from sqlalchemy.engine import make_url

    if cfg.password_file is None:
        return url
    u = make_url(url)
    if u.password:
        return url
    try:
        password = cfg.password_file.read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        raise StoreError(f"{cfg.path}: store.password_file {cfg.password_file} cannot be read") from None
    return u.set(password=password).render_as_string(hide_password=False)


def resolve_db_url(cli_value: str | None) -> str:
    """This computer's store URL (see the module docstring for the order)."""
    from imgtrainer.resources import default_db_url
    from imgtrainer.store.engine import normalise_url

    if cli_value:
        return normalise_url(cli_value)
    env = os.environ.get(ENV_DB_URL, "").strip()
    if env:
        return normalise_url(env)
    cfg = load_config()
    if cfg.url:
        return normalise_url(_with_password(cfg.url, cfg))
    return default_db_url()


def resolve_department_url(cli_value: str | None) -> str | None:
    """The department store a laptop syncs into (None when none is configured)."""
    from imgtrainer.store.engine import normalise_url

    if cli_value:
        return normalise_url(cli_value)
    env = os.environ.get(ENV_DEPARTMENT_URL, "").strip()
    if env:
        return normalise_url(env)
    cfg = load_config()
    if cfg.department_url:
        return normalise_url(_with_password(cfg.department_url, cfg))
    return None


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe to print or log)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        u = make_url(str(url))
    except ArgumentError:
        text = str(url)
        if "@" in text and "://" in text:  # unparsable but may still hold user:password@
            scheme, rest = text.split("://", 1)
            return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
        return text
    return u.render_as_string(hide_password=True)
