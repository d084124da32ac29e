"""Screenshot of the import-review page with the DICOM receiver running and received cases.

    xvfb-run -a -s "-screen 0 1600x1000x24" python3 docs/screenshots/intake_screenshots.py

Starts a real receiver on 127.0.0.1 for a throw-away library, sends three H.264 video DICOMs
made from the shared lung clips (planted, fake identities) with pynetdicom, shows the page,
saves ``faculty_receiver_arrivals.png`` and stops the receiver. Then plays an HEVC video DICOM
in the viewer for 2.5 s and saves ``viewer_video_dicom.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["IMGTRAINER_HOME"] = tempfile.mkdtemp(prefix="imgtrainer-intake-shots-")
ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = str(ROOT)


def main() -> None:
    from pydicom.uid import generate_uid

    from imgtrainer.gui.style import make_app
    from imgtrainer.screens.faculty.arrivals import ReceiverControl, ReceiverSettings
    from tests.intake.conftest import SCU_AE, echo, free_port, pynetdicom_send
    from tests.intake.phi import plant
    from tests.intake.video_factory import CLIPS, make_video_dicom

    tmp = Path(tempfile.mkdtemp())
    lib = tmp / "library"
    control = ReceiverControl(lib)
    port = free_port()
    control.start(ReceiverSettings(port=port, allow=(f"{SCU_AE}@127.0.0.1", "PACS@10.20.0.0/24")))
    try:
        while not (control.running() and echo(port, SCU_AE)):
            time.sleep(0.2)
        study, series = generate_uid(), generate_uid()
        files = []
        for k in range(3):
            f = tmp / f"clip{k}.dcm"

            def described(ds, k=k):
                plant(ds)
                ds.SeriesDescription = "Lung, left anterior" if k < 2 else "Lung, right lateral"

            make_video_dicom(CLIPS[10 + k], f, "h264", frames=20, plant=described, study_uid=study,
                             series_uid=series if k < 2 else None)  # fmt: skip
            files.append(f)
        pynetdicom_send(port, files)
        while "3 filed" not in control.describe():
            time.sleep(0.3)
        app = make_app()
        from imgtrainer.gui.faculty.import_review import ImportReviewPage

        page = ImportReviewPage(lib, "dr_a", Path(os.environ["IMGTRAINER_HOME"]))
        page.resize(1500, 900)
        page.show()
        end = time.monotonic() + 5
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)
        page.grab().save(str(OUT / "faculty_receiver_arrivals.png"))
        print("faculty_receiver_arrivals.png")
        page.close()
    finally:
        control.stop()


def viewer() -> None:
    from imgtrainer.gui.style import make_app
    from imgtrainer.gui.viewer.cine_viewer import CineViewer
    from imgtrainer.media import open_clip
    from tests.intake.video_factory import CLIPS, make_video_dicom

    app = make_app()
    path = Path(tempfile.mkdtemp()) / "hevc.dcm"
    make_video_dicom(CLIPS[6], path, "hevc", frames=50)
    v = CineViewer()
    v.resize(1000, 800)
    v.show()
    v.state.set_clip(open_clip(path))
    v.state.toggle_play()
    end = time.monotonic() + 2.5
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    v.grab().save(str(OUT / "viewer_video_dicom.png"))
    print("viewer_video_dicom.png")
    v.close()


if __name__ == "__main__":
    main()
    viewer()
