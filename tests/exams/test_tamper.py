"""Tamper evidence: random byte edits, deleted rows and reorderings of results files, and
edits of the package itself, are all detected (fail closed)."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

import pytest

from imgtrainer.errors import ExamError, TamperError
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.results import parse_results, render, verify_document, verify_results_file
from imgtrainer.exams.session import ExamSession
from tests.exams.conftest import PASS, FakeClock


@pytest.fixture
def results(package: ExamPackage, tmp_path: Path) -> tuple[bytes, bytes]:
    clock = FakeClock()
    s = ExamSession.open(package, "mallory", home=tmp_path, clock=clock)
    s.start(PASS)
    for i, (q, v) in enumerate(
        [
            ("view", "plaps"),
            ("lus_score", 2),
            ("b_line_count", 3),
            ("decision", 1),
            ("findings", ["blines", "pleural_line"]),
            ("view", "lateral_intercostal"),
        ]
    ):
        clock.advance(7)
        s.answer(i % 4, q, v)
    path = s.submit()
    return path.read_bytes(), package.results_secret(PASS)


def _check(data: bytes, package: ExamPackage, secret: bytes) -> None:
    verify_document(parse_results(data, "r.json"), package, secret, "r.json")


def test_untouched_results_verify(results: tuple[bytes, bytes], package: ExamPackage) -> None:
    data, secret = results
    _check(data, package, secret)


def test_random_byte_edits_all_detected(results: tuple[bytes, bytes], package: ExamPackage) -> None:
    data, secret = results
    rng = random.Random(7)
    n, detected = 600, 0
    for _ in range(n):
        buf = bytearray(data)
        for _k in range(rng.choice((1, 1, 1, 2, 5))):
            pos = rng.randrange(len(buf))
            op = rng.random()
            if op < 0.6:
                buf[pos] = (buf[pos] + rng.randrange(1, 256)) % 256  # change a byte
            elif op < 0.8:
                del buf[pos]  # delete a byte
            else:
                buf.insert(pos, rng.choice(b' \n0123456789abcdef"{}[],:'))  # insert one
        if bytes(buf) == data:
            continue
        try:
            _check(bytes(buf), package, secret)
        except (TamperError, ExamError):
            detected += 1
        else:
            raise AssertionError(f"undetected edit: {bytes(buf)[:200]!r}")
    assert detected >= 500
    print(f"\nbyte edits: {detected}/{detected} detected")


def _mutations(doc: dict) -> list[tuple[str, dict]]:
    """Structured edits someone without the key could make, re-rendered in the canonical form."""
    out = []
    for field in ("answers", "audit"):
        for i in range(len(doc[field])):
            d = json.loads(json.dumps(doc))
            del d[field][i]
            out.append((f"delete {field}[{i}]", d))
        for i in range(len(doc[field]) - 1):
            d = json.loads(json.dumps(doc))
            d[field][i], d[field][i + 1] = d[field][i + 1], d[field][i]
            out.append((f"swap {field}[{i}] and [{i + 1}]", d))
        d = json.loads(json.dumps(doc))
        d[field].reverse()
        out.append((f"reverse {field}", d))
    d = json.loads(json.dumps(doc))
    d["answers"][0]["response"] = "lateral_intercostal"
    out.append(("change an answer", d))
    d = json.loads(json.dumps(doc))
    d["elapsed_s"] = 1.0
    out.append(("shorten the time", d))
    d = json.loads(json.dumps(doc))
    d["candidate"] = "alice"
    out.append(("claim another candidate", d))
    d = json.loads(json.dumps(doc))
    d["answers"] = d["answers"][:2]
    d["audit"] = d["audit"][:3]
    out.append(("truncate answers and audit consistently", d))
    return out


def test_deleted_and_reordered_rows_detected(results: tuple[bytes, bytes], package: ExamPackage) -> None:
    data, secret = results
    doc = parse_results(data, "r.json")
    muts = _mutations(doc)
    assert len(muts) >= 30
    for name, d in muts:
        with pytest.raises(TamperError):
            _check(render(d), package, secret)
            raise AssertionError(f"undetected: {name}")
    print(f"\nrow deletions/reorderings/edits: {len(muts)}/{len(muts)} detected")


def test_results_from_another_exam_or_passphrase_rejected(
    results: tuple[bytes, bytes], package: ExamPackage, library: list[Path], tmp_path: Path
) -> None:
    from tests.exams.conftest import make_package

    data, secret = results
    other = make_package(library, tmp_path / "other.itexam")
    with pytest.raises(TamperError, match="exam"):
        _check(data, other, other.results_secret(PASS))
    with pytest.raises(TamperError, match="passphrase"):
        package.results_secret("wrong passphrase")
    (tmp_path / "r.json").write_bytes(data)
    assert verify_results_file(tmp_path / "r.json", package, secret)["candidate"] == "mallory"


def test_package_edits_detected(package: ExamPackage, tmp_path: Path) -> None:
    data = package.path.read_bytes()
    rng = random.Random(3)
    detected = 0
    # random byte edits inside the zip's content (not just trailing junk)
    for i in range(60):
        buf = bytearray(data)
        pos = rng.randrange(len(buf) - 1)
        buf[pos] ^= 1 << rng.randrange(8)
        p = tmp_path / f"t{i}.itexam"
        p.write_bytes(bytes(buf))
        try:
            ExamPackage.open(p)
        except (TamperError, ExamError):
            detected += 1
        else:
            # an edit in zip metadata that no member's bytes depend on (e.g. a timestamp) is harmless:
            # every member still matches the signed manifest
            pkg = ExamPackage.open(p)
            assert all(pkg.read(n) for n in pkg.manifest["files"])
    assert detected >= 50
    # a member replaced, added or removed (re-zipped by someone without the passphrase)
    members = {}
    with zipfile.ZipFile(package.path) as zf:
        for n in zf.namelist():
            members[n] = zf.read(n)
    for edit in ("replace", "add", "remove", "resign"):
        m = dict(members)
        if edit == "replace":
            exam = json.loads(m["exam.json"])
            exam["settings"]["time_limit_s"] = 99999
            m["exam.json"] = json.dumps(exam).encode()
        elif edit == "add":
            m["items/item-001/key.json"] = b"{}"
        elif edit == "remove":
            del m["key.sealed"]
        else:  # rebuild the manifest and sign it with the attacker's own key
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            from imgtrainer.exams.crypto import public_key_hex
            from imgtrainer.exams.package import manifest_bytes

            evil = Ed25519PrivateKey.generate()
            exam = json.loads(m["exam.json"])
            exam["public_key"] = public_key_hex(evil)
            exam["settings"]["time_limit_s"] = 99999
            m["exam.json"] = json.dumps(exam).encode()
            body = {k: v for k, v in m.items() if k not in ("manifest.json", "signature")}
            m["manifest.json"] = manifest_bytes(exam["exam_id"], body)
            m["signature"] = evil.sign(m["manifest.json"])
        p = tmp_path / f"{edit}.itexam"
        with zipfile.ZipFile(p, "w") as zf:
            for n, b in m.items():
                zf.writestr(n, b)
        if edit == "resign":
            pkg = ExamPackage.open(p)  # self-consistent, but the proctor's passphrase exposes it
            with pytest.raises(TamperError, match="re-signed"):
                pkg.check_passphrase(PASS)
            with pytest.raises(TamperError):
                ExamSession.open(pkg, "eve", home=tmp_path).start(PASS)
        else:
            with pytest.raises(TamperError):
                ExamPackage.open(p)
