"""Videos and stills: true decoded frame counts, frame-exact random access, corrupt files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from imgtrainer.errors import CorruptVideoError, MediaError
from imgtrainer.media import open_clip


def _count_by_reading(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


@pytest.mark.parametrize(
    "rel",
    [
        "lung/pocus_videos/convex/Reg_pat2Image_133824.mpeg",  # container count is off by 2
        "lung/pocus_videos/convex/Cov-Atlas+(44).gif",
        "lung/pocus_videos/convex/Pneu_northumbria_0409_set1_vid1.avi",
        "lung/pocus_videos/linear/Reg_Image_18122_crop.mp4",
    ],
)
def test_lung_clips_report_true_frame_count(shared_data: Path, rel: str) -> None:
    path = shared_data / rel
    with open_clip(path) as clip:
        assert clip.info.kind == "video"
        assert clip.n_frames == _count_by_reading(path)
        assert clip.fps > 0
        assert clip.frame(0).shape == (clip.rows, clip.cols, 3)


def _write_video(path: Path, n: int) -> np.ndarray:
    """An MJPG clip whose frame i shows a bright bar at column 8*i (so frames are identifiable)."""
    frames = np.zeros((n, 48, 160, 3), np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, (160, 48))
    for i in range(n):
        frames[i, :, 8 * i : 8 * i + 8] = 255
        writer.write(frames[i])
    writer.release()
    return frames


def test_video_random_access_is_frame_exact(tmp_path: Path) -> None:
    path = tmp_path / "bars.avi"
    _write_video(path, 15)
    with open_clip(path, cache_mb=0) as clip:  # no cache: every access really seeks
        assert clip.n_frames == 15
        assert clip.fps == pytest.approx(20.0)
        for i in (3, 9, 2, 14, 0, 7):
            bar = int(np.argmax(clip.frame(i)[24, :, 0] > 128))
            assert bar == 8 * i


def test_stills(tmp_path: Path, shared_data: Path) -> None:
    img = np.zeros((20, 30, 3), np.uint8)
    img[..., 0] = 200  # red in RGB
    cv2.imwrite(str(tmp_path / "red.png"), img[..., ::-1])
    with open_clip(tmp_path / "red.png") as clip:
        assert clip.n_frames == 1 and clip.info.kind == "still"
        assert tuple(clip.frame(0)[0, 0]) == (200, 0, 0)
    cv2.imwrite(str(tmp_path / "g.bmp"), np.full((5, 6), 77, np.uint8))
    with open_clip(tmp_path / "g.bmp") as clip:
        assert clip.frame(0).shape == (5, 6) and clip.channels == 1
    jpg = next((shared_data / "lung/pocus_images/convex").glob("*.jpg"))
    with open_clip(jpg) as clip:
        assert clip.frame(0).ndim in (2, 3)


def test_corrupt_video_and_image(tmp_path: Path) -> None:
    (tmp_path / "bad.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(500))
    with pytest.raises(CorruptVideoError):
        open_clip(tmp_path / "bad.mp4")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(CorruptVideoError):
        open_clip(tmp_path / "bad.png")
    with pytest.raises(MediaError, match="folder"):
        open_clip(tmp_path)


def test_variable_frame_rate_video_keeps_each_frames_own_time(tmp_path: Path) -> None:
    """A GIF whose frames last 100-500 ms plays at its real timing (M-mode time axis, playback,
    sliding intervals), with a warning; a constant-rate video keeps index / fps exactly."""
    from PIL import Image

    frames = [Image.fromarray(np.full((32, 40), 30 * i, np.uint8)) for i in range(6)]
    path = tmp_path / "vfr.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=[100, 100, 300, 100, 500, 100])
    with open_clip(path) as clip:
        assert clip.n_frames == 6
        np.testing.assert_allclose(clip.frame_times_s, [0.0, 0.1, 0.2, 0.5, 0.6, 1.1], atol=1e-6)
        assert any("variable frame rate" in w for w in clip.warnings)
    steady = tmp_path / "bars.avi"
    _write_video(steady, 10)
    with open_clip(steady) as clip:
        np.testing.assert_array_equal(clip.frame_times_s, np.arange(10) / clip.fps)
        assert not any("variable frame rate" in w for w in clip.warnings)
