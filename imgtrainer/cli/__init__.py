"""The imgtrainer command line. Each module in this package with a ``register(subparsers)``
function adds one command group; with no arguments the GUI opens."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from imgtrainer import DISCLAIMER, __version__


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser; ``only`` registers just that command group (a fast start for ``gui``)."""
    from imgtrainer.cli._common import Parser

    parser = Parser(
        prog="imgtrainer",
        description="POCUS image-interpretation trainer. " + DISCLAIMER,
        epilog="Exit status: 0 done; 1 an input was missing, unreadable or invalid (or some files of "
        "a batch failed); 2 a usage error (bad option value, missing argument); 3 an internal error; "
        "130 interrupted. Errors are one line on stderr: 'imgtrainer: error: <what>: <problem>'.",
    )
    parser.add_argument("--version", action="version", version=f"imgtrainer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_") or (only is not None and mod.name != only):
            continue
        try:
            module = importlib.import_module(f"imgtrainer.cli.{mod.name}")
        except Exception as exc:  # one broken command group must not take the others down
            sys.stderr.write(
                f"imgtrainer: command group {mod.name!r} unavailable: {exc.__class__.__name__}: {exc}\n"
            )
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and apply the exit-status rule (see ``imgtrainer.cli._common``).

    Usage errors and ``--help``/``--version`` leave through ``SystemExit`` like argparse's."""
    from imgtrainer.cli._common import EXIT_USAGE, library_noise, run_handler

    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        args_list = ["gui"]
    with library_noise():
        parser = build_parser(only="gui" if args_list[0] == "gui" else None)
        args = parser.parse_args(args_list)
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return run_handler(handler, args)
