"""De-identification on import: DICOM headers (PS3.15 Annex E) and burned-in text (pixels).

The import path calls::

    from imgtrainer.deid import DeidContext, deidentify_file, deidentify_tree

    ctx = DeidContext()                      # one per import: secret salt, UID map, date offsets
    result = deidentify_file(src, out_dir, ctx)
    result.status   # "cleaned" | "quarantined"
    result.output   # Path of the cleaned file (None when quarantined)
    result.reason   # why it was quarantined
    result.report   # what was removed, emptied, shifted, replaced and masked (no PHI values)

    results = deidentify_tree([folder_or_file, ...], out_dir)   # shares one context

Cleaned output is pending faculty review until ``approve(path)``; ``render_preview(path)`` gives
the before/after picture (RGB ndarray) for the GUI.
"""

from imgtrainer.deid.context import DeidContext, DeidOptions, DeidResult
from imgtrainer.deid.pipeline import deidentify_file, deidentify_tree
from imgtrainer.deid.review import approve, preview_image, render_preview, review_status

__all__ = [
    "DeidContext",
    "DeidOptions",
    "DeidResult",
    "approve",
    "deidentify_file",
    "deidentify_tree",
    "preview_image",
    "render_preview",
    "review_status",
]
