"""The keyboard map, in one table, so the bindings and the Help listing can never disagree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shortcut:
    action: str  # name of the MainWindow handler
    keys: tuple[str, ...]  # QKeySequence strings
    description: str


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("toggle_play", ("Space",), "Play / pause the cine"),
    Shortcut("step_back", ("Left",), "Previous frame (pauses)"),
    Shortcut("step_forward", ("Right",), "Next frame (pauses)"),
    Shortcut("faster", ("Up",), "Faster playback"),
    Shortcut("slower", ("Down",), "Slower playback"),
    Shortcut("toggle_fullscreen", ("F",), "Fullscreen on / off"),
    Shortcut("leave_fullscreen", ("Esc",), "Leave fullscreen"),
    Shortcut("toggle_loop", ("L",), "Loop on / off"),
    Shortcut("toggle_loop_range", ("Shift+L",), "Play only the selected frame range, on / off"),
    Shortcut("range_start", ("[",), "Start the selected frame range at this frame"),
    Shortcut("range_end", ("]",), "End the selected frame range at this frame"),
    Shortcut(
        "answer_digit", tuple(str(d) for d in range(1, 10)), "Choose answer 1–9 of the current question"
    ),
    Shortcut(
        "next_question",
        ("PgDown", "J"),
        "Next question (a digit answer to a single choice moves on by itself)",
    ),
    Shortcut("previous_question", ("PgUp", "K"), "Previous question"),
    Shortcut("submit", ("Return", "Enter"), "Submit the answers / confirm"),
    Shortcut(
        "clear_answer",
        ("Backspace", "Delete"),
        "Clear the answer to the current question (before submitting)",
    ),
    Shortcut("next_case", ("N",), "Next case (after feedback)"),
    Shortcut("toggle_quality", ("Q",), "Show / hide the quality panel"),
    Shortcut("toggle_assist", ("A",), "Show / hide the lung-assist overlay (after submission in practice)"),
    Shortcut("undo", ("Ctrl+Z",), "Undo the last mark or measurement"),
    Shortcut("reset_view", ("0",), "Reset zoom, pan and window/level"),
    Shortcut("open_file", ("Ctrl+O",), "Open an ultrasound file (or drop it on the window)"),
    Shortcut("show_library", ("Ctrl+1",), "Library"),
    Shortcut("show_case", ("Ctrl+2",), "Case viewer / practice"),
    Shortcut("show_progress", ("Ctrl+3",), "Progress"),
    Shortcut("show_help", ("F1",), "This list"),
)

MOUSE_HELP: tuple[tuple[str, str], ...] = (
    ("Wheel", "Zoom about the pointer"),
    ("Right-drag", "Window (left/right) and level (up/down)"),
    ("Middle-drag, or left-drag with Pan", "Pan"),
    ("Double-click with Pan", "Reset the view"),
    ("Shift+drag on the timeline", "Select a frame range"),
    ("Polygon tool", "Click the corners, double-click to close"),
)
