"""The cine viewer panel: tool bar, image, transport bar and timeline, all bound to ViewerState."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QActionGroup
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.viewer.assist_overlay import AssistOverlay
from imgtrainer.gui.viewer.cine_view import CineView
from imgtrainer.gui.viewer.mmode_strip import MModeStrip
from imgtrainer.gui.viewer.player import Player
from imgtrainer.gui.viewer.timeline import Timeline
from imgtrainer.screens.viewer.playback import SPEEDS
from imgtrainer.screens.viewer.state import ViewerState

TOOL_LABELS: dict[str, tuple[str, str]] = {
    "navigate": ("Pan", "Drag to pan, wheel to zoom, double-click to reset (right-drag: window/level)"),
    "window_level": ("W/L", "Drag: right/left = window, up/down = level"),
    "distance": ("Distance", "Calibrated distance caliper (cm)"),
    "ellipse": ("Ellipse", "Ellipse area caliper (cm²): drag the bounding box"),
    "trace": ("Trace", "Traced area caliper (cm²): drag around the outline"),
    "mmode": ("M-mode", "Drag an M-mode line: the strip appears beside the image"),
    "point": ("Point", "Mark a point"),
    "line": ("Line", "Mark a line (drag)"),
    "polygon": ("Polygon", "Mark a polygon: click the corners, double-click to close"),
}


class CineViewer(QWidget):
    """Image + controls. ``state`` is the single source of truth; widgets only reflect it."""

    def __init__(self, state: ViewerState | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state or ViewerState()
        self.player = Player(self.state, self)
        self.view = CineView(self.state, self)
        self.assist = AssistOverlay(self.view)
        self.timeline = Timeline(self.state, self)
        self.tools = self._build_tools()
        self.transport = self._build_transport()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.tools)
        self.mmode_strip = MModeStrip(self.state, self)
        self.image_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.image_split.addWidget(self.view)
        self.image_split.addWidget(self.mmode_strip)
        self.image_split.setStretchFactor(0, 3)
        self.image_split.setStretchFactor(1, 2)
        layout.addWidget(self.image_split, 1)
        layout.addWidget(self.timeline)
        layout.addWidget(self.transport)
        self.state.changed.connect(self._on_state)
        self._on_state("clip")

    def _build_tools(self) -> QToolBar:
        bar = QToolBar("Tools", self)
        bar.setObjectName("viewerTools")
        group = QActionGroup(self)
        self.tool_actions = {}
        for tool, (label, tip) in TOOL_LABELS.items():
            act = bar.addAction(label)
            act.setCheckable(True)
            act.setToolTip(tip)
            act.setData(tool)
            act.triggered.connect(lambda _=False, t=tool: self.state.set_tool(t))
            group.addAction(act)
            self.tool_actions[tool] = act
            if tool in ("window_level", "mmode"):
                bar.addSeparator()
        bar.addSeparator()
        undo = bar.addAction("Undo")
        undo.setToolTip("Remove the last mark or measurement (Ctrl+Z)")
        undo.triggered.connect(self.state.undo)
        clear = bar.addAction("Clear")
        clear.setToolTip("Remove all marks and measurements")
        clear.triggered.connect(self.state.clear_annotations)
        reset = bar.addAction("Reset view")
        reset.setToolTip("Zoom 1×, no pan, full window/level")
        reset.triggered.connect(self.state.reset_view)
        return bar

    def _build_transport(self) -> QWidget:
        box = QWidget(self)
        box.setObjectName("transport")
        row = QHBoxLayout(box)
        row.setContentsMargins(6, 0, 6, 4)
        self.prev_button = QPushButton("◀︎ Step", box)
        self.prev_button.setToolTip("Previous frame (Left)")
        self.prev_button.clicked.connect(lambda: self.state.step(-1))
        self.play_button = QPushButton("Play", box)
        self.play_button.setObjectName("playButton")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.state.toggle_play)
        self.next_button = QPushButton("Step ▶︎", box)
        self.next_button.setToolTip("Next frame (Right)")
        self.next_button.clicked.connect(lambda: self.state.step(+1))
        self.speed_box = QComboBox(box)
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}×", s)
        self.speed_box.setToolTip("Playback speed (Up / Down)")
        self.speed_box.activated.connect(lambda i: self.state.set_speed(self.speed_box.itemData(i)))
        self.loop_box = QCheckBox("Loop", box)
        self.loop_box.setToolTip("Loop the cine (L)")
        self.loop_box.toggled.connect(self.state.set_loop)
        self.range_box = QCheckBox("Range only", box)
        self.range_box.setToolTip("Play only the selected frame range, set with [ and ] (Shift+L)")
        self.range_box.toggled.connect(self.state.set_loop_range)
        self.frame_label = QLabel("", box)
        self.frame_label.setObjectName("frameLabel")
        self.full_button = QPushButton("Fullscreen", box)
        self.full_button.setToolTip("Fullscreen (F, Esc to leave)")
        self.full_button.clicked.connect(lambda: self.state.set_fullscreen(not self.state.fullscreen))
        for w in (self.prev_button, self.play_button, self.next_button):
            row.addWidget(w)
        row.addWidget(QLabel("Speed", box))
        row.addWidget(self.speed_box)
        row.addWidget(self.loop_box)
        row.addWidget(self.range_box)
        row.addStretch(1)
        row.addWidget(self.frame_label)
        row.addWidget(self.full_button)
        return box

    def _on_state(self, topic: str) -> None:
        st = self.state
        if topic in ("clip", "playing"):
            self.play_button.setText("Pause" if st.playing else "Play")
        if topic in ("clip", "speed"):
            idx = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - st.speed))
            self.speed_box.setCurrentIndex(idx)
        if topic in ("clip", "loop"):
            for box, on in ((self.loop_box, st.loop), (self.range_box, st.loop_range)):
                box.blockSignals(True)
                box.setChecked(on)
                box.blockSignals(False)
        if topic in ("clip", "range", "loop"):
            self.range_box.setEnabled(st.frame_range is not None or st.loop_range)
        if topic in ("clip", "tool"):
            act = self.tool_actions.get(st.tool)
            if act is not None:
                act.setChecked(True)
        if topic in ("clip", "frame", "range"):
            text = f"{st.index + 1} / {st.n_frames}" if st.n_frames else "no clip"
            if st.frame_range is not None:
                text += f"   range {st.frame_range[0] + 1}–{st.frame_range[1] + 1}"
            self.frame_label.setText(text)
        if topic == "clip":
            enabled = st.clip is not None
            for w in (self.prev_button, self.play_button, self.next_button, self.speed_box):
                w.setEnabled(enabled)
