"""OCR of the kept area, measured: synthetic labels burned inside the fan of real frames.

    python benchmarks/ocr_labels.py [--n 200] [--clips 0] [--seed 0]

Labels ("RT PTX", "B-LINES", a patient's name, ...) are drawn inside the detected scan area of
frames from the shared lung clips, in different fonts (DejaVu Sans/Serif/Mono and STIX, shipped
with matplotlib, and OpenCV's Hershey faces), text heights (11-30 px), colours and positions.
A label is *detected* when a word read by ``imgtrainer.deid.ocr.read_frame`` overlaps its box,
*read* when one of its words of 3+ letters is read exactly. False alarms are words read on the
first, middle and last frames of the unlabelled shared lung clips, as a rate per frame.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = (ROOT / ".." / "shared" / "data").resolve()
sys.path.insert(0, str(ROOT))

from imgtrainer.deid.ocr import read_frame, sample_indices  # noqa: E402
from imgtrainer.media import open_clip  # noqa: E402
from imgtrainer.media.scanarea import find_scan_area  # noqa: E402

TEXTS = ["RT PTX", "B-LINES", "LT ANT", "ZYXWA QWERTINA", "PLEURA", "LUNG POINT", "R LAT", "SMITH JOHN",
         "CONSOL", "L2 POST", "NO SLIDING", "EFFUSION"]  # fmt: skip
COLOURS = [(255, 255, 255), (255, 255, 0), (0, 255, 0), (0, 255, 255), (210, 210, 210), (255, 160, 0)]
PIL_FONTS = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "STIXGeneral.ttf",
]
HERSHEY = [
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
]


def lung_clips() -> list[Path]:
    """The shared lung clips (videos and GIFs), sorted."""
    out = sorted((DATA / "lung-blus" / "lus_videos").glob("*.mp4"))
    out += sorted(
        p for p in (DATA / "lung" / "pocus_videos").rglob("*") if p.suffix.lower() in (".mp4", ".gif")
    )
    return out


@dataclass
class Label:
    frame: np.ndarray  # RGB uint8
    keep: np.ndarray
    box: tuple[int, int, int, int]
    text: str
    style: str


def _pil_font(name: str, px: int):
    import matplotlib
    from PIL import ImageFont

    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), px)


def _draw(
    frame: np.ndarray, text: str, xy: tuple[int, int], px: int, colour, font
) -> tuple[int, int, int, int]:
    """Draw ``text`` with its top-left at ``xy``, cap height about ``px``; returns its box."""
    if isinstance(font, str):
        from PIL import Image, ImageDraw

        img = Image.fromarray(frame)
        f = _pil_font(font, int(px * 1.35))
        ImageDraw.Draw(img).text(xy, text, fill=tuple(colour), font=f)
        frame[...] = np.asarray(img)
        x0, y0, x1, y1 = ImageDraw.Draw(img).textbbox(xy, text, font=f)
        return int(x0), int(y0), int(x1), int(y1)
    scale = cv2.getFontScaleFromHeight(font, px, 2)
    (w, h), base = cv2.getTextSize(text, font, scale, 2)
    cv2.putText(frame, text, (xy[0], xy[1] + h), font, scale, colour, 2, cv2.LINE_AA)
    return xy[0], xy[1], xy[0] + w, xy[1] + h + base


def make_labels(n: int, seed: int = 0, clips: list[Path] | None = None) -> list[Label]:
    """``n`` labelled frames, cycling through the clips; every label lies inside the scan area."""
    rng = np.random.default_rng(seed)
    clips = clips or lung_clips()
    out: list[Label] = []
    areas: dict[Path, object] = {}
    tries = 0
    while len(out) < n and tries < 20 * n:
        path = clips[tries % len(clips)]
        tries += 1
        with open_clip(path) as clip:
            i = int(rng.integers(0, clip.n_frames))
            frame = np.array(clip.frame(i), dtype=np.uint8)
            area = areas.get(path) or areas.setdefault(path, find_scan_area(clip))
        if frame.ndim == 2:
            frame = np.repeat(frame[..., None], 3, axis=2)
        frame = np.ascontiguousarray(frame[..., :3])
        text = TEXTS[int(rng.integers(len(TEXTS)))]
        px = int(rng.integers(11, 31))
        colour = COLOURS[int(rng.integers(len(COLOURS)))]
        fonts = PIL_FONTS + HERSHEY
        font = fonts[int(rng.integers(len(fonts)))]
        x0, y0, x1, y1 = area.bbox
        xy = (
            int(rng.integers(x0, max(x0 + 1, x1 - 6 * px))),
            int(rng.integers(y0, max(y0 + 1, y1 - 2 * px))),
        )
        trial = frame.copy()
        box = _draw(trial, text, xy, px, colour, font)
        bx0, by0, bx1, by1 = box
        if (
            bx1 >= frame.shape[1]
            or by1 >= frame.shape[0]
            or not area.mask[by0 : by1 + 1, bx0 : bx1 + 1].all()
        ):
            continue  # the label must lie wholly inside the scan area
        style = f"{font if isinstance(font, str) else 'hershey' + str(font)} {px}px rgb{colour}"
        out.append(Label(trial, area.mask, box, text, style))
    return out


def _overlaps(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def score(labels: list[Label]) -> dict[str, float]:
    """Detection and exact-read rates over labelled frames."""
    detected = read = 0
    for lab in labels:
        words = read_frame(lab.frame, lab.keep)
        if any(_overlaps(w.box, lab.box) for w in words):
            detected += 1
        wanted = {t for t in lab.text.replace("-", " ").split() if len(t) >= 3}
        if wanted & {w.text.upper() for w in words}:
            read += 1
    return {
        "labels": len(labels),
        "detected": detected / max(1, len(labels)),
        "read": read / max(1, len(labels)),
    }


def false_alarms(clips: list[Path]) -> dict[str, float]:
    """Words read on the first, middle and last frames of unlabelled clips, per frame."""
    frames = words = 0
    for path in clips:
        with open_clip(path) as clip:
            area = find_scan_area(clip)
            for i in sample_indices(clip.n_frames):
                words += len(read_frame(np.asarray(clip.frame(i)), area.mask, i))
                frames += 1
    return {"frames": frames, "words": words, "per_frame": words / max(1, frames)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="labelled frames")
    ap.add_argument("--clips", type=int, default=0, help="clips for the false-alarm rate (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    clips = lung_clips()
    t = time.perf_counter()
    s = score(make_labels(a.n, a.seed, clips))
    print(f"labels {s['labels']}: detected {s['detected']:.1%}, read exactly {s['read']:.1%}"
          f" ({time.perf_counter() - t:.0f} s)")  # fmt: skip
    t = time.perf_counter()
    f = false_alarms(clips[: a.clips] if a.clips else clips)
    print(f"false alarms: {f['words']} words on {f['frames']} unlabelled frames of {len(clips[: a.clips] if a.clips else clips)}"
          f" clips = {f['per_frame']:.3f} per frame ({time.perf_counter() - t:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
