"""Building a sealed exam package: choose cases, fix question sets, strip and seal the keys, sign.

The package is one zip file (see ``imgtrainer.exams.package`` for the layout). No case.json
travels in clear: the candidate sees a neutral item id, the clinical context and the media
(renamed); the case id, title, domain, tags, teaching points and provenance (which can give the
answer away, e.g. "lung-b-lines-07") travel only inside ``key.sealed``. Everything that could reveal an answer travels only inside ``key.sealed``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.errors import CaseFormatError, ExamError, ImgTrainerError
from imgtrainer.exams import crypto
from imgtrainer.exams.media_scrub import scrub_media
from imgtrainer.exams.package import FORMAT, FORMAT_VERSION, KEY_MEMBER, PROCTOR_MEMBER, manifest_bytes
from imgtrainer.exams.proctor import make_pin_record
from imgtrainer.exams.settings import ExamSettings
from imgtrainer.fileio import atomic_output
from imgtrainer.library.case_io import is_case_folder, load_case, load_key
from imgtrainer.library.gate import case_problem, folder_has_key, require_shareable
from imgtrainer.library.models import Case


@dataclass
class CaseFilter:
    """Which cases of a library to take (all given criteria must hold)."""

    domains: list[str] = field(default_factory=list)
    difficulties: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # a case needs at least one of these tags
    limit: int | None = None

    def accepts(self, case: Case) -> bool:
        if self.domains and case.domain not in self.domains:
            return False
        if self.difficulties and case.difficulty not in self.difficulties:
            return False
        return not (self.tags and not set(self.tags) & set(case.tags))


@dataclass
class BuildReport:
    path: Path
    exam_id: str
    n_items: int
    n_questions: int
    skipped: list[str]  # "folder: reason" for cases that were not usable (batch carries on)


def library_case_folders(library: Path) -> list[Path]:
    """Case folders directly inside ``library`` (or ``library`` itself if it is a case)."""
    library = Path(library)
    if is_case_folder(library):
        return [library]
    if not library.is_dir():
        raise ExamError(f"{library}: not a case folder or library folder")
    return sorted(p for p in library.iterdir() if p.is_dir() and is_case_folder(p))


def resolve_cases(refs: Sequence[str], library: Path | None) -> list[Path]:
    """Case folders from paths (a case folder, or a library folder meaning all its cases), or
    from case ids looked up in ``library``."""
    out: list[Path] = []
    by_id: dict[str, Path] | None = None
    for ref in refs:
        path = Path(ref)
        if is_case_folder(path):
            out.append(path)
            continue
        if path.is_dir():  # a library folder: all its cases
            folders = library_case_folders(path)
            if not folders:
                raise ExamError(f"{ref}: not a case folder, and holds no case folders")
            out.extend(folders)
            continue
        if library is None:
            raise ExamError(f"{ref}: not a case folder (give --library to look up case ids)")
        if by_id is None:
            by_id = {}
            for folder in library_case_folders(library):
                try:
                    by_id[load_case(folder).id] = folder
                except ImgTrainerError:
                    continue
        if ref not in by_id:
            raise ExamError(f"{ref}: no case with this id in library {library}")
        out.append(by_id[ref])
    return out


def filter_cases(
    library: Path | Sequence[Path], flt: CaseFilter, held: list[str] | None = None
) -> list[Path]:
    """Case folders of a library (or of an explicit list of folders) that pass the filter and the
    review gate (approved, public, keyed; ``--limit`` counts only those). Cases the gate holds
    back are appended to ``held`` as "folder: reason"."""
    folders = library_case_folders(library) if isinstance(library, Path) else list(library)
    chosen = []
    for folder in folders:
        try:
            case = load_case(folder)
        except ImgTrainerError:
            continue
        if not flt.accepts(case):
            continue
        problem = case_problem(case, folder_has_key(folder))
        if problem is not None:
            if held is not None:
                held.append(f"{folder}: {problem}")
            continue
        chosen.append(folder)
    return chosen[: flt.limit] if flt.limit else chosen


def _question_set(case: Case, key: Any, question_ids: Sequence[str] | None, set_name: str | None) -> Any:
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.training.questions import build_question_set, effective_key, finding_status, is_asked

    taxonomy = load_taxonomy(case.domain)
    ids = None
    if question_ids:
        # the practice rule: a finding question is asked whenever the key assesses its finding
        known = {q.id: q for q in taxonomy.questions}
        labels = {f.id: f.label for f in taxonomy.findings}
        answered = effective_key(case, key, taxonomy.questions, labels)
        status = finding_status(key.answers, taxonomy.questions)
        ids = [q for q in question_ids if q in known and is_asked(known[q], answered, status)]
        if "decision" in ids and case.decision is None:
            ids.remove("decision")
        if not ids:
            raise CaseFormatError(
                f"case {case.id!r}: none of the questions {list(question_ids)} is keyed for it"
            )
    qset = build_question_set(case, key, taxonomy, question_ids=ids, set_name=set_name)
    if not qset.questions:
        raise CaseFormatError(f"case {case.id!r}: its key answers no question of the chosen set")
    return qset


def _candidate_case(case: Case, names: list[str], base: str, indication: str) -> dict[str, Any]:
    """What the candidate needs of the case: context and media. No id, title, domain, tags,
    teaching points or provenance (they can give the answer away). ``indication`` is the question
    set's: held back when it names the application and question 1 asks for it."""
    return {
        "indication": indication,
        "patient": case.patient.model_dump(mode="json"),
        "probe": case.probe,
        "media": [
            {"path": f"{base}/{name}", "role": ref.role} for ref, name in zip(case.media, names, strict=True)
        ],
    }


def build_package(
    case_folders: Sequence[Path],
    out: Path,
    passphrase: str,
    settings: ExamSettings,
    question_ids: Sequence[str] | None = None,
    set_name: str | None = None,
    kdf_n: int = crypto.DEFAULT_N,
    now: datetime | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    case_sets: Mapping[str, str] | None = None,
    proctor_pin: str | None = None,
) -> BuildReport:
    """Write the sealed, signed exam package ``out``. Unusable cases are skipped and reported.
    ``progress(done, total, what)`` is called before each case and before sealing (GUI bars);
    ``case_sets`` maps a case id to the question set asked for that case (else ``set_name``);
    ``proctor_pin`` (optional) lets the proctor resume attempts and add time without the
    passphrase (stored as a scrypt hash, see ``imgtrainer.exams.proctor``)."""
    if len(passphrase) < 8:
        raise ExamError("the proctor passphrase must have at least 8 characters")
    pin_record = make_pin_record(proctor_pin, kdf_n) if proctor_pin else None
    exam_id = uuid.uuid4().hex
    kdf = crypto.KdfParams.fresh(n=kdf_n)
    master = crypto.derive_master(passphrase, kdf)
    signer = crypto.signing_key(master, exam_id)
    members: dict[str, bytes | Path] = {}  # media stay on disk until the zip is written
    items: list[dict[str, Any]] = []
    sealed_items: dict[str, Any] = {}
    skipped: list[str] = []
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".exam-build-", dir=Path(out).parent))
    try:
        _collect(
            case_folders,
            question_ids,
            set_name,
            staging,
            members,
            items,
            sealed_items,
            skipped,
            progress,
            case_sets or {},
        )
        if progress is not None:
            progress(len(case_folders), len(case_folders), "sealing and signing")
        return _seal_and_write(
            Path(out), exam_id, kdf, master, signer, settings, now, members, items, sealed_items, skipped,
            pin_record,
        )  # fmt: skip
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _collect(
    case_folders: Sequence[Path],
    question_ids: Sequence[str] | None,
    set_name: str | None,
    staging: Path,
    members: dict[str, bytes | Path],
    items: list[dict[str, Any]],
    sealed_items: dict[str, Any],
    skipped: list[str],
    progress: Callable[[int, int, str], None] | None = None,
    case_sets: Mapping[str, str] | None = None,
) -> None:
    """Load, check and scrub each case; an unusable case is skipped with the reason."""
    seen_ids: set[str] = set()
    for done, folder in enumerate(case_folders):
        folder = Path(folder)
        if progress is not None:
            progress(done, len(case_folders), folder.name)
        n = len(items) + 1
        item_id = f"item-{n:03d}"
        base = f"items/{item_id}"
        try:
            case = load_case(folder)
            if case.id in seen_ids:
                raise CaseFormatError(f"case {case.id!r} is listed twice")
            key = load_key(folder)
            if key is None:
                raise CaseFormatError(f"{folder / 'key.json'}: no consensus key; an exam case needs one")
            require_shareable(folder, case, True)  # the review gate: approved and public
            qset = _question_set(case, key, question_ids, (case_sets or {}).get(case.id, set_name))
            names = [f"media/m{i}{Path(ref.path).suffix.lower()}" for i, ref in enumerate(case.media)]
            media_files = []
            for ref, name in zip(case.media, names, strict=True):
                src = folder / ref.path
                if not src.is_file():
                    raise CaseFormatError(f"{src}: media file listed in case.json is missing")
                media_files.append(scrub_media(src, staging / item_id / name))
        except ImgTrainerError as exc:
            skipped.append(f"{folder}: {exc}")
            continue
        seen_ids.add(case.id)
        for name, src in zip(names, media_files, strict=True):
            members[f"{base}/{name}"] = src
        shown = qset.candidate_dict()
        shown.update(case_id=item_id, title=f"Case {n}", domain="")
        items.append(
            {
                "item_id": item_id,
                "case": _candidate_case(case, names, base, qset.indication),
                "question_set": shown,
            }
        )
        sealed_items[item_id] = {
            "case": case.model_dump(mode="json"),
            "key": key.model_dump(mode="json"),
            "question_set": qset.model_dump(mode="json"),
        }


def _seal_and_write(
    out: Path,
    exam_id: str,
    kdf: crypto.KdfParams,
    master: bytes,
    signer: Any,
    settings: ExamSettings,
    now: datetime | None,
    members: dict[str, bytes | Path],
    items: list[dict[str, Any]],
    sealed_items: dict[str, Any],
    skipped: list[str],
    pin_record: dict[str, Any] | None = None,
) -> BuildReport:
    if not items:
        raise ExamError("no usable case for the exam" + (f": {skipped[0]}" if skipped else ""))
    exam = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exam_id": exam_id,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "settings": settings.model_dump(mode="json"),
        "kdf": kdf.to_dict(),
        "public_key": crypto.public_key_hex(signer),
        "items": items,
    }
    if pin_record is not None:
        exam["proctor_pin"] = pin_record
    exam_bytes = json.dumps(exam, indent=1, sort_keys=True).encode()
    members["exam.json"] = exam_bytes
    key_plain = crypto.canonical_json({"exam_id": exam_id, "items": sealed_items})
    members[KEY_MEMBER] = crypto.seal(crypto.subkey(master, "key-seal", exam_id), key_plain, exam_bytes)
    results_secret = os.urandom(32)
    members[PROCTOR_MEMBER] = crypto.seal(
        crypto.subkey(master, "proctor-seal", exam_id), results_secret, exam_bytes
    )
    manifest = manifest_bytes(exam_id, members)
    members["manifest.json"] = manifest
    members["signature"] = signer.sign(manifest)
    _write_zip(Path(out), members)
    return BuildReport(
        Path(out), exam_id, len(items), sum(len(i["question_set"]["questions"]) for i in items), skipped
    )


def _write_zip(out: Path, members: dict[str, bytes | Path]) -> None:
    """Atomic: the zip is written to a temp file in the target folder, fsynced, then renamed.
    Media files are streamed from disk (stored, not recompressed)."""
    with atomic_output(out) as tmp, zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            data = members[name]
            if isinstance(data, Path):
                with open(data, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            else:
                zf.writestr(info, data)
