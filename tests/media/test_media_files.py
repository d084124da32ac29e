"""One folder walk for info, quality, assist and deid: skips hidden and non-media files."""

from __future__ import annotations

from pathlib import Path

from imgtrainer.media.files import iter_media_files


def test_walk_skips_hidden_non_media_and_the_excluded_folder(tmp_path: Path) -> None:
    for rel in ("a.dcm", "sub/b.mp4", "sub/notes.txt", ".hidden.dcm", ".git/c.dcm", "DICOMDIR", "out/d.dcm"):
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"x")
    found = [
        p.relative_to(tmp_path).as_posix() for p in iter_media_files([tmp_path], exclude=tmp_path / "out")
    ]
    assert found == ["a.dcm", "sub/b.mp4"]
    # a file named explicitly is always offered, whatever its name
    assert list(iter_media_files([tmp_path / "sub/notes.txt"])) == [tmp_path / "sub/notes.txt"]
