"""Per-import de-identification state: the secret salt, the UID map and per-patient date offsets.

One ``DeidContext`` is shared by every file of one import so that the same input UID becomes the
same new UID everywhere and all files of one patient get the same date shift. Everything is
derived from the salt with HMAC-SHA256, so nothing can be recomputed from the data alone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

MIN_SHIFT_DAYS = 365
"""Dates move back by at least a year ..."""
MAX_SHIFT_DAYS = 3650
"""... and at most ten years."""


@dataclass(frozen=True)
class DeidOptions:
    """Which Annex E options apply and how sure the scan-area detector must be (0..1)."""

    retain_modified_dates: bool = True  # Retain Longitudinal Temporal Information, Modified Dates
    clean_descriptors: bool = True
    retain_device_identity: bool = True
    mask_pixels: bool = True  # black out everything outside the scan area
    min_scan_confidence: float = 0.5
    manual_keep_box: tuple[int, int, int, int] | None = None
    """Faculty re-mask: keep exactly this (x0, y0, x1, y1) inclusive box, skipping detection."""
    rle_output: bool = True  # re-encode DICOM pixels as RLE Lossless (else uncompressed)
    ocr: bool = True
    """Read the kept area with Tesseract (first, middle, last frame): words are reported, a removed
    identity token read there quarantines the file."""
    mask_text_in_scan_area: bool = False
    """Black out the words OCR reads inside the kept area (a reviewer confirms it in the GUI)."""
    safe_private: frozenset[tuple[str, int, int]] = frozenset()
    """Private elements kept: (private creator, group, element low byte), e.g. ("ACME 1.0", 0x0009, 0x10)."""


@dataclass
class DeidContext:
    """State shared by all files of one import. Create one per import; never persist the salt
    next to the output (whoever holds it can link outputs back to inputs)."""

    salt: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    options: DeidOptions = field(default_factory=DeidOptions)
    uid_map: dict[str, str] = field(default_factory=dict)
    date_offsets: dict[str, int] = field(default_factory=dict)  # HMAC(patient) -> days
    quarantine_copy_dir: Path | None = None
    """Where quarantined originals are copied (None: not copied, only the sidecar is written)."""

    def _mac(self, purpose: str, value: str) -> bytes:
        return hmac.new(self.salt, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()

    def new_uid(self, old: str) -> str:
        """Same old UID -> same new UID within this import: ``2.25.<128-bit int>`` (<= 44 chars)."""
        old = str(old).strip().rstrip("\x00")
        new = self.uid_map.get(old)
        if new is None:
            new = "2.25." + str(int.from_bytes(self._mac("uid", old)[:16], "big"))
            self.uid_map[old] = new
        return new

    def patient_key(self, patient_id: str, name: str = "", birth_date: str = "") -> str:
        """Opaque key for one patient (the ID, else name + birth date), never the values."""
        basis = patient_id.strip() or f"{name.strip()}|{birth_date.strip()}"
        return self._mac("patient", basis).hex()[:32]

    def date_offset_days(self, patient_key: str) -> int:
        """Negative whole-day shift for one patient, fixed for this import."""
        off = self.date_offsets.get(patient_key)
        if off is None:
            n = int.from_bytes(self._mac("dates", patient_key)[:8], "big")
            off = -(MIN_SHIFT_DAYS + n % (MAX_SHIFT_DAYS - MIN_SHIFT_DAYS + 1))
            self.date_offsets[patient_key] = off
        return off

    def pseudonym(self, kind: str, value: str, length: int = 12) -> str:
        """Stable dummy identifier such as ``ANON-3F9A0C1B22D4`` (same input -> same output)."""
        return "ANON-" + self._mac(kind, value.strip()).hex()[:length].upper()

    def file_stem(self, key: str) -> str:
        """Output file name stem: a keyed hash of ``key``, never readable text from the source."""
        return self._mac("file", key).hex()[:20]


@dataclass
class DeidResult:
    """Outcome for one source file. ``report`` lists what was removed, shifted, replaced and
    masked (attribute keywords and counts, never the original values)."""

    source: Path
    status: Literal["cleaned", "quarantined"]
    output: Path | None = None
    reason: str | None = None
    report: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "status": self.status,
            "output": str(self.output) if self.output else None,
            "reason": self.reason,
            "report": self.report,
        }
