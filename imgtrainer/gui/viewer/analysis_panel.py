"""Quality panel: the advisory quality score, ACEP estimate, components and plain reasons for the
clip in the viewer. Computed on a worker thread from its own copy of the clip."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QGridLayout, QGroupBox, QLabel, QProgressBar, QScrollArea, QVBoxLayout, QWidget

from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.media.clip import Clip
from imgtrainer.screens.viewer.state import ViewerState

COMPONENT_LABELS = {
    "gain": "Gain",
    "brightness": "Brightness",
    "contrast": "Contrast",
    "sharpness": "Sharpness",
    "noise": "Noise",
    "depth": "Depth use",
    "contact": "Probe contact",
    "motion": "Probe motion",
    "jitter": "Steadiness",
    "duration": "Clip length",
    "fps": "Frame rate",
    "frozen": "Live frames",
}


def _assess(clip: Clip) -> Any:
    """Assess on a separate reader of the same file, so the viewer's decoder is never shared."""
    from imgtrainer.analysis.quality import assess_quality
    from imgtrainer.media import open_clip

    if clip.path is not None and clip.info.kind != "array":
        with open_clip(clip.path, cache_mb=64) as own:
            return assess_quality(own)
    return assess_quality(clip)


class QualityPanel(QScrollArea):
    """Shown when ``state.show_quality``; recomputed when the clip changes."""

    def __init__(self, state: ViewerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.report: Any = None
        self._for: Clip | None = None
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        box = QGroupBox("Image quality (advisory)", self)
        self.setWidget(box)
        layout = QVBoxLayout(box)
        self.headline = QLabel("", box)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.headline)
        self.grid = QGridLayout()
        layout.addLayout(self.grid)
        self.reasons = QLabel("", box)
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.reasons)
        self.setVisible(False)
        state.changed.connect(self._on_state)

    def _on_state(self, topic: str) -> None:
        st = self.state
        if topic in ("overlay", "clip"):
            self.setVisible(st.show_quality and st.clip is not None)
            if self.isVisibleTo(self.parentWidget()) and st.clip is not None and st.clip is not self._for:
                self._compute(st.clip)

    def _compute(self, clip: Clip) -> None:
        self._for = clip
        self.report = None
        self.headline.setText("Assessing image quality…")
        self.reasons.setText("")

        def done(report: Any, for_clip: Clip = clip) -> None:
            if for_clip is self.state.clip:
                self.show_report(report)

        def fail(exc: BaseException) -> None:
            self.headline.setText(f"Quality could not be assessed: {exc}")

        run_async(lambda: _assess(clip), done, fail)

    def show_report(self, report: Any) -> None:
        self.report = report
        colour = (
            palette.GOOD if report.score >= 70 else (palette.EXPERT if report.score >= 45 else palette.BAD)
        )
        self.headline.setText(
            f"<span style='font-size:14pt; color:{colour}'><b>{report.score:.0f}</b>/100</span>"
            f" &nbsp; ACEP estimate <b>{report.acep}</b>/5"
        )
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        box = self.widget()
        for r, (name, value) in enumerate(sorted(report.components.items(), key=lambda kv: kv[1])):
            self.grid.addWidget(
                QLabel(COMPONENT_LABELS.get(name, name.replace("_", " ").capitalize()), box), r, 0
            )
            bar = QProgressBar(box)
            bar.setRange(0, 100)
            bar.setValue(round(value * 100))
            bar.setFormat(f"{value * 100:.0f}")
            bar.setMaximumHeight(14)
            if value < 0.6:
                bar.setStyleSheet(f"QProgressBar::chunk {{ background: {palette.BAD}; }}")
            self.grid.addWidget(bar, r, 1)
        items = report.reasons or ["no problem found"]
        notes = "".join(f"<li>{r}</li>" for r in items)
        warn = "".join(f"<li style='color:{palette.TEXT_DIM}'>{w}</li>" for w in report.warnings)
        self.reasons.setText(
            f"<b>Why</b><ul style='margin-left:-20px'>{notes}{warn}</ul>"
            f"<span style='color:{palette.TEXT_DIM}'>An educational estimate, not a verdict.</span>"
        )
