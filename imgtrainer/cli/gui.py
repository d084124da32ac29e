"""`imgtrainer gui`: open the desktop app (Qt is imported only when this command runs)."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from imgtrainer.errors import ImgTrainerError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("gui", help="open the desktop trainer (the default with no command)")
    p.add_argument(
        "--library", type=Path, default=None, help="case library folder (default: the bundled demo)"
    )
    p.add_argument("--db", default=None, help="database URL or SQLite file (default: per-user data folder)")
    p.add_argument("--trainee", default=None, help="trainee profile to open (skips the first-run screen)")
    p.add_argument(
        "--exam", type=Path, default=None, help="open only the proctored exam window for this package"
    )
    p.add_argument("--quit-after", type=float, default=None, metavar="SECONDS", help=argparse.SUPPRESS)
    p.add_argument("--startup-report", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.library is not None and not args.library.is_dir():
        raise ImgTrainerError(f"{args.library}: library folder not found")
    try:  # imported by name: the CLI itself must not depend on Qt (import-linter contract)
        app = importlib.import_module("imgtrainer.gui.app")
    except ImportError as exc:
        raise ImgTrainerError(
            f"the desktop app needs PyQt6 ({exc}); install it with pip install PyQt6"
        ) from exc
    if getattr(args, "exam", None) is not None:  # a shared exam PC: the exam window only
        return importlib.import_module("imgtrainer.gui.exam.entry").run_exam(args.exam, args.quit_after)
    return app.run(args.library, args.db, args.trainee, args.quit_after, args.startup_report)
