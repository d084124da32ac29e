"""Text left inside the kept area after masking: read it, report it, and act on it.

Every word OCR reads (``imgtrainer.deid.ocr``) on the first, middle and last frame is listed in
the report with its box, so the import review can draw it for the faculty. A word of 3 or more
letters equal to a removed identity token quarantines the file (the reason names the attribute,
never the word); with ``DeidOptions.mask_text_in_scan_area`` (set after a reviewer confirmed it
in the import review) every word's box is blacked out on all frames instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut

from imgtrainer.deid import ocr
from imgtrainer.deid.identity import IdentityTokens
from imgtrainer.deid.pixels import display_gray


def display_frames(ds: Dataset, frames: np.ndarray, indices: list[int]) -> list[np.ndarray]:
    """uint8 frames as shown (RGB kept as RGB, palette through its LUT, others grey)."""
    pi = str(ds.get("PhotometricInterpretation", "")).strip()
    out = []
    for i in indices:
        f = frames[i]
        if pi == "RGB" and f.dtype == np.uint8:
            out.append(f)
        elif pi == "PALETTE COLOR":
            rgb = np.asarray(apply_color_lut(f, ds))
            out.append((rgb >> 8).astype(np.uint8) if rgb.dtype != np.uint8 else rgb)
        else:
            out.append(display_gray(ds, f[None])[0])
    return out


def read_words(shown: list[np.ndarray], indices: list[int], keep: np.ndarray) -> list[ocr.Word]:
    """Words read in the kept area of the shown frames (``indices``: their frame numbers)."""
    return [w for f, i in zip(shown, indices, strict=True) for w in ocr.read_frame(f, keep, i)]


def judge(
    words: list[ocr.Word], identity: IdentityTokens | None, mask: bool, where: str
) -> tuple[dict[str, Any], list[ocr.Word], str | None]:
    """The report entry, the words to mask and, for an identity token read (unless ``mask``,
    when it is masked with the rest), the quarantine reason."""
    listed, hits = [], []
    for w in words:
        sources = identity.match_word(w.text) if identity is not None else []
        entry = w.to_dict()
        if sources:
            entry["text"] = f"[identity token: {', '.join(sources)}]"  # never the value itself
            hits.append((w, sources))
        listed.append(entry)
    report: dict[str, Any] = {"engine": "tesseract", "words": listed, "masked": mask and bool(words)}
    reason = None
    if hits and not mask:
        w, sources = hits[0]
        reason = (
            f"{where}: OCR read a {'/'.join(sources)}-derived token inside the kept area "
            f"(frame {w.frame}, box {list(w.box)}); re-mask it in the import review"
        )
    return report, (words if mask else []), reason


def read_clip_words(clip: Any, keep: np.ndarray) -> list[ocr.Word]:
    """Words read in the kept area of the first, middle and last frame of a video or still."""
    idx = ocr.sample_indices(int(clip.n_frames))
    return read_words([np.asarray(clip.frame(i)) for i in idx], idx, keep)


def check_kept_text(
    ds: Dataset, frames: np.ndarray, keep: np.ndarray, identity: IdentityTokens | None, mask: bool, where: str
) -> tuple[dict[str, Any], np.ndarray | None, str | None]:
    """Read, report and judge the text in the kept area of DICOM frames: the report entry, the
    bool mask of the boxes to black out (or None) and the quarantine reason (or None)."""
    if not ocr.available():
        return {"engine": "tesseract", "status": "unavailable: OCR skipped", "words": []}, None, None
    idx = ocr.sample_indices(len(frames))
    words = read_words(display_frames(ds, frames, idx), idx, keep)
    report, to_mask, reason = judge(words, identity, mask, where)
    return report, (ocr.word_mask(keep.shape, to_mask) if to_mask else None), reason
