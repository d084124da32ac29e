"""A fast first check of a candidate's answer when it is given (stdlib only).

Full parsing and scoring happen at grading with the practice engine
(``imgtrainer.training.responses.parse_response``); this check only refuses what can never be
scored, so that a typo fails at once, while the candidate can still correct it. Accepted forms
are those of the practice engine's answers.json, with one exam rule: a decision is answered by
the option's ``id`` (its index in the case's original option list), whatever order it was shown in.
``None`` withdraws an answer. A measurement may be ``{"not_applicable": true}`` (nothing to
measure); an empty list of marks or frame ranges means "none".
"""

from __future__ import annotations

import json
import math
from typing import Any

from imgtrainer.errors import ResponseFormatError

_BARE = {
    "category": "value",
    "ordinal": "value",
    "findings": "present",
    "count": "value",
    "frame_ranges": "ranges",
    "marks": "marks",
    "measurement": "value",
    "decision": "choice",
}


def _fail(q: dict[str, Any], field: str, problem: str) -> ResponseFormatError:
    return ResponseFormatError(f"question {q['id']!r}: field {field!r}: {problem}")


_EXTRA = {"findings": {"absent"}, "measurement": {"unit", "marks", "not_applicable"}}


def _value(q: dict[str, Any], raw: Any) -> Any:
    if isinstance(raw, dict):
        field = _BARE[q["kind"]]
        unknown = set(raw) - {"kind", "time_s", field, *_EXTRA.get(q["kind"], ())}
        if unknown:
            raise _fail(q, sorted(unknown)[0], "unknown field for this kind of answer")
        if raw.get("kind", q["kind"]) != q["kind"]:
            raise _fail(q, "kind", f"is {raw.get('kind')!r}, expected {q['kind']!r}")
        if q["kind"] == "findings":
            return raw
        if q["kind"] == "measurement" and raw.get("not_applicable") is True and field not in raw:
            return None  # "not present": nothing to measure
        if field not in raw:
            raise _fail(q, field, "missing")
        return raw[field]
    return raw


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_response(q: dict[str, Any], raw: Any) -> None:
    """Raise ResponseFormatError unless ``raw`` can be a response to question dict ``q``."""
    if raw is None:
        return
    try:
        json.dumps(raw, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise _fail(q, _BARE[q["kind"]], f"not plain JSON data ({exc})") from None
    kind, v = q["kind"], _value(q, raw)
    if kind in ("category", "decision"):
        ids = [o["id"] for o in q["options"]]
        if kind == "decision" and _is_int(v):
            v = str(v)
        if v not in ids:
            raise _fail(q, _BARE[kind], f"{v!r} is not one of the option ids {ids}")
    elif kind == "ordinal":
        values = [p["value"] for p in q["scale"]]
        if not _is_int(v) or v not in values:
            raise _fail(q, "value", f"{v!r} is not on the scale {values}")
    elif kind == "count":
        if not _is_int(v) or v < 0:
            raise _fail(q, "value", f"{v!r} is not a whole number >= 0")
    elif kind == "findings":
        ids = {f["id"] for f in q["findings"]}
        present, absent = (v.get("present", []), v.get("absent", [])) if isinstance(v, dict) else (v, [])
        for name, lst in (("present", present), ("absent", absent)):
            if not isinstance(lst, list) or any(not isinstance(f, str) or f not in ids for f in lst):
                raise _fail(q, name, f"{lst!r} must be a list of finding ids of this question")
        if set(present) & set(absent):
            raise _fail(q, "present", "a finding cannot be both present and absent")
    elif kind == "measurement":
        if v is None or (isinstance(v, str) and v.strip().lower() in ("not_applicable", "not applicable")):
            return  # not applicable: nothing to measure
        if not (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)):
            raise _fail(q, "value", f"{v!r} is not a finite number")
    elif kind == "frame_ranges":
        if not isinstance(v, list) or not all(
            isinstance(r, list) and len(r) == 2 and all(_is_int(x) for x in r) and 0 <= r[0] <= r[1]
            for r in v
        ):
            raise _fail(q, "ranges", "must be a list of [start, end] frame pairs with 0 <= start <= end")
    elif kind == "marks" and not _marks_ok(v):
        raise _fail(q, "marks", "must be a list of marks {type, points, frame}")


def _marks_ok(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(m, dict) and isinstance(m.get("points"), list) for m in v)


def normalise_decision(raw: Any) -> Any:
    """A decision answer as the practice engine's object form ``{"choice": original index}``."""
    if raw is None:
        return None
    v = raw.get("choice") if isinstance(raw, dict) else raw
    out = dict(raw) if isinstance(raw, dict) else {}
    out["choice"] = int(v)
    return out
