"""A kill during autosave leaves no torn file: each write is temp file + fsync + os.replace."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

_WRITER = r"""
import sys
from pathlib import Path
from imgtrainer.annotate.session import AnnotationSession
from imgtrainer.library.models import Mark
s = AnnotationSession(Path(sys.argv[1]), "dr_a")
i = 0
print("ready", flush=True)
while True:
    i += 1
    s.add_mark("b_line_marks", Mark(type="polygon", points=[(j % 150, (j * 7) % 110) for j in range(200)], frame=i % 30))
"""


def test_sigkill_during_autosave_never_tears_the_key(case_folder: Path) -> None:
    rng = random.Random(7)
    key_file = case_folder / "keys" / "dr_a.json"
    kills = 0
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(case_folder)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        if key_file.exists():
            data = json.loads(key_file.read_text())  # must parse: never half-written
            assert data["rater"] == "dr_a"
    leftovers = [p.name for p in key_file.parent.iterdir() if p.name != "dr_a.json"]
    assert kills == 12 and key_file.exists()
    # Temp files of a killed write may remain, but never under the key's own name.
    assert all(name.endswith(".tmp") for name in leftovers)
