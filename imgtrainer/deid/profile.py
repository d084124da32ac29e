"""Table E.1-1 as a lookup: tag -> the action this project applies under its chosen options.

Action codes after resolution: ``X`` remove, ``Z`` empty, ``D`` dummy value, ``K`` keep, ``C``
clean (dates shifted, text scrubbed, sequences cleaned item by item), ``U`` new UID from the
import's map, ``U*`` keep the sequence and replace the UIDs inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from imgtrainer.deid.context import DeidOptions
from imgtrainer.deid.table_e1_1 import TABLE_E1_1_TSV

ACTIONS = ("X", "Z", "D", "K", "C", "U", "U*")

_D_PREFERRED = frozenset({0x00100020})
"""Z/D rows where a dummy beats an empty value: a pseudonymous Patient ID keeps one patient's
files grouped within an import."""


@dataclass(frozen=True)
class ProfileRow:
    """One row of Table E.1-1 (codes as printed in the standard)."""

    tag: str  # "0010,0010", or "50xx,xxxx" / "60xx,3000" for repeating groups
    basic: str
    modified_dates: str
    clean_descriptors: str
    device_identity: str
    name: str

    @property
    def tag_int(self) -> int | None:
        """The tag as an int, or None for a repeating-group row."""
        if "x" in self.tag:
            return None
        return int(self.tag.replace(",", ""), 16)


@lru_cache(maxsize=1)
def table_rows() -> tuple[ProfileRow, ...]:
    """Every row of the table, in tag order."""
    rows = []
    for line in TABLE_E1_1_TSV.splitlines():
        if not line.strip():
            continue
        tag, basic, dates, desc, dev, name = line.split("\t")
        rows.append(ProfileRow(tag, basic, dates, desc, dev, name))
    return tuple(rows)


@lru_cache(maxsize=1)
def _by_tag() -> dict[int, ProfileRow]:
    return {r.tag_int: r for r in table_rows() if r.tag_int is not None}


def lookup(tag: int) -> ProfileRow | None:
    """The table row for a tag (repeating curve/overlay groups included), else None."""
    row = _by_tag().get(int(tag))
    if row is not None:
        return row
    group, elem = int(tag) >> 16, int(tag) & 0xFFFF
    if 0x5000 <= group <= 0x50FF and group % 2 == 0:
        return next(r for r in table_rows() if r.tag.startswith("50xx"))
    if 0x6000 <= group <= 0x60FF and group % 2 == 0:
        for r in table_rows():
            if r.tag == f"60xx,{elem:04X}":
                return r
    return None


def resolve(row: ProfileRow, options: DeidOptions) -> str:
    """The single action applied for a row: an option's code wins over the basic profile.

    Compound basic codes resolve to the stricter choice (X/Z, X/D, X/Z/D -> X; Z/D -> Z), since
    the output is a teaching file, not a conformant clinical instance; X/Z/U* -> U* so that image
    references survive with consistent new UIDs.
    """
    if options.retain_device_identity and row.device_identity:
        return row.device_identity
    if options.retain_modified_dates and row.modified_dates:
        return row.modified_dates
    if options.clean_descriptors and row.clean_descriptors:
        return row.clean_descriptors
    code = row.basic
    if code == "X/Z/U*":
        return "U*"
    if code.startswith("X/"):
        return "X"
    if code == "Z/D":
        return "D" if row.tag_int in _D_PREFERRED else "Z"
    return code
