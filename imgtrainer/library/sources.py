"""Expanding import sources: files, folders (recursive), DICOMDIR and zip archives.

Every item yields the file to read and a display name for reports. A zip is unpacked into a
temporary folder (members with absolute paths or ``..`` are refused, total size is capped); a
DICOMDIR yields the files its directory records reference. Hidden files, the DICOMDIR itself and
obvious non-media files (text, spreadsheets, JSON) are skipped with a reason.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from imgtrainer.media.files import NON_MEDIA_SUFFIXES

MAX_ZIP_BYTES = 8 * 1024**3
"""A zip whose members add up to more than this is refused (zip-bomb guard)."""


@dataclass(frozen=True)
class SourceItem:
    path: Path | None  # None: skipped or failed before reading
    display: str  # what reports show (archive members as "archive.zip:member")
    problem: str | None = None  # why it was skipped or failed
    skipped: bool = False  # True: not an error (non-media file); False with problem: failure


def _is_dicomdir(path: Path) -> bool:
    if path.name.upper() == "DICOMDIR":
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(132)
            if head[128:132] != b"DICM":
                return False
            chunk = fh.read(400)
    except OSError:
        return False
    return b"1.2.840.10008.1.3.10" in chunk  # Media Storage Directory Storage SOP class


def dicomdir_files(path: Path) -> list[Path]:
    """Files referenced by a DICOMDIR's directory records, resolved from its folder."""
    import pydicom

    ds = pydicom.dcmread(path, force=True)
    root = path.parent
    out: list[Path] = []
    for rec in ds.get("DirectoryRecordSequence", []):
        ref = rec.get("ReferencedFileID")
        if ref is None:
            continue
        parts = [str(ref)] if isinstance(ref, str) else [str(p) for p in ref]
        candidate = root.joinpath(*parts)
        if not candidate.exists():  # case differences on case-sensitive file systems
            lowered = {p.relative_to(root).as_posix().lower(): p for p in root.rglob("*") if p.is_file()}
            candidate = lowered.get("/".join(parts).lower(), candidate)
        out.append(candidate)
    return out


def _walk(folder: Path, display_root: str) -> Iterator[SourceItem]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for p in files:
        rel = p.relative_to(folder)
        shown = f"{display_root}/{rel.as_posix()}"
        if any(part.startswith(".") for part in rel.parts):
            continue
        yield from _one_file(p, shown, in_folder=True)


def _one_file(path: Path, display: str, in_folder: bool) -> Iterator[SourceItem]:
    if path.suffix.lower() in NON_MEDIA_SUFFIXES:
        yield SourceItem(None, display, "not a media file", skipped=True)
        return
    if path.suffix.lower() == ".zip" or (path.suffix == "" and zipfile.is_zipfile(path)):
        yield from _zip(path, display)
        return
    if _is_dicomdir(path):
        if in_folder:  # the folder walk already meets every referenced file
            yield SourceItem(
                None, display, "DICOMDIR index (its files are imported from the folder)", skipped=True
            )
            return
        try:
            refs = dicomdir_files(path)
        except Exception as exc:  # pydicom raises many types on a broken DICOMDIR
            yield SourceItem(None, display, f"unreadable DICOMDIR ({type(exc).__name__}: {exc})")
            return
        for ref in refs:
            shown = f"{display}:{ref.relative_to(path.parent).as_posix()}"
            if ref.is_file():
                yield SourceItem(ref, shown)
            else:
                yield SourceItem(None, shown, "referenced by the DICOMDIR but missing")
        return
    yield SourceItem(path, display)


def _zip(path: Path, display: str) -> Iterator[SourceItem]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield SourceItem(None, display, f"unreadable zip archive ({exc})")
        return
    tmp = Path(tempfile.mkdtemp(prefix="imgtrainer-zip-"))
    try:
        with zf:
            total = sum(i.file_size for i in zf.infolist())
            if total > MAX_ZIP_BYTES:
                yield SourceItem(
                    None, display, f"zip expands to {total / 1e9:.1f} GB (limit {MAX_ZIP_BYTES / 1e9:.0f} GB)"
                )
                return
            for info in zf.infolist():
                name = PurePosixPath(info.filename)
                if info.is_dir():
                    continue
                if (
                    name.is_absolute()
                    or ".." in name.parts
                    or (info.external_attr >> 16) & 0o170000 == 0o120000
                ):
                    yield SourceItem(
                        None, f"{display}:{info.filename}", "unsafe member path in zip (refused)"
                    )
                    continue
                target = tmp.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with zf.open(info) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                    yield SourceItem(None, f"{display}:{info.filename}", f"cannot extract ({exc})")
                    target.unlink(missing_ok=True)
        for item in _walk(tmp, display):
            yield SourceItem(
                item.path, item.display.replace(f"{display}/", f"{display}:", 1), item.problem, item.skipped
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def expand_sources(sources: Iterable[Path]) -> Iterator[SourceItem]:
    """Every importable file under ``sources``, in a stable order; problems as items too.

    Files extracted from a zip exist only until the generator moves past the archive, so use
    each item before asking for the next.
    """
    for src in sources:
        src = Path(src)
        if not src.exists():
            yield SourceItem(None, str(src), "no such file or folder")
        elif src.is_dir():
            dicomdir = next((p for p in (src / "DICOMDIR", src / "dicomdir") if p.is_file()), None)
            if dicomdir is not None:
                yield from _one_file(dicomdir, str(dicomdir), in_folder=False)
            else:
                yield from _walk(src, str(src))
        else:
            yield from _one_file(src, str(src), in_folder=False)
