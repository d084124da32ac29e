"""De-identification of DICOM video (MPEG-2, H.264, HEVC in Pixel Data, syntaxes .100 to .108).

The stream is decoded frame by frame, everything outside the scan area is blacked out (the same
keep mask as any DICOM: Ultrasound Regions, else the detected area, minus text lines), the
header is cleaned like any DICOM, and the frames are re-encoded:

- lossless, as RLE Lossless RGB frames, when the decoded clip is at most ``LOSSLESS_MAX_BYTES`` (64 MiB)
  (the pixels are then exactly the masked decode of the source);
- otherwise as H.264 High Profile (1.2.840.10008.1.2.4.102) at ``H264_CRF`` (x264 constant
  rate factor; 18 is visually lossless), with Lossy Image Compression (0028,2110) "01", and the
  method (0028,2114) and ratio (0028,2112) of this compression appended to the source's.

The source stream was itself lossy: its method and ratio are recorded first (from its header,
or measured from its size when the header states none), so the history stays honest.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.encaps import encapsulate
from pydicom.uid import UID

from imgtrainer.deid.context import DeidContext, DeidResult
from imgtrainer.deid.header import HeaderCleaner, add_method_attributes, drop_unreadable
from imgtrainer.deid.pixels import keep_mask, store_frames
from imgtrainer.errors import DeidError, ImgTrainerError

LOSSLESS_MAX_BYTES = 64 * 1024 * 1024
"""Decoded clips up to this size (frames x rows x cols x 3 bytes: about 2 s of 640x480 at 30 fps)
are stored losslessly; RLE keeps them at roughly half to three quarters of that on disk."""
H264_CRF = 18
"""x264 constant rate factor of the lossy re-encode (0 lossless .. 51; 18 is visually lossless)."""
H264_SYNTAX = "1.2.840.10008.1.2.4.102"
_METHOD = {"mpeg2video": "ISO_13818_2", "h264": "ISO_14496_10", "hevc": "ISO_23008_2"}
_SAMPLE_FRAMES = 32


def _multi(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (str, bytes, int, float)):
        return [str(value)]
    return [str(v) for v in value]


def _sample(clip: Any) -> np.ndarray:
    """Up to 32 evenly spread frames (enough for scan-area detection and text-line cuts)."""
    idx = np.unique(np.linspace(0, clip.n_frames - 1, min(_SAMPLE_FRAMES, clip.n_frames)).round())
    return np.stack([clip.frame(int(i)) for i in idx])


def _source_compression(ds: Any, clip: Any) -> tuple[list[str], list[str]]:
    """Method and ratio history of the source stream (measured when the header lacks them)."""
    methods = _multi(ds.get("LossyImageCompressionMethod"))
    ratios = _multi(ds.get("LossyImageCompressionRatio"))
    if not methods or len(ratios) != len(methods):
        raw = clip.n_frames * clip.rows * clip.cols * 3 / 2  # 8-bit 4:2:0, as the stream holds it
        methods = [_METHOD.get(str(clip.info.extra.get("codec")), "ISO_14496_10")]
        ratios = [f"{raw / max(1, len(clip.stream)):.2f}"]
    return methods, ratios


def encode_h264(frames: Any, n: int, rows: int, cols: int, fps: float, crf: int = H264_CRF) -> bytes:
    """H.264 High Profile Annex-B elementary stream of ``n`` RGB frames (yuv420p, even size)."""
    import av

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="h264") as out:
        stream = out.add_stream("libx264", rate=max(1, round(fps)))
        stream.width, stream.height, stream.pix_fmt = cols, rows, "yuv420p"
        stream.options = {"crf": str(crf), "profile": "high", "level": "4.1", "preset": "medium"}
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def _masked_frames(clip: Any, outside: np.ndarray, pad: tuple[int, int]) -> Any:
    for i in range(clip.n_frames):
        f = np.array(clip.frame(i), copy=True)
        f[outside] = 0
        if pad != (0, 0):
            f = np.pad(f, ((0, pad[0]), (0, pad[1]), (0, 0)))
        yield f


def _store_lossless(ds: Any, clip: Any, outside: np.ndarray) -> str:
    frames = np.empty((clip.n_frames, clip.rows, clip.cols, 3), np.uint8)
    for i, f in enumerate(_masked_frames(clip, outside, (0, 0))):
        frames[i] = f
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    return store_frames(ds, frames, rle=True)


def _store_h264(ds: Any, clip: Any, outside: np.ndarray, crf: int) -> str:
    pad = (clip.rows % 2, clip.cols % 2)  # 4:2:0 needs even sizes: one black row/column added
    rows, cols = clip.rows + pad[0], clip.cols + pad[1]
    stream = encode_h264(_masked_frames(clip, outside, pad), clip.n_frames, rows, cols, clip.fps, crf)
    ds.Rows, ds.Columns = rows, cols
    ds.PhotometricInterpretation = "YBR_PARTIAL_420"
    ds.PixelData = encapsulate([stream])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.file_meta.TransferSyntaxUID = UID(H264_SYNTAX)
    return f"{UID(H264_SYNTAX).name} (x264 CRF {crf})"


def _set_pixel_module(ds: Any, clip: Any) -> None:
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = clip.n_frames


def deidentify_video_dicom(src: Path, out_dir: Path, ctx: DeidContext, *, crf: int = H264_CRF) -> DeidResult:
    """One video DICOM -> masked, header-cleaned, re-encoded DICOM in ``out_dir`` or quarantine."""
    from imgtrainer.deid.outcome import dataset_bytes, quarantine
    from imgtrainer.deid.pipeline import _file_meta
    from imgtrainer.fileio import atomic_write_bytes
    from imgtrainer.media.dicom_video import DicomVideoClip

    where = src.name
    report: dict[str, Any] = {}
    try:
        with DicomVideoClip(src, cache_mb=64) as clip:
            ds = pydicom.dcmread(src, force=True)
            report["transfer_syntax_in"] = UID(clip.info.transfer_syntax or "").name
            report["size_in_bytes"] = int(Path(src).stat().st_size)
            report["unreadable_elements_removed"] = drop_unreadable(ds)
            methods, ratios = _source_compression(ds, clip)
            keep = keep_mask(
                ds, _sample(clip), ctx.options.min_scan_confidence, where, ctx.options.manual_keep_box
            )
            outside = ~keep.mask
            cleaner = HeaderCleaner(ds, ctx)
            cleaner.clean(ds)
            _set_pixel_module(ds, clip)
            raw = clip.n_frames * clip.rows * clip.cols * 3
            if raw <= LOSSLESS_MAX_BYTES:
                report["transfer_syntax_out"] = _store_lossless(ds, clip, outside)
                lossless = True
            else:
                report["transfer_syntax_out"] = _store_h264(ds, clip, outside, crf)
                lossless = False
                coded = len(b"".join(pydicom.encaps.generate_fragments(ds.PixelData)))
                methods.append("ISO_14496_10")
                ratios.append(f"{raw / 2 / max(1, coded):.2f}")  # against 8-bit 4:2:0, as coded
            ds.LossyImageCompression = "01"  # the source stream was lossy: never reset
            ds.LossyImageCompressionMethod = methods
            ds.LossyImageCompressionRatio = ratios
            report["pixels"] = {
                "frames": int(clip.n_frames),
                "codec_in": clip.info.extra.get("codec"),
                "kept_area": keep.to_dict(),
                "masked_fraction": round(float(outside.mean()), 4),
                "re_encoding": "lossless (RLE)" if lossless else f"lossy H.264, CRF {crf}",
                "lossy_compression_method": methods,
                "lossy_compression_ratio": ratios,
            }
        add_method_attributes(ds, ctx.options.mask_pixels, cleaner.counts["dates_shifted"] > 0)
        ds.BurnedInAnnotation = "YES"  # pending faculty review; approve() sets NO
        ds.file_meta = _file_meta(ds, ds.file_meta.TransferSyntaxUID)
        ds.preamble = b"\x00" * 128
        report["header"] = cleaner.report()
        left = cleaner.residual_identity(ds)
        if left:
            report["residual_identity"] = [h.reason() for h in left]
            raise DeidError(
                f"{where}: {left[0].reason()}" + (f" (and {len(left) - 1} more)" if len(left) > 1 else "")
            )
        data = dataset_bytes(ds)
    except DeidError as exc:
        return quarantine(src, out_dir, ctx, str(exc), report)
    except ImgTrainerError as exc:
        return quarantine(src, out_dir, ctx, f"{where}: video cannot be decoded ({exc})", report)
    except Exception as exc:  # never let one bad file stop an import
        return quarantine(
            src, out_dir, ctx, f"{where}: cannot be de-identified ({type(exc).__name__}: {exc})", report
        )
    out = out_dir / f"{ctx.file_stem(f'{ds.SOPInstanceUID}|{src.resolve()}')}.dcm"
    atomic_write_bytes(out, data)
    report["size_out_bytes"] = len(data)
    report["review"] = "pending"
    return DeidResult(src, "cleaned", out, None, report)
