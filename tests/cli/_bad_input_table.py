"""The bank of bad inputs and the table of commands for ``test_bad_inputs.py``.

Rows name their inputs by placeholder ({missing}, {trunc_mp4}, ...; see ``make_bank``).
Subcommands are found from the argparse parser (``leaf_commands``), so a command group added
later gets the generic rows (an unknown option, a missing input) without touching this file.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass
from pathlib import Path

from imgtrainer.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared" / "data").resolve()
NATIVE_DCM = SHARED / "dicom" / "godcm" / "US-MONO2-8-8x-execho.dcm"  # 8 frames, 128x120
JPEG_DCM = SHARED / "dicom" / "pydicom" / "examples_ybr_color.dcm"  # 30 frames, encapsulated
MP4 = SHARED / "lung-blus" / "lus_videos" / "patient_21_L2.mp4"  # 'moov' at the end
MISSING = "no-such-input"

# ----------------------------------------------------------------------------- the bank


def make_bank(d: Path) -> dict[str, str]:
    """Write the bad (and a few good) inputs into ``d``; keys are the tables' placeholders."""
    (d / "empty.dcm").write_bytes(b"")
    (d / "text.dcm").write_text("this is a text file, not DICOM\n")
    (d / "trunc.dcm").write_bytes(NATIVE_DCM.read_bytes()[:50_000])
    (d / "trunc_jpeg.dcm").write_bytes(JPEG_DCM.read_bytes()[:150_000])
    (d / "trunc.mp4").write_bytes(MP4.read_bytes()[:20_000])
    (d / "empty_dir").mkdir()
    (d / "bad.json").write_text('{"q1": [1, 2,\n')
    (d / "empty.json").write_text("")
    (d / "bad.toml").write_text('title = "x\n[[views]\n')
    (d / "bad.csv").write_text("clip,label\na.mp4,yes\n")
    (d / "afile").write_text("a regular file where a folder is expected\n")
    (d / "out").mkdir()
    shutil.copy(NATIVE_DCM, d / "good.dcm")
    shutil.copytree(REPO / "cases" / "lung-01", d / "case")
    broken = d / "broken_lib" / "broken_case"
    broken.mkdir(parents=True)
    (broken / "case.json").write_text('{"id": "broken_case", "title": ')
    (d / "bad_tax").mkdir()
    (d / "bad_tax" / "lung.toml").write_text('title = "x\n[[views]\n')
    (d / "manifest.csv").write_text("file,label\ngood.dcm,B-lines\n")
    return {
        "missing": str(d / "no-such-input.dcm"),
        "missing_dir": str(d / "no-such-input"),
        "empty": str(d / "empty.dcm"),
        "text_dcm": str(d / "text.dcm"),
        "trunc_dcm": str(d / "trunc.dcm"),
        "trunc_jpeg": str(d / "trunc_jpeg.dcm"),
        "trunc_mp4": str(d / "trunc.mp4"),
        "empty_dir": str(d / "empty_dir"),
        "bad_json": str(d / "bad.json"),
        "empty_json": str(d / "empty.json"),
        "bad_toml": str(d / "bad.toml"),
        "bad_csv": str(d / "bad.csv"),
        "file_as_dir": str(d / "afile" / "sub"),
        "typo_dir": str(d / "out" / "no-such-folder" / "deeper"),
        "out": str(d / "out"),
        "good": str(d / "good.dcm"),
        "case": str(d / "case"),
        "broken_case": str(broken),
        "broken_lib": str(broken.parent),
        "bad_tax": str(d / "bad_tax"),
        "manifest": str(d / "manifest.csv"),
        "library": str(REPO / "cases"),
    }


# ----------------------------------------------------------------------------- the tables


@dataclass(frozen=True)
class Row:
    argv: str  # shell words with {placeholders} from the bank; {kind} is the row's input kind
    code: int  # expected exit status
    names: str  # the error line must contain this text (after formatting)


MEDIA_KINDS = ("missing", "empty", "text_dcm", "trunc_dcm", "trunc_jpeg", "trunc_mp4", "empty_dir")
MEDIA_COMMANDS = (
    "info {in}",
    "info --json --verify {in}",
    "quality {in}",
    "assist {in}",
    "frame {in} -o {out}/frame-{kind}.png",
    "mmode {in} --line 1,1,5,5 -o {out}/mm-{kind}.png",
    "deid {in} --out {out}/deid-{kind}",
    "deid preview {in} -o {out}/prev-{kind}.png",
    "import {in} --library {out}/lib-{kind} --quiet",
)
CASE_KINDS = ("missing_dir", "empty_dir", "broken_case", "afile_case")
CASE_COMMANDS = (
    "cases validate {c}",
    "agreement {c}",
    "adjudicate {c} --adjudicator chief",
    "faculty export {c} -o {out}/ann-{kind}.json",
    "faculty export-sr {c} -o {out}/sr-{kind}.dcm",
    "practice questions {c}",
    "cases review {c} --approve",
)
DATA_KINDS = ("missing", "empty_json", "bad_json", "text_dcm")
DATA_COMMANDS = (
    "practice score {case} --answers {f} --trainee Ana",
    "adjudicate {case} --adjudicator chief --decisions {f}",
    "faculty import {f} {case}",
    "assist {good} --model {f}",
    "exam report {f} -o {out}/report-{kind}",
    "exam status {f}",
    "exam take {f} --candidate C1 --passphrase x",
    "exam verify {f} --package {f} --passphrase x",
    "exam grade {f} {f} --passphrase x -o {out}/graded-{kind}.json",
)
TABLE_KINDS = ("missing", "empty_json", "bad_toml", "bad_csv")
TABLE_COMMANDS = (
    "assist-fit --labels {f} -o {out}/model-{kind}.json",
    "import --manifest {manifest} --mapping {f} --library {out}/mlib-{kind} --quiet",
    "cases taxonomy --taxonomy-dir {bad_tax}",
)
# (argv, code, text the error line must contain)
SPECIAL = (
    # out-of-range or malformed numbers: usage errors naming the option
    ("exam build --pass-mark 7 -o {out}/e.itexam --passphrase x", 2, "--pass-mark"),
    ("exam build --pass-mark -0.5 -o {out}/e.itexam --passphrase x", 2, "--pass-mark"),
    ("exam build --limit 0 -o {out}/e.itexam --passphrase x", 2, "--limit"),
    ("exam build --time-limit -5 -o {out}/e.itexam --passphrase x", 2, "--time-limit"),
    ("exam build --case-time-limit 0 -o {out}/e.itexam --passphrase x", 2, "--case-time-limit"),
    ("exam build --difficulty 5 -o {out}/e.itexam --passphrase x", 2, "--difficulty"),
    ("frame {good} --index 99 -o {out}/f99.png", 2, "--index"),
    ("frame {good} --index -99 -o {out}/f99.png", 2, "--index"),
    ("frame {good} --index one -o {out}/f1.png", 2, "--index"),
    ("mmode {good} --line 200,80,200,400 -o {out}/mm-out.png", 2, "--line"),
    ("mmode {good} --line 1,2,3 -o {out}/mm-3.png", 2, "--line"),
    ("mmode {good} --line 5,5,5,5 -o {out}/mm-0.png", 2, "--line"),
    ("mmode {good} --line 1,1,5,5 --columns-per-s 0 -o {out}/mm-c.png", 2, "--columns-per-s"),
    ("mmode {good} --line 1,1,5,5 -o {out}/mm.jpg", 2, "mm.jpg"),
    ("deid preview {good} --frame 99 -o {out}/p99.png", 2, "--frame"),
    ("quality {good} --threshold dark_mean=abc", 2, "--threshold"),
    ("quality {good} --threshold nosuch=1", 2, "--threshold"),
    ("cases list --limit -1", 2, "--limit"),
    ("cases list --difficulty 9", 2, "--difficulty"),
    ("cases taxonomy brain", 2, "brain"),
    ("practice next -n 0", 2, "-n"),
    ("progress --trainee Ana --threshold 2", 2, "--threshold"),
    ("progress --trainee Ana --mastery-streak 0", 2, "--mastery-streak"),
    ("progress --trainee Ana --p0 1.5", 2, "--p0"),
    ("progress log-scan --trainee Ana --domain lung --date 2026-13-45", 2, "--date"),
    ("demo --list --jobs 0", 2, "--jobs"),
    ("import {good} --library {out}/lib-x --domain brain", 2, "--domain"),
    ("deid {good}", 2, "--out"),
    ("cases list --done", 2, "--trainee"),
    # unwritable or mistyped output locations: bad input, naming the folder
    ("frame {good} -o {file_as_dir}/f.png", 1, "afile"),
    ("frame {good} -o {typo_dir}/f.png", 1, "no-such-folder"),
    ("frame {good} -o {out}/f.xyz", 1, "f.xyz"),
    ("mmode {good} --line 1,1,5,5 -o {file_as_dir}/m.png", 1, "afile"),
    ("deid {good} --out {file_as_dir}/d", 1, "afile"),
    ("deid {good} --out {typo_dir}", 1, "no-such-folder"),
    ("deid preview {good} -o {typo_dir}/p.png", 1, "no-such-folder"),
    ("import {good} --library {typo_dir} --quiet", 1, "no-such-folder"),
    ("exam build -o {typo_dir}/e.itexam --passphrase x --limit 1", 1, "no-such-folder"),
    ("exam report {bad_json} -o {file_as_dir}/r", 1, "afile"),
    ("faculty export {case} -o {typo_dir}/a.json", 1, "no-such-folder"),
    ("faculty export-sr {case} -o {file_as_dir}/sr.dcm", 1, "afile"),
    ("progress --trainee Ana --pdf {typo_dir}/p.pdf", 1, "no-such-folder"),
    ("cases list --db {file_as_dir}/x.sqlite", 1, "afile"),
    ("cohort --threshold 2", 2, "--threshold"),
    ("cohort --csv {typo_dir}/c.csv", 1, "no-such-folder"),
    ("cohort --pdf {file_as_dir}/c.pdf", 1, "afile"),
    ("sync --batch 0 --to {out}/dept.sqlite", 2, "--batch"),
    ("sync", 2, "--to"),
    ("sync --to {typo_dir}/dept.sqlite", 1, "no-such-folder"),
    ("db status --db {typo_dir}/x.sqlite", 1, "no-such-folder"),
    ("trainees list --db {file_as_dir}/x.sqlite", 1, "afile"),
    ("cases list --db {out}", 1, "is a folder"),
    # other bad inputs
    ("cases validate {broken_lib}", 1, "broken_lib"),
    ("cases validate {good}", 1, "good.dcm"),
    ("cases validate {library} --taxonomy-dir {missing_dir}", 1, MISSING),
    ("cases validate {library} --taxonomy-dir {bad_tax} --no-media", 1, "bad_tax"),  # the first problem
    ("cases show no-such-case {library}", 1, "no-such-case"),
    ("cases list {missing_dir}", 1, MISSING),
    ("cases list --library {good}", 1, "good.dcm"),
    ("practice next --library {missing_dir}", 1, MISSING),
    ("practice next --library {empty_dir}", 1, "empty_dir"),
    ("practice score {case} --answers {bad_json} --trainee Ana --questions nosuch", 1, "nosuch"),
    ("progress --trainee nobody", 1, "nobody"),
    ("agreement {empty_dir}", 1, "empty_dir"),
    ("exam build {missing_dir} -o {out}/e.itexam --passphrase x", 1, MISSING),
    ("exam build {empty_dir} -o {out}/e.itexam --passphrase x", 1, "empty_dir"),
    ("exam build --domain lung -o {out}/e.itexam", 2, "--passphrase"),
    ("exam build --domain lung -o {out}/e.itexam --passphrase short", 2, "--passphrase"),
    ("assist-fit --labels {manifest} -o {out}/fit.json", 1, "manifest.csv"),
    ("import --manifest {missing} --mapping {bad_toml} --library {out}/ml", 1, MISSING),
    ("import --manifest {manifest} --library {out}/ml", 2, "--mapping"),
    ("gui --library {missing_dir}", 1, MISSING),
    ("gui --exam {missing}", 1, MISSING),
)


def _rows() -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for cmd in MEDIA_COMMANDS:
        for kind in MEDIA_KINDS:
            rows[f"{cmd.split(' {')[0]}|{kind}"] = Row(
                cmd.replace("{in}", "{" + kind + "}").replace("{kind}", kind),
                1,
                Path("{" + kind + "}").name,
            )
    for cmd in CASE_COMMANDS:
        for kind in CASE_KINDS:
            c = "{file_as_dir}" if kind == "afile_case" else "{" + kind + "}"
            rows[f"{cmd.split(' {')[0]}|{kind}"] = Row(cmd.replace("{c}", c).replace("{kind}", kind), 1, c)
    for cmds, kinds in ((DATA_COMMANDS, DATA_KINDS), (TABLE_COMMANDS, TABLE_KINDS)):
        for cmd in cmds:
            for kind in kinds:
                if "{f}" not in cmd and kind != kinds[0]:
                    continue
                argv = cmd.replace("{f}", "{" + kind + "}").replace("{kind}", kind)
                names = "{" + kind + "}" if "{f}" in cmd else "{bad_tax}"
                rows[f"{cmd.split(' {')[0]}|{kind}"] = Row(argv, 1, names)
    for argv, code, names in SPECIAL:
        rows[f"special|{argv}"] = Row(argv, code, names)
    return rows


ROWS = _rows()


# ----------------------------------------------------------------------------- discovery


def leaf_commands(parser: argparse.ArgumentParser | None = None, path: tuple[str, ...] = ()):
    """(words, parser) for every runnable command: leaves, and groups whose action is optional."""
    parser = parser or build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if (not subs or not all(s.required for s in subs)) and path:
        yield path, parser
    seen: set[int] = set()
    for action in subs:
        for name, sub in action.choices.items():
            if id(sub) not in seen:  # aliases share the parser
                seen.add(id(sub))
                yield from leaf_commands(sub, (*path, name))


# how to give a command a missing input when the generic filling below does not fit
GENERIC_ARGV = {
    "deid": "deid {missing_dir} --out {out}/g-deid",
    "mmode": "mmode {missing_dir} --line 1,1,5,5 -o {out}/g.png",
    "cases review": "cases review {missing_dir} --approve",
    "cases show": "cases show x {missing_dir}",
    "cases taxonomy": "cases taxonomy --taxonomy-dir {missing_dir}",
    "progress": "progress --trainee Ana --db {missing_dir}/x.sqlite",
    "progress log-scan": "progress log-scan --trainee Ana --domain lung --db {missing_dir}/x.sqlite",
    "gui": "gui --library {missing_dir}",
    "demo": "demo --sheet {out}/s.png --out {missing_dir}",
    "practice next": "practice next --library {missing_dir}",
    "qa list": "qa list --trainee Ana --qa-dir {missing_dir}",
    "qa queue": "qa queue --qa-dir {missing_dir}",
    "faculty set-password": None,  # reads the passwords from stdin: no input path to get wrong
    "trainees add": None,  # the argument is a new trainee's name, not an input
    "raters add": None,  # the argument is a new rater's name, not an input
    "receive": None,  # a listener: with its arguments complete it would start serving
    # the missing input of a pull is its password file (read before any connection is made)
    "pull": "pull --dicomweb http://127.0.0.1:9/dicom-web --study 1.2.3 --user u "
    "--password-file {missing_dir}/password --library {out}/g-pull",
}


def _generic_argv(words: tuple[str, ...], parser: argparse.ArgumentParser) -> str | None:
    """The command with every required argument filled: inputs missing, outputs in {out}."""
    name = " ".join(words)
    if name in GENERIC_ARGV:
        return GENERIC_ARGV[name]
    return _filled(words, parser)


def _filled(words: tuple[str, ...], parser: argparse.ArgumentParser) -> str | None:
    """Every required argument given (an unknown option is then the only usage error)."""
    parts = list(words)
    positionals = [a for a in parser._actions if not a.option_strings]
    required = [a for a in positionals if a.nargs not in ("?", "*")] or positionals[:1]
    parts += ["{missing_dir}"] * len(required)
    for group in parser._mutually_exclusive_groups:  # a required choice: take its first option
        if group.required:
            first = group._group_actions[0]
            parts.append(first.option_strings[-1])
            if first.nargs != 0:
                parts.append("{missing_dir}")
    for a in parser._actions:
        if not (a.option_strings and a.required):
            continue
        flag = a.option_strings[-1]
        if a.choices:
            value = str(next(iter(a.choices)))
        elif a.type in (int, float):
            value = "1"
        else:  # an input is then missing; an output goes to a fresh place (never into the bank)
            value = "{out}/" + MISSING + "-" + "-".join(words) + "-" + a.dest
        parts += [flag, value]
    if not required and not any(a.option_strings and a.required for a in parser._actions):
        return None  # nothing to give: covered by the unknown-option row only
    return " ".join(parts)


def _discovered() -> dict[str, tuple[str, int, str]]:
    rows: dict[str, tuple[str, int, str]] = {}
    for words, parser in leaf_commands():
        name = " ".join(words)
        argv = _generic_argv(words, parser)
        full = argv or _filled(words, parser) or name  # argparse stops at the unknown option: nothing runs
        rows[f"{name}|unknown-option"] = (full + " --no-such-option", 2, "--no-such-option")
        if argv is not None:
            rows[f"{name}|missing-input"] = (argv, 1, MISSING)
    return rows


DISCOVERED = _discovered()
