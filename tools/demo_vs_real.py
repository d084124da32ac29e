"""docs/demo_vs_real.png: each demo view beside a real clip of the same view, to judge the phantoms.

Real lung and echo frames come from ../shared/data (only files under CC BY 4.0 or MIT, credited in
the figure); views with no public clip at hand (FAST, gastric, airway) get a short description of
what a real scan shows instead. Run from the repository root after `imgtrainer demo --rebuild`:

    python3 tools/demo_vs_real.py [--data ../shared/data] [-o docs/demo_vs_real.png]
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import cv2
import numpy as np

TILE = (330, 250)  # width, height of one image
LABEL_H = 18

# (demo recipe, frame fraction, real source or None, real frame, description of a real scan)
ROWS = [
    ("lung-normal-01", 0.5, "lung/pocus_videos/convex/Reg_pat1Image_132943.mpeg", 0, ""),
    ("lung-normal-02", 0.5, "lung/pocus_videos/linear/Reg_Image_18122_crop.mp4", 0, ""),
    ("lung-blines-02", 0.5, "lung/pocus_videos/convex/Cov_convex_volpecelli_sonographic_v2.mov", 0, ""),
    ("cardiac-a4c-normal-01", 0.85, "dicom/pydicom-data/color3d_jpeg_baseline.dcm", 40, ""),
    ("cardiac-plax-normal-01", 0.85, "dicom/godcm/US-MONO2-8-8x-execho.dcm", 3, ""),
    (
        "fast-ruq-fluid-01",
        0.5,
        None,
        0,
        "Real RUQ: liver fills the near field with fine even texture; the kidney lies deep, cortex darker "
        "than liver, a bright fat-filled sinus; Morison's pouch fluid is a black stripe hugging the kidney "
        "capsule, thin at the edges; the diaphragm a bright curve at the screen's left with its mirror image.",
    ),
    (
        "gastric-fluid-01",
        0.5,
        None,
        0,
        "Real sagittal epigastric antrum: left liver lobe in front, the antrum a target of gut-wall layers "
        "(bright serosa, dark muscle, bright submucosa) around anechoic fluid with bright bubbles; pancreas "
        "behind; the aorta or IVC and the SMA running along the back of the image.",
    ),
    (
        "airway-trachea-normal-01",
        0.5,
        None,
        0,
        "Real suprasternal transverse: thin thyroid lobes either side of a dark inverted-U tracheal ring, "
        "a bright air-mucosa line with reverberations below it; the oesophagus as a layered target to the "
        "patient's left, behind the trachea; carotids and jugulars laterally.",
    ),
]
CREDITS = (
    "Real frames: covid19_ultrasound POCUS dataset (Born et al.; clips marked CC BY 4.0: "
    "Reg_pat1Image_132943, Reg_Image_18122_crop, Cov_convex_volpecelli_sonographic_v2); "
    "pydicom-data color3d_jpeg_baseline (MIT); godcm US-MONO2-8-8x-execho (MIT)."
)


def _tile(img: np.ndarray | None, label: str, text: str = "") -> np.ndarray:
    tw, th = TILE
    cell = np.zeros((th + LABEL_H, tw), np.uint8)
    if img is not None:
        if img.ndim == 3:
            img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        s = min(tw / img.shape[1], th / img.shape[0])
        small = cv2.resize(img, (int(img.shape[1] * s), int(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
        y0, x0 = LABEL_H + (th - small.shape[0]) // 2, (tw - small.shape[1]) // 2
        cell[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
    for i, line in enumerate(textwrap.wrap(text, 52)):
        cv2.putText(
            cell, line, (6, LABEL_H + 20 + 17 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 200, 1, cv2.LINE_AA
        )
    cv2.putText(cell, label, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, 255, 1, cv2.LINE_AA)
    return cell


def _real_frame(path: Path, index: int) -> np.ndarray:
    if path.suffix == ".dcm":
        import pydicom

        arr = pydicom.dcmread(path).pixel_array
        return arr[index] if arr.ndim >= 3 and arr.shape[0] > index else arr
    cap = cv2.VideoCapture(str(path))
    for _ in range(index + 1):
        ok, frame = cap.read()
    cap.release()
    if not ok:
        raise OSError(f"{path}: cannot read frame {index}")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def main() -> None:
    from imgtrainer.media import open_clip
    from imgtrainer.synth.demo_library import all_demo_cases

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--cases", type=Path, default=Path("cases"))
    ap.add_argument("-o", "--out", type=Path, default=Path("docs/demo_vs_real.png"))
    a = ap.parse_args()
    ids = {d.recipe: d.id for d in all_demo_cases()}
    rows = []
    for recipe, frac, real, index, text in ROWS:
        cid = ids[recipe]
        with open_clip(a.cases / cid / "media" / "clip.dcm") as clip:
            demo = clip.frame(int((clip.n_frames - 1) * frac))
        left = _tile(demo, f"demo {cid} ({recipe})")
        if real:
            right = _tile(_real_frame(a.data / real, index), f"real: {Path(real).name}")
        else:
            right = _tile(None, "real: no public clip at hand - what one shows", text)
        rows.append(np.hstack([left, np.full((left.shape[0], 6), 60, np.uint8), right]))
    half = -(-len(rows) // 2)
    col_a, col_b = rows[:half], rows[half:]
    col_b += [np.zeros_like(rows[0])] * (half - len(col_b))
    grid = np.hstack(
        [np.vstack(col_a), np.full((half * rows[0].shape[0], 12), 0, np.uint8), np.vstack(col_b)]
    )
    foot = np.zeros((34, grid.shape[1]), np.uint8)
    for i, line in enumerate(textwrap.wrap(CREDITS, 170)):
        cv2.putText(foot, line, (6, 13 + 15 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.38, 180, 1, cv2.LINE_AA)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(a.out), np.vstack([grid, foot]), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(a.out)


if __name__ == "__main__":
    main()
