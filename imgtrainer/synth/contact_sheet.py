"""A labelled contact sheet of a case library: one representative frame per case, as one PNG."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np


def contact_sheet(library: Path, out: Path, tile: tuple[int, int] = (240, 200), cols: int = 6) -> Path:
    """Write a grid of each case's middle frame labelled with its id (PNG, atomic); returns ``out``."""
    from imgtrainer.library.case_io import load_case
    from imgtrainer.media import open_clip

    folders = sorted(p.parent for p in Path(library).glob("*/case.json"))
    tw, th = tile
    label_h = 16
    tiles = []
    for folder in folders:
        case = load_case(folder)
        with open_clip(folder / case.primary_media.path) as clip:
            img = clip.frame(clip.n_frames // 2)
        if img.ndim == 3:
            img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        scale = min(tw / img.shape[1], th / img.shape[0])
        small = cv2.resize(
            img, (int(img.shape[1] * scale), int(img.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
        cell = np.zeros((th + label_h, tw), np.uint8)
        y0, x0 = label_h + (th - small.shape[0]) // 2, (tw - small.shape[1]) // 2
        cell[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
        cv2.putText(cell, case.id, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.36, 255, 1, cv2.LINE_AA)
        tiles.append(cell)
    if not tiles:
        raise FileNotFoundError(f"{library}: no case folders")
    rows = -(-len(tiles) // cols)
    blank = np.zeros_like(tiles[0])
    tiles += [blank] * (rows * cols - len(tiles))
    grid = np.vstack([np.hstack(tiles[r * cols : (r + 1) * cols]) for r in range(rows)])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".png", grid, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise OSError(f"{out}: PNG encoding failed")
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=out.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(buf.tobytes())
    os.replace(tmp, out)
    return out
