"""`imgtrainer gui`: open the desktop app (Qt is imported only when this command runs)."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
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


HEADLESS_HELP = (
    "to run without a screen use xvfb-run -a imgtrainer gui, or QT_QPA_PLATFORM=offscreen "
    "imgtrainer gui --quit-after SECONDS (for smoke tests)"
)


def no_display_problem(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """Why Qt would abort for want of a display (Linux/BSD without X11 or Wayland), or None.

    Checked before Qt starts: Qt itself aborts the process (exit 134) with a misleading hint
    about xcb-cursor0. QT_QPA_PLATFORM=offscreen/minimal/vnc/eglfs/... means the user chose."""
    env = os.environ if environ is None else environ
    if platform.startswith(("win", "darwin", "cygwin")):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if chosen and chosen not in ("xcb", "wayland", "wayland-egl"):
        return None
    if env.get("WAYLAND_DISPLAY"):
        return None
    display = env.get("DISPLAY", "")
    local = re.fullmatch(r":(\d+)(\.\d+)?", display)
    if local and platform.startswith("linux") and not Path(f"/tmp/.X11-unix/X{local.group(1)}").exists():
        return f"no display found: DISPLAY is {display} but no X server is running there; {HEADLESS_HELP}"
    if display:
        return None
    return f"no display found (neither DISPLAY nor WAYLAND_DISPLAY is set): {HEADLESS_HELP}"


def _run(args: argparse.Namespace) -> int:
    if args.library is not None and not args.library.is_dir():
        raise ImgTrainerError(f"{args.library}: library folder not found")
    if args.exam is not None and not args.exam.is_file():
        raise ImgTrainerError(f"{args.exam}: exam package not found")
    problem = no_display_problem()
    if problem:
        raise ImgTrainerError(problem)
    try:  # imported by name: the CLI itself must not depend on Qt (import-linter contract)
        app = importlib.import_module("imgtrainer.gui.app")
    except ImportError as exc:
        raise ImgTrainerError(
            f"the desktop app needs PyQt6 ({exc}); install it with pip install PyQt6"
        ) from exc
    if getattr(args, "exam", None) is not None:  # a shared exam PC: the exam window only
        return importlib.import_module("imgtrainer.gui.exam.entry").run_exam(args.exam, args.quit_after)
    return app.run(args.library, args.db, args.trainee, args.quit_after, args.startup_report)
