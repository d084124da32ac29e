"""Proctor credentials and time allowances of an attempt (stdlib + the exam crypto only).

Starting an attempt needs the proctor passphrase (it unseals the results secret). Resuming an
interrupted attempt, adding time and granting downtime back need the proctor too: the
passphrase, or the per-exam proctor PIN set at build time. The PIN is stored in exam.json as a
scrypt hash under its own salt; a short PIN in a package anyone can copy can be guessed offline
in hours, so it is a floor-walking convenience for one sitting, not a secret that protects keys.

Time: ``elapsed`` counts against the candidate; the limit is ``time_limit_s`` plus the
candidate's allowance: the extra time set at build time (accommodations) plus every ``add_time``
and ``grant`` event in the attempt's audit log. Downtime (the app was not running) counts under
the exam's ``downtime = "counts"`` policy and the proctor may grant it back; under ``"paused"``
only the heartbeat bound is added, as if the clock had stopped.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from imgtrainer.errors import ExamError, TamperError
from imgtrainer.exams import crypto

MIN_PIN_LENGTH = 4
TIME_EVENTS = ("add_time", "grant")


def make_pin_record(pin: str, kdf_n: int = crypto.DEFAULT_N) -> dict[str, Any]:
    """What exam.json stores of the proctor PIN: scrypt parameters and the derived hash."""
    pin = pin.strip()
    if len(pin) < MIN_PIN_LENGTH:
        raise ExamError(f"the proctor PIN must have at least {MIN_PIN_LENGTH} characters")
    params = crypto.KdfParams.fresh(n=kdf_n)
    return {"kdf": params.to_dict(), "hash": crypto.derive_master(pin, params).hex()}


def pin_ok(record: Mapping[str, Any] | None, pin: str) -> bool:
    if not record or not pin.strip():
        return False
    try:
        params = crypto.KdfParams.from_dict(record["kdf"])
        expected = bytes.fromhex(str(record["hash"]))
    except (KeyError, TypeError, ValueError):
        raise ExamError("exam.json: field proctor_pin: malformed") from None
    return hmac.compare_digest(crypto.derive_master(pin.strip(), params), expected)


def check_proctor(package: Any, credential: str | None, action: str) -> str:
    """Which credential the proctor gave ("passphrase" or "pin"); ExamError when neither fits."""
    if not credential:
        how = "passphrase or proctor PIN" if package.exam.get("proctor_pin") else "passphrase"
        raise ExamError(f"{action} needs the proctor: give the proctor {how}")
    if pin_ok(package.exam.get("proctor_pin"), credential):
        return "pin"
    try:
        package.check_passphrase(credential)
    except TamperError:
        raise ExamError(f"{action}: wrong proctor passphrase or PIN") from None
    return "passphrase"


def extra_time_s(settings: Mapping[str, Any], candidate: str) -> float:
    """Build-time extra time (accommodation) for ``candidate``, seconds."""
    return float((settings.get("extra_time_s") or {}).get(candidate, 0.0))


def allowance_s(settings: Mapping[str, Any], candidate: str, audit: Iterable[Mapping[str, Any]]) -> float:
    """Seconds added to the whole-exam limit: extra time plus proctor additions and grants."""
    added = sum(float(r["data"].get("seconds", 0.0)) for r in audit if r["event"] in TIME_EVENTS)
    return extra_time_s(settings, candidate) + added


def time_log(
    settings: Mapping[str, Any], candidate: str, audit: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """Interruptions, grants and additions of an attempt, for status, the grade CSV and reports."""
    rows = list(audit)
    interruptions = [
        {
            "at": r["wall"],
            "downtime_s": round(float(r["data"].get("downtime_s", 0.0)), 1),
            "counted_s": round(float(r["data"].get("counted_s", r["data"].get("penalty_s", 0.0))), 1),
            "policy": r["data"].get("policy", "paused"),
            "by": r["data"].get("by"),
        }
        for r in rows
        if r["event"] == "resume"
    ]
    grants = [
        {"at": r["wall"], "kind": r["event"], "seconds": round(float(r["data"]["seconds"]), 1),
         "reason": r["data"].get("reason", ""), "by": r["data"].get("by")}
        for r in rows
        if r["event"] in TIME_EVENTS
    ]  # fmt: skip
    return {
        "extra_time_s": extra_time_s(settings, candidate),
        "interruptions": interruptions,
        "downtime_s": round(sum(i["downtime_s"] for i in interruptions), 1),
        "downtime_counted_s": round(sum(i["counted_s"] for i in interruptions), 1),
        "time_added": grants,
        "granted_s": round(sum(g["seconds"] for g in grants if g["kind"] == "grant"), 1),
        "added_s": round(sum(g["seconds"] for g in grants if g["kind"] == "add_time"), 1),
    }


def describe(log: Mapping[str, Any]) -> str:
    """One line for CSV cells and reports, e.g. "2 interruptions (95 s, 95 s counted); +300 s granted"."""
    parts = []
    n = len(log["interruptions"])
    if n:
        parts.append(
            f"{n} interruption{'s' if n != 1 else ''} ({log['downtime_s']:.0f} s down, "
            f"{log['downtime_counted_s']:.0f} s counted)"
        )
    if log["granted_s"]:
        parts.append(f"{log['granted_s']:.0f} s granted back")
    if log["added_s"]:
        parts.append(f"{log['added_s']:.0f} s added by the proctor")
    if log["extra_time_s"]:
        parts.append(f"{log['extra_time_s']:.0f} s extra time")
    return "; ".join(parts)
