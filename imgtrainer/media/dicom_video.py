"""DICOM video: MPEG-2, H.264 and HEVC streams inside encapsulated Pixel Data, as lazy clips.

Transfer syntaxes 1.2.840.10008.1.2.4.100 to .108 carry one compressed video stream split over
Pixel Data fragments, not one codestream per frame. The fragments are joined into the stream,
FFmpeg (through PyAV) finds its format by probing (elementary stream, MPEG-2 program or
transport stream), and opening demuxes it without decoding to count the frames. ``frame(i)``
then decodes in stream order from one open decoder (backward requests restart it, so every
frame is exact); the shared frame cache and read-ahead of ``CachedClip`` keep playback smooth.
Timing comes from the header (Frame Time and friends), else from the stream's frame rate.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import generate_fragments
from pydicom.uid import UID

from imgtrainer.errors import CorruptVideoError, MediaError, NoPixelDataError
from imgtrainer.media.cache import DEFAULT_DECODE_TIMEOUT_S, CachedClip
from imgtrainer.media.clip import DEFAULT_FPS, ClipInfo
from imgtrainer.media.regions import parse_regions
from imgtrainer.media.timing import frame_timing

VIDEO_SYNTAXES: dict[str, str] = {
    "1.2.840.10008.1.2.4.100": "mpeg2video",  # MPEG2 Main Profile / Main Level
    "1.2.840.10008.1.2.4.101": "mpeg2video",  # MPEG2 Main Profile / High Level
    "1.2.840.10008.1.2.4.102": "h264",  # MPEG-4 AVC/H.264 High Profile / Level 4.1
    "1.2.840.10008.1.2.4.103": "h264",  # ... BD-compatible High Profile / Level 4.1
    "1.2.840.10008.1.2.4.104": "h264",  # ... High Profile / Level 4.2 For 2D Video
    "1.2.840.10008.1.2.4.105": "h264",  # ... High Profile / Level 4.2 For 3D Video
    "1.2.840.10008.1.2.4.106": "h264",  # ... Stereo High Profile / Level 4.2
    "1.2.840.10008.1.2.4.107": "hevc",  # HEVC/H.265 Main Profile / Level 5.1
    "1.2.840.10008.1.2.4.108": "hevc",  # HEVC/H.265 Main 10 Profile / Level 5.1
}
VIDEO_SYNTAXES.update({f"{uid}.1": codec for uid, codec in list(VIDEO_SYNTAXES.items()) if uid[-3:] < "107"})
"""Video transfer syntax -> FFmpeg codec name (what the stream should hold); the ``.1`` variants
are the fragmentable ones of DICOM 2023 (same stream, split over fragments of any size)."""
_RAW_FORMAT = {"mpeg2video": "mpegvideo", "h264": "h264", "hevc": "hevc"}


def is_video_syntax(transfer_syntax: object) -> bool:
    return str(transfer_syntax or "").strip("\0 ") in VIDEO_SYNTAXES


def video_syntax_of(path: str | os.PathLike[str]) -> str | None:
    """The file's transfer syntax when it is a video one, else None (reads only the file meta)."""
    try:
        meta = pydicom.filereader.read_file_meta_info(path)
        ts = str(meta.get("TransferSyntaxUID", "")).strip("\0 ")
    except Exception:
        return None
    return ts if ts in VIDEO_SYNTAXES else None


def stream_bytes(ds: Dataset, path: object) -> bytes:
    """The video stream: every Pixel Data fragment joined in order."""
    if "PixelData" not in ds:
        raise NoPixelDataError(path, "no Pixel Data (7FE0,0010): not an image")
    try:
        data = b"".join(generate_fragments(ds.PixelData))
    except Exception as exc:
        raise MediaError(path, f"video Pixel Data is not encapsulated properly: {exc}") from exc
    if not data:
        raise CorruptVideoError(path, "video Pixel Data holds no stream bytes")
    return data


def _open_container(data: bytes, codec: str) -> Any:
    """A PyAV input container over the stream; probing first, the syntax's raw format second."""
    import av

    try:
        container = av.open(io.BytesIO(data), mode="r")
        if container.streams.video:
            return container
        container.close()
    except av.FFmpegError:
        pass
    return av.open(io.BytesIO(data), mode="r", format=_RAW_FORMAT[codec])


def probe_stream(data: bytes, codec: str, path: object) -> dict[str, Any]:
    """Frames (by demuxing, no decode), codec, size, rate and container format of a stream."""
    import av

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            container = _open_container(data, codec)
    except (av.FFmpegError, ValueError) as exc:
        raise CorruptVideoError(path, f"video stream cannot be opened: {exc}") from exc
    try:
        if not container.streams.video:
            raise CorruptVideoError(path, "video stream holds no video")
        stream = container.streams.video[0]
        n = sum(1 for p in container.demux(stream) if p.size)
        ctx = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate
        return {
            "frames": n,
            "codec": ctx.name,
            "width": int(ctx.width),
            "height": int(ctx.height),
            "fps": float(rate) if rate else None,
            "format": container.format.name,
            "pix_fmt": ctx.pix_fmt,
        }
    except av.FFmpegError as exc:
        raise CorruptVideoError(path, f"video stream cannot be read: {exc}") from exc
    finally:
        container.close()


class DicomVideoClip(CachedClip):
    """A DICOM whose Pixel Data is an MPEG-2 / H.264 / HEVC stream; RGB uint8 frames."""

    parallel_decode = False  # one decoder, read in stream order

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        cache_mb: float = 256,
        decode_timeout_s: float | None = DEFAULT_DECODE_TIMEOUT_S,
    ) -> None:
        self.path = Path(path)
        self._init_cache(cache_mb, decode_timeout_s)
        self._lock = threading.Lock()
        self.warnings = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(self.path)
        except Exception as exc:
            raise MediaError(self.path, f"DICOM cannot be parsed: {type(exc).__name__}: {exc}") from exc
        ts = str(ds.file_meta.get("TransferSyntaxUID", "")).strip("\0 ")
        if ts not in VIDEO_SYNTAXES:
            raise MediaError(self.path, f"transfer syntax {ts!r} is not a video syntax")
        codec = VIDEO_SYNTAXES[ts]
        self._data = stream_bytes(ds, self.path)
        del ds.PixelData  # the header stays; the stream lives in self._data
        self.header = ds
        probe = probe_stream(self._data, codec, self.path)
        self._init_geometry(ds, probe, ts, codec)
        self._container: Any = None
        self._frames_iter: Any = None
        self._next = 0

    def _init_geometry(self, ds: Dataset, probe: dict[str, Any], ts: str, codec: str) -> None:
        n = int(probe["frames"])
        if n == 0:
            raise CorruptVideoError(self.path, "video stream has no frames")
        if probe["codec"] != codec:
            self.warnings.append(f"{UID(ts).name} names {codec}, but the stream holds {probe['codec']}")
        try:
            header_n = int(ds.get("NumberOfFrames", 0) or 0)
        except (TypeError, ValueError):
            header_n = 0
        if header_n and header_n != n:
            self.warnings.append(f"Number of Frames says {header_n}; the stream holds {n}")
        rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
        if (rows, cols) != (probe["height"], probe["width"]):
            if rows and cols:
                self.warnings.append(
                    f"header says {cols}x{rows}; the stream is {probe['width']}x{probe['height']}"
                )
            rows, cols = probe["height"], probe["width"]
        self.n_frames, self.rows, self.cols, self.channels = n, rows, cols, 3
        timing = frame_timing(ds, n)
        if timing.source == "default" and probe["fps"]:
            self.frame_times_s = np.arange(n, dtype=np.float64) / probe["fps"]
            source = "stream"
        else:
            self.frame_times_s = timing.times_s
            source = timing.source
            self.warnings.extend(timing.warnings)
            if probe["fps"] and timing.source != "default" and n > 1:
                header_fps = (n - 1) / max(1e-9, float(timing.times_s[-1] - timing.times_s[0]))
                if abs(header_fps - probe["fps"]) > 0.05 * probe["fps"]:
                    self.warnings.append(
                        f"header timing gives {header_fps:.3g} fps, the stream {probe['fps']:.3g} fps; "
                        "using the header"
                    )
        regions, notes = parse_regions(ds)
        self.regions = regions
        self.warnings.extend(notes)
        self.info = ClipInfo(
            kind="dicom",
            transfer_syntax=ts,
            transfer_syntax_name=UID(ts).name,
            photometric=str(ds.get("PhotometricInterpretation", "") or "") or None,
            manufacturer=_text(ds, "Manufacturer"),
            model=_text(ds, "ManufacturerModelName"),
            sop_class=_text(ds, "SOPClassUID"),
            extra={
                "timing_source": source,
                "codec": probe["codec"],
                "format": probe["format"],
                "stream_fps": probe["fps"],
                "stream_bytes": len(self._data),
                "modality": _text(ds, "Modality"),
                "encapsulated": True,
            },
        )
        if self.info.sop_class and UID(self.info.sop_class).name != self.info.sop_class:
            self.info.extra["sop_class_name"] = UID(self.info.sop_class).name

    @property
    def stream(self) -> bytes:
        """The encapsulated video stream, as stored."""
        return self._data

    def _restart(self) -> None:
        import av

        if self._container is not None:
            self._container.close()
        codec = VIDEO_SYNTAXES[str(self.info.transfer_syntax)]
        try:
            self._container = _open_container(self._data, codec)
            self._frames_iter = self._container.decode(video=0)
        except av.FFmpegError as exc:
            raise CorruptVideoError(self.path, f"video stream cannot be opened: {exc}") from exc
        self._next = 0

    def _decode_uncached(self, index: int) -> np.ndarray:
        import av

        with self._lock:
            if self._frames_iter is None or index < self._next:
                self._restart()
            while True:
                try:
                    frame = next(self._frames_iter)
                except StopIteration:
                    raise CorruptVideoError(
                        self.path, f"frame {index}: the stream ends at {self._next}"
                    ) from None
                except av.FFmpegError as exc:
                    raise CorruptVideoError(
                        self.path, f"frame {self._next} cannot be decoded: {exc}"
                    ) from exc
                k = self._next
                self._next += 1
                rgb = frame.to_ndarray(format="rgb24")
                if rgb.shape[:2] != (self.rows, self.cols):
                    raise MediaError(
                        self.path, f"frame {k} is {rgb.shape[1]}x{rgb.shape[0]}, not {self.cols}x{self.rows}"
                    )
                if k == index:
                    return rgb
                rgb.setflags(write=False)  # frames passed on the way are kept (LRU-bounded)
                self._cache.put(k, rgb)

    def close(self) -> None:
        super().close()
        with self._lock:
            if self._container is not None:
                self._container.close()
                self._container = None
                self._frames_iter = None


def stream_fps(clip: DicomVideoClip) -> Fraction:
    """The clip's frame rate as a fraction (for re-encoding at the same timing)."""
    fps = clip.fps if clip.n_frames > 1 else DEFAULT_FPS
    return Fraction(fps).limit_denominator(1001)


def _text(ds: Dataset, keyword: str) -> str | None:
    value = ds.get(keyword)
    text = str(value).strip() if value is not None else ""
    return text or None
