"""An exam works on a video DICOM case: the package carries the H.264 stream unchanged (text
scrubbed), and the candidate's copy opens and decodes every frame."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom

from imgtrainer.exams.session import ExamSession
from imgtrainer.library.case_io import load_case, save_case
from imgtrainer.library.importer import sha256_file
from imgtrainer.library.models import MediaRef
from imgtrainer.media import open_clip
from tests.exams._cases import make_library
from tests.exams.conftest import PASS, FakeClock, FakeWall, make_package
from tests.intake.video_factory import CLIPS, make_video_dicom


def test_exam_on_a_video_dicom_case(tmp_path: Path) -> None:
    folders = make_library(tmp_path / "lib", 2)
    folder = folders[0]
    with open_clip(CLIPS[2]) as clip:  # the case's 64x48 frame size, real lung texture
        frames = np.stack([np.ascontiguousarray(clip.frame(i)[100:148, 100:164]) for i in range(12)])
    video = folder / "media" / "clip.dcm"
    video.unlink()
    make_video_dicom(CLIPS[2], video, "h264", pixels=frames,
                     plant=lambda ds: setattr(ds, "SeriesDescription", "B-lines, secret"))  # fmt: skip
    case = load_case(folder)
    save_case(
        folder,
        case.model_copy(update={"media": [MediaRef(path="media/clip.dcm", sha256=sha256_file(video))]}),
    )
    pkg = make_package(folders, tmp_path / "exam.itexam", time_limit_s=600)
    session = ExamSession.open(pkg, "alice", home=tmp_path / "cand", clock=FakeClock(), wall=FakeWall())
    session.start(PASS)
    opened = 0
    for i in range(len(folders)):
        for path in session.media_paths(i):
            if path.suffix != ".dcm":
                continue
            ds = pydicom.dcmread(path, stop_before_pixels=True)
            if ds.file_meta.TransferSyntaxUID != "1.2.840.10008.1.2.4.102":
                continue
            assert "secret" not in json.dumps(ds.to_json_dict())  # free text scrubbed for the exam
            with open_clip(path) as clip:
                assert clip.n_frames == 12 and (clip.rows, clip.cols) == (48, 64)
                for k in (0, 11, 5):
                    assert clip.frame(k).shape == (48, 64, 3)
            opened += 1
    assert opened == 1
