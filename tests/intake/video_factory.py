"""Video DICOMs for tests: ffmpeg encodes a shared lung clip, pydicom encapsulates the stream.

``make_video_dicom(mp4, out, codec)`` writes MPEG-2 (.100), H.264 (.102) or HEVC (.107) DICOM
and returns the elementary stream path (the reference for ffmpeg decodes) and frame count.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import generate_uid

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CLIPS = sorted((DATA / "lung-blus" / "lus_videos").glob("*.mp4"))

CODECS = {
    "mpeg2": ("1.2.840.10008.5.1.4.1.1.77.1.4.1", "1.2.840.10008.1.2.4.100",
              ["-c:v", "mpeg2video", "-q:v", "3"], "mpeg2video", ".m2v"),
    "h264": ("1.2.840.10008.5.1.4.1.1.77.1.4.1", "1.2.840.10008.1.2.4.102",
             ["-c:v", "libx264", "-profile:v", "high", "-level", "4.1", "-bsf:v", "h264_mp4toannexb"], "h264", ".h264"),
    "hevc": ("1.2.840.10008.5.1.4.1.1.77.1.4.1", "1.2.840.10008.1.2.4.107",
             ["-c:v", "libx265", "-x265-params", "log-level=error", "-bsf:v", "hevc_mp4toannexb"], "hevc", ".hevc"),
}  # fmt: skip


def encode_stream(mp4: Path, out: Path, codec: str, frames: int = 40, scale: str | None = None) -> Path:
    _sop, _ts, args, fmt, suffix = CODECS[codec]
    es = out.with_suffix(suffix)
    vf = ["-vf", scale] if scale else []
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(mp4), "-frames:v", str(frames), *vf, "-pix_fmt", "yuv420p",
         *args, "-f", fmt, str(es)], check=True,
    )  # fmt: skip
    return es


def encode_frames(frames, es: Path, codec: str, fps: int = 25) -> Path:
    """Encode RGB frames ``(n, rows, cols, 3)`` uint8 with the ffmpeg CLI into an elementary stream."""
    _sop, _ts, args, fmt, _suffix = CODECS[codec]
    _n, rows, cols, _ = frames.shape
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{cols}x{rows}",
         "-r", str(fps), "-i", "-", "-pix_fmt", "yuv420p", *args, "-f", fmt, str(es)],
        input=frames.tobytes(), check=True,
    )  # fmt: skip
    return es


def ffprobe_frames(es: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=nb_read_frames,width,height,r_frame_rate", "-of", "json", str(es)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out)["streams"][0]


def make_video_dicom(
    mp4: Path,
    out: Path,
    codec: str = "h264",
    frames: int = 40,
    plant=None,
    sop_class: str | None = None,
    scale: str | None = None,
    study_uid: str | None = None,
    series_uid: str | None = None,
    pixels=None,
) -> tuple[Path, int]:
    """Write ``out`` (video DICOM) from ``mp4`` (or from RGB ``pixels``); ``plant(ds)`` may add PHI
    and regions. Returns (elementary stream, frames)."""
    sop, ts, _args, _fmt, suffix = CODECS[codec]
    if pixels is not None:
        es = encode_frames(pixels, out.with_suffix(suffix), codec)
    else:
        es = encode_stream(mp4, out, codec, frames, scale)
    probe = ffprobe_frames(es)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ts
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop_class or sop
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.Modality = "US"
    ds.StudyDescription = "Lung ultrasound"
    ds.Rows, ds.Columns = int(probe["height"]), int(probe["width"])
    ds.NumberOfFrames = int(probe["nb_read_frames"])
    num, den = (int(v) for v in probe["r_frame_rate"].split("/"))
    ds.FrameTime = round(1000 * den / num, 4)
    ds.FrameIncrementPointer = 0x00181063
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "YBR_PARTIAL_420"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.LossyImageCompression = "01"
    if plant is not None:
        plant(ds)
    ds.PixelData = encapsulate([es.read_bytes()])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.save_as(out, enforce_file_format=True)
    return es, int(probe["nb_read_frames"])
