"""Pull studies from a PACS over DICOMweb: QIDO-RS search, WADO-RS retrieve, same gate as import.

For each study found: its instances are listed (QIDO-RS), each one not yet processed is
retrieved in its stored transfer syntax (WADO-RS, ``transfer-syntax=*``), written durably to
the pull inbox and filed like a received instance (de-identified, one case per series,
pending review). A study whose instances are all filed is journalled as pulled and skipped on
the next run; an interrupted study resumes at its first unfiled instance.

The pull shares the receiver's intake state for the library (its secret), so a series that
arrives both ways lands in the same case.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydicom

from imgtrainer.deid.context import DeidContext
from imgtrainer.errors import ImgTrainerError, UsageError
from imgtrainer.fileio import atomic_write_json
from imgtrainer.intake.filing import CaseLocks, FilingOptions, file_instance, instance_key
from imgtrainer.intake.inbox import Inbox

PULLED = "pulled"
_ANY_SYNTAX = (("application/dicom", "*"),)


class PullError(ImgTrainerError):
    """The DICOMweb server cannot be reached or answers with an error."""


@dataclass
class PullOptions:
    url: str
    library: Path
    study: str | None = None
    patient_id: str | None = None
    since: str | None = None  # YYYY-MM-DD or YYYYMMDD
    modality: str | None = None
    user: str | None = None
    password_file: Path | None = None
    state_dir: Path | None = None
    domain: str | None = None
    fallback_domain: str = "lung"
    timeout_s: float = 60.0


def _value(record: dict[str, Any], tag: str) -> str | None:
    """First value of a DICOM JSON attribute (PS3.18 F.2), e.g. tag '0020000D'."""
    values = (record.get(tag) or {}).get("Value") or []
    return str(values[0]) if values else None


def _date(text: str) -> str:
    digits = re.sub(r"[-./]", "", text.strip())
    if not re.fullmatch(r"\d{8}", digits):
        raise UsageError(f"--since {text!r}: expected a date such as 2026-01-31")
    return digits


def _client(opts: PullOptions) -> Any:
    from dicomweb_client.api import DICOMwebClient

    if not re.match(r"^https?://", opts.url):
        raise UsageError(f"--dicomweb {opts.url!r}: expected an http:// or https:// URL")
    session = None
    if opts.user:
        from dicomweb_client.session_utils import create_session_from_user_pass

        if opts.password_file is None:
            raise UsageError("--user needs --password-file (a password never goes on the command line)")
        try:
            password = Path(opts.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImgTrainerError(f"{opts.password_file}: cannot read ({exc.strerror or exc})") from exc
        session = create_session_from_user_pass(opts.user, password)
    client = DICOMwebClient(url=opts.url.rstrip("/"), session=session, timeout=opts.timeout_s)
    client.set_http_retry_params(retry=False)
    return client


def _call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # requests / HTTP errors: one line naming what failed
        reason = getattr(getattr(exc, "response", None), "status_code", None)
        detail = f"HTTP {reason}" if reason else f"{type(exc).__name__}: {str(exc)[:200]}"
        raise PullError(f"{what}: {detail}") from exc


def find_studies(client: Any, opts: PullOptions) -> list[str]:
    """Study Instance UIDs matching the options (QIDO-RS)."""
    if opts.study:
        return [opts.study.strip()]
    filters: dict[str, Any] = {"PatientID": opts.patient_id}
    if opts.since:
        filters["StudyDate"] = f"{_date(opts.since)}-"
    if opts.modality:
        filters["ModalitiesInStudy"] = opts.modality.strip().upper()
    found = _search_all("QIDO-RS study search", client.search_for_studies, search_filters=filters)
    uids = [_value(r, "0020000D") for r in found]
    return sorted({u for u in uids if u})


def _search_all(what: str, fn: Any, page: int = 500, **kwargs: Any) -> list[dict[str, Any]]:
    """Every match of a QIDO-RS search, page by page; stops when a page brings nothing new (some
    servers ignore ``offset`` for some filters and would otherwise repeat the first page forever)."""
    seen: dict[str, dict[str, Any]] = {}
    offset = 0
    for _ in range(1000):
        batch = _call(what, fn, limit=page, offset=offset, **kwargs)
        new = {json.dumps(r, sort_keys=True): r for r in batch} if batch else {}
        fresh = {k: v for k, v in new.items() if k not in seen}
        seen.update(fresh)
        if len(batch) < page or not fresh:
            break
        offset += len(batch)
    return list(seen.values())


class _Progress:
    """'pull: study i/n, instance j/m [####----]' on stderr (a line per study when not a terminal)."""

    def __init__(self, enabled: bool, n_studies: int) -> None:
        self.enabled, self.tty, self.n = enabled, sys.stderr.isatty(), n_studies

    def show(self, study: int, done: int, total: int, note: str = "") -> None:
        if not self.enabled:
            return
        width = 24
        fill = int(width * done / total) if total else width
        line = f"pull: study {study}/{self.n}, instance {done}/{total} [{'#' * fill}{'-' * (width - fill)}] {note}"
        if self.tty:
            sys.stderr.write("\r" + line[:110].ljust(110))
        elif done == total:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")


def pull(opts: PullOptions, progress: bool = False) -> dict[str, Any]:
    """Pull the matching studies into ``opts.library``; returns counts and any failed studies."""
    from imgtrainer.intake.service import default_state_dir

    library = Path(opts.library)
    library.mkdir(parents=True, exist_ok=True)
    inbox = Inbox(opts.state_dir or default_state_dir(library), inbox_name="inbox-pull")
    inbox.recover()
    ctx = DeidContext(salt=inbox.secret())
    filing = FilingOptions(
        library=library, domain=opts.domain, fallback_domain=opts.fallback_domain, source="dicomweb-pull",
        received_from=opts.url,
    )  # fmt: skip
    client = _client(opts)
    studies = find_studies(client, opts)
    report: dict[str, Any] = {
        "studies_found": len(studies), "studies_pulled": 0, "studies_skipped": 0, "instances": 0,
        "filed": 0, "already_filed": 0, "quarantined": 0, "failed": [], "cases": [],
    }  # fmt: skip
    bar = _Progress(progress, len(studies))
    locks = CaseLocks()
    start = time.monotonic()
    for k, study in enumerate(studies, 1):
        marker = inbox.root / PULLED / f"{ctx.file_stem('study|' + study)}.json"
        if marker.is_file():
            report["studies_skipped"] += 1
            bar.show(k, 1, 1, "already pulled")
            continue
        try:
            counts = _pull_study(client, study, inbox, ctx, filing, locks, bar, k)
        except PullError as exc:
            report["failed"].append({"study": ctx.file_stem("study|" + study), "reason": str(exc)})
            continue
        for name in ("instances", "filed", "already_filed", "quarantined"):
            report[name] += counts[name]
        report["cases"] = sorted(set(report["cases"]) | counts["cases"])
        report["studies_pulled"] += 1
        atomic_write_json(marker, {"instances": counts["instances"], "at": time.time()})
    bar.end()
    report["seconds"] = round(time.monotonic() - start, 2)
    return report


def _pull_study(
    client: Any, study: str, inbox: Inbox, ctx: DeidContext, filing: FilingOptions, locks: CaseLocks,
    bar: _Progress, k: int,
) -> dict[str, Any]:  # fmt: skip
    found = _search_all("QIDO-RS instance search", client.search_for_instances, study_instance_uid=study)
    items = [(_value(r, "0020000E"), _value(r, "00080018")) for r in found]
    items = [(se, sop) for se, sop in items if se and sop]
    counts: dict[str, Any] = {"instances": len(items), "filed": 0, "already_filed": 0, "quarantined": 0}
    counts["cases"] = set()
    for j, (series, sop) in enumerate(items, 1):
        key = instance_key(ctx, sop)
        if inbox.is_done(key):
            counts["already_filed"] += 1
            record = inbox.done_record(key) or {}
            if record.get("case_id"):
                counts["cases"].add(record["case_id"])
            bar.show(k, j, len(items))
            continue
        ds = _call("WADO-RS retrieve", client.retrieve_instance, study, series, sop, media_types=_ANY_SYNTAX)
        buf = io.BytesIO()
        pydicom.dcmwrite(buf, ds, enforce_file_format=True)
        path = inbox.store(key, buf.getvalue())
        filed = file_instance(path, key, ctx, filing, locks)
        if filed.status in ("quarantined", "failed"):
            inbox.quarantine_copy(key, src=path)
            counts["quarantined"] += 1
        else:
            counts[filed.status] += 1
        if filed.case_id:
            counts["cases"].add(filed.case_id)
        inbox.mark_done(key, filed.record())
        bar.show(k, j, len(items))
    return counts
