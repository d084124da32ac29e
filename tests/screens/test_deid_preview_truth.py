"""The de-identification previews tell the truth: every pixel drawn red ("blacked out") is black
in the cleaned output, on every frame of every shared DICOM (the faculty import review's preview
and `imgtrainer deid preview`). US1_UNCR has a cursor arrow above the scan area that the cleaned
file keeps; the review preview used to guess the kept area as the largest lit blob and drew the
arrow red."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from imgtrainer.deid.review import _display_rgb, render_preview
from imgtrainer.library.case_io import load_case, media_path
from imgtrainer.library.importer import ImportOptions, import_files
from imgtrainer.media import open_clip
from imgtrainer.screens.faculty.review import build_preview

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "dicom"
BROKEN = {"MR_truncated.dcm", "no_meta.dcm"}
FILES = sorted(p for p in DATA.rglob("*.dcm") if p.name not in BROKEN) if DATA.is_dir() else []
RED = np.array([255, 0, 0], np.float32)


def _red_area(image: np.ndarray, split: int, shown: np.ndarray) -> np.ndarray:
    """Pixels of the right panel drawn red: exactly 0.6 x the cleaned pixel + 0.4 x red (the
    tint of ``preview_image``), and so different from the cleaned pixel as shown untinted."""
    right = image[:, split : split + shown.shape[1]].astype(np.float32)
    tinted = 0.6 * shown.astype(np.float32) + 0.4 * RED
    return (np.abs(right - tinted).max(axis=-1) <= 1.5) & (np.abs(right - shown).max(axis=-1) > 0)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lib = tmp_path_factory.mktemp("lib")
    import_files(FILES, ImportOptions(library=lib, domain="lung", quarantine_dir=lib.parent / "q"))
    return lib


@pytest.mark.slow
@pytest.mark.skipif(not FILES, reason="no shared DICOMs")
def test_review_preview_red_is_black_in_every_frame(library: Path) -> None:
    checked, wrong = 0, []
    by_name = {p.name: p for p in FILES}
    for folder in sorted(p for p in library.iterdir() if (p / "case.json").is_file()):
        case = load_case(folder)
        original = by_name.get(Path(case.provenance.original_file or "").name)
        pv = build_preview(folder, original)
        with open_clip(media_path(folder, case)) as clip:
            frames = [np.asarray(clip.frame(k)) for k in range(clip.n_frames)]
        red = ~pv.keep  # what preview_image tints red
        shown = pv.image[:, pv.split_x : pv.split_x + red.shape[1]]
        assert shown.shape[:2] == red.shape
        lit = np.zeros(red.shape, bool)
        for f in frames:
            lit |= (f if f.ndim == 2 else f[..., :3].max(axis=-1)) > 0
        if (red & lit).any():
            ys, xs = np.nonzero(red & lit)
            wrong.append(
                f"{case.provenance.original_file}: {len(ys)} red pixels kept, e.g. ({xs[0]}, {ys[0]})"
            )
        checked += 1
    assert checked >= 10 and not wrong, wrong


@pytest.mark.slow
@pytest.mark.skipif(not FILES, reason="no shared DICOMs")
def test_cli_preview_red_is_black_in_the_output(tmp_path: Path) -> None:
    from imgtrainer.deid.context import DeidContext
    from imgtrainer.deid.pipeline import deidentify_file

    wrong = []
    for src in FILES:
        out_dir = tmp_path / src.stem
        result = deidentify_file(src, out_dir, DeidContext())
        if result.status != "cleaned" or result.output is None or result.output.suffix != ".dcm":
            continue
        image = render_preview(src)
        ds = pydicom.dcmread(result.output)
        frames = ds.pixel_array.reshape(-1, ds.Rows, ds.Columns, *(() if ds.SamplesPerPixel == 1 else (3,)))
        split = image.shape[1] - ds.Columns
        red = _red_area(image, split, _display_rgb(ds, frames[0]))
        black = 255 if str(ds.PhotometricInterpretation) == "MONOCHROME1" and ds.BitsStored == 8 else 0
        lit = np.zeros(red.shape, bool)
        for f in frames:
            lit |= (f if f.ndim == 2 else f.max(axis=-1)) != black
        if (red & lit).any():
            wrong.append(f"{src.name}: {(red & lit).sum()} red pixels not black")
    assert not wrong, wrong
