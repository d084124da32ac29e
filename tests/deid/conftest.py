"""Session fixtures: one import of PHI-laden generated files, shared by the deid tests."""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import phi_factory as pf

from imgtrainer.deid import DeidContext, DeidResult, deidentify_tree

KINDS = ["grey", "rgb", "jpeg", "ybr", "rle", "palette", "palette_noblack"]


@dataclass
class Import:
    src: Path
    out: Path
    ctx: DeidContext
    planted: dict[str, pf.Planted]  # by file name
    results: dict[str, DeidResult]  # by source file name


@pytest.fixture(scope="session")
def phi_import(tmp_path_factory: pytest.TempPathFactory) -> Import:
    src = tmp_path_factory.mktemp("phi_src")
    out = tmp_path_factory.mktemp("phi_out")
    planted: dict[str, pf.Planted] = {}
    seed = 0
    for kind in KINDS:
        for n in (1, 3):
            seed += 1
            p = pf.make_file(src / f"{kind}_{n}.dcm", kind, n, seed=seed)
            planted[p.path.name] = p
    a = planted["grey_1.dcm"]
    b = pf.make_file(src / "refers_to_grey_1.dcm", "grey", 1, referenced_uid=a.sop_uid, seed=99)
    planted[b.path.name] = b
    c = pf.make_file(src / "patient_b.dcm", "grey", 1, patient="B", seed=98)
    planted[c.path.name] = c
    d = pf.make_file(src / "sector_8.dcm", "grey", 8, regions=False, seed=97)
    planted[d.path.name] = d
    pf.make_truncated(src / "truncated.dcm")
    pf.make_ambiguous(src / "ambiguous.dcm")
    (src / "garbage.dcm").write_bytes(b"\x00\x01not a dicom file at all" * 10)
    ctx = DeidContext(salt=b"test-salt-0123456789")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = deidentify_tree([src], out, ctx)
    return Import(src, out, ctx, planted, {r.source.name: r for r in results})
