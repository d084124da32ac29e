"""The keyboard map, in one table, so the bindings and the Help listing can never disagree."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_KEYED_OPTION = 19
"""Options 1-9 answer to their digit, 10-19 to Alt + their last digit ("Alt adds ten")."""


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
        "answer_digit_ten",
        tuple(f"Alt+{d}" for d in range(10)),
        "Choose answer 10–19 of the current question (Alt adds ten: Alt+0 is 10, Alt+4 is 14)",
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


def digit_for_key(action: str, key: str) -> int:
    """The answer number a digit key stands for: "3" is 3, "Alt+3" is 13, "Alt+0" is 10."""
    d = int(key[-1])
    return 10 + d if action == "answer_digit_ten" else d


def key_name(number: int) -> str:
    """The key shown beside option ``number`` (1-based): "1" … "9", "Alt+0" … "Alt+9", else ""."""
    if 1 <= number <= 9:
        return str(number)
    if 10 <= number <= MAX_KEYED_OPTION:
        return f"Alt+{number - 10}"
    return ""


def option_text(label: str, number: int) -> str:
    """The option's label without a leading copy of its own number.

    An ordinal scale may spell its grade in the label ("1 - No recognisable structures"); shown
    beside the key "1" that reads "1  1 - No recognisable structures", so the copy is dropped.
    A different leading number (a shuffled scale) is kept: it is information, not a copy.
    """
    m = re.match(rf"\s*{number}\s*[-–—:.)]\s+", label)
    return label[m.end() :] if m and label[m.end() :].strip() else label
