"""Proctor credentials on the command line: the passphrase (option, file, environment, prompt)
and the per-exam proctor PIN."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from imgtrainer.errors import ExamError, UsageError

PASS_ENV = "IMGTRAINER_PROCTOR_PASSPHRASE"


def _passphrase(args: argparse.Namespace, required: bool = True) -> str | None:
    """--passphrase, --passphrase-file, $IMGTRAINER_PROCTOR_PASSPHRASE, or a prompt on a terminal."""
    if getattr(args, "passphrase", None):
        return args.passphrase
    if getattr(args, "passphrase_file", None):
        try:
            return Path(args.passphrase_file).read_text(encoding="utf-8").strip("\r\n")
        except OSError as exc:
            raise ExamError(f"{args.passphrase_file}: cannot read passphrase file ({exc})") from None
    if os.environ.get(PASS_ENV):
        return os.environ[PASS_ENV]
    if required and sys.stdin.isatty():
        return getpass.getpass("Proctor passphrase: ")
    if required:
        raise UsageError(
            f"--passphrase: the proctor passphrase is needed: give --passphrase, --passphrase-file or ${PASS_ENV}"
        )
    return None


def _add_pass(p: argparse.ArgumentParser, pin: bool = False) -> None:
    p.add_argument("--passphrase", help=f"proctor passphrase (prefer --passphrase-file or ${PASS_ENV})")
    p.add_argument("--passphrase-file", help="file whose first line is the proctor passphrase")
    if pin:
        p.add_argument("--proctor-pin", help="the exam's proctor PIN, instead of the passphrase")
        p.add_argument("--proctor-pin-file", help="file whose first line is the proctor PIN")


def _first_line(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip("\r\n")
    except OSError as exc:
        raise ExamError(f"{path}: cannot read {what} file ({exc})") from None


def _proctor(args: argparse.Namespace) -> str | None:
    """The proctor's credential for resume and time changes: the PIN if given, else the passphrase."""
    if getattr(args, "proctor_pin", None):
        return str(args.proctor_pin)
    if getattr(args, "proctor_pin_file", None):
        return _first_line(args.proctor_pin_file, "PIN")
    return _passphrase(args)
