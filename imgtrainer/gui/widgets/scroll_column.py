"""A rich-text header over a vertically scrolling column: the layout of every question panel."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget


@dataclass
class ScrollColumn:
    header: QLabel
    scroll: QScrollArea
    inner: QWidget
    inner_layout: QVBoxLayout


def add_scroll_column(parent: QWidget, layout: QVBoxLayout) -> ScrollColumn:
    """Add a word-wrapped header and a scroll area (no horizontal bar) to ``layout``."""
    header = QLabel("", parent)
    header.setWordWrap(True)
    header.setTextFormat(Qt.TextFormat.RichText)
    layout.addWidget(header)
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    inner = QWidget(scroll)
    inner_layout = QVBoxLayout(inner)
    inner_layout.setContentsMargins(0, 0, 4, 0)
    scroll.setWidget(inner)
    layout.addWidget(scroll, 1)
    return ScrollColumn(header, scroll, inner, inner_layout)
