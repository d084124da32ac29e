"""Every CLI command group imports cleanly and registers its commands."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import imgtrainer.cli as cli


@pytest.mark.parametrize(
    "name", [m.name for m in pkgutil.iter_modules(cli.__path__) if not m.name.startswith("_")]
)
def test_command_group_imports(name: str) -> None:
    module = importlib.import_module(f"imgtrainer.cli.{name}")
    assert callable(module.register)


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr()
    assert "unavailable" not in out.err
    for command in (
        "info",
        "frame",
        "cases",
        "import",
        "deid",
        "quality",
        "assist",
        "practice",
        "progress",
        "exam",
        "agreement",
    ):
        assert command in out.out
