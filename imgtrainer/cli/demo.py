"""``imgtrainer demo --rebuild``: regenerate the bundled synthetic demo library."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from imgtrainer.cli._common import number, output_file, output_folder, print_json
from imgtrainer.errors import ImgTrainerError, UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="regenerate the synthetic demo library (cases/)",
        description="Render every synthetic demo case (DICOM cine + case.json + key.json) deterministically from a seed.",
    )
    p.add_argument(
        "--rebuild", action="store_true", help="render the library (required; guards against accidents)"
    )
    p.add_argument("--out", type=Path, default=None, help="library folder (default: the bundled cases/)")
    p.add_argument("--seed", type=int, default=None, help="library seed (default 2026)")
    p.add_argument("--only", nargs="*", default=None, help="case ids or id prefixes to build (e.g. lung-)")
    p.add_argument(
        "--jobs", type=number(int, 1, 64), default=min(2, os.cpu_count() or 1), help="parallel renderers"
    )
    p.add_argument("--list", action="store_true", help="list the demo case ids and exit")
    p.add_argument(
        "--sheet", type=Path, default=None, help="also write a labelled contact sheet PNG of the library"
    )
    p.add_argument("--json", action="store_true", help="report as JSON")
    p.set_defaults(handler=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from imgtrainer.resources import demo_library_dir, in_checkout
    from imgtrainer.synth.demo_library import DEFAULT_SEED, all_demo_cases, build_library

    if args.list:
        demos = all_demo_cases()
        if args.json:
            print_json(
                {
                    "cases": [
                        {"id": d.id, "recipe": d.recipe, "domain": d.domain, "title": d.title} for d in demos
                    ]
                }
            )
        else:
            for d in demos:
                print(f"{d.id:12s} {d.recipe:28s} {d.domain:8s} {d.title}")
        return 0
    out = args.out or demo_library_dir()
    if args.sheet:
        output_file(args.sheet)
    if not args.rebuild:
        if args.sheet:
            if not Path(out).is_dir():
                raise ImgTrainerError(f"{out}: library folder not found")
            from imgtrainer.synth.contact_sheet import contact_sheet

            print(contact_sheet(out, args.sheet))
            return 0
        raise UsageError("nothing to do: pass --rebuild (or --list, or --sheet PNG)")
    if args.out is None and not in_checkout():
        raise UsageError(
            f"{out}: the demo library of an installed imgtrainer is not rebuilt in place: give --out DIR"
        )
    output_folder(out)
    seed = DEFAULT_SEED if args.seed is None else args.seed
    t0 = time.monotonic()
    show = not args.json and sys.stderr.isatty()

    def done(cid: str) -> None:
        if show:
            sys.stderr.write(f"built {cid}\n")

    ids = build_library(out, seed=seed, only=args.only, jobs=max(1, args.jobs), on_done=done)
    elapsed = time.monotonic() - t0
    size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    if args.sheet:
        from imgtrainer.synth.contact_sheet import contact_sheet

        contact_sheet(out, args.sheet)
    report = {
        "library": str(out),
        "seed": seed,
        "cases": len(ids),
        "ids": ids,
        "seconds": round(elapsed, 1),
        "bytes": size,
    }
    if args.json:
        print_json(report)
    else:
        print(f"built {len(ids)} cases in {out} (seed {seed}) in {elapsed:.0f} s, {size / 1e6:.1f} MB")
    return 0
