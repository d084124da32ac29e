"""Library browser: search and filters, case thumbnails (animated on hover), open or practise.

Binds to ``LibraryState``; queries and thumbnails run on worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QSize, Qt, QTimer
from PyQt6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.screens import services
from imgtrainer.screens.context import AppContext
from imgtrainer.screens.labels import DOMAIN_TITLES, PROBE_TITLES, case_label
from imgtrainer.screens.library import STATUS_CHOICES, STATUS_LABELS, LibraryState, grid_columns

THUMB_SIZE = (192, 144)  # must match imgtrainer.screens.thumbnails.THUMB_SIZE (imported lazily: cv2)
CELL_MIN_W, CELL_H = THUMB_SIZE[0] + 28, THUMB_SIZE[1] + 70  # grid cell, pixels
_PATH_ROLE = Qt.ItemDataRole.UserRole
_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _pixmap(rgb: np.ndarray) -> QPixmap:
    arr = np.ascontiguousarray(rgb)
    img = QImage(arr.data, arr.shape[1], arr.shape[0], arr.strides[0], QImage.Format.Format_RGB888)
    return QPixmap.fromImage(img.copy())


DIFFICULTY_WORDS = {1: "easy", 2: "medium", 3: "hard"}


def card_text(c: Any, badge: str) -> tuple[str, str]:
    """A library card's text and tooltip. A case the trainee has not finished shows only a neutral
    label, difficulty and probe: its title, id, tags and findings would give the answers away."""
    dots = "●" * c.difficulty + " " + DIFFICULTY_WORDS.get(c.difficulty, "")
    if not badge:
        probe = PROBE_TITLES.get(c.probe, c.probe)
        text = f"{case_label(c.id)}\n{dots} · {probe}"
        tip = (
            f"{case_label(c.id)}: not done yet\n{dots}, {probe}\n"
            "Its title and findings are shown once you have submitted it."
        )
        return text, tip
    mark = {"correct": "✔ ", "wrong": "✘ "}.get(badge, "")
    text = f"{mark}{c.title}\n{DOMAIN_TITLES.get(c.domain, c.domain)} · {dots}"
    last = "right" if badge == "correct" else "wrong"
    tip = (
        f"{c.title}\n{c.id} ({case_label(c.id)})\nlast attempt: {last}\n"
        f"view: {c.view or '—'}\nfindings: {', '.join(c.findings) or '—'}"
    )
    return text, tip


class LibraryBrowser(QWidget):
    """``on_open(folder)`` is called when the trainee opens a case; ``on_practice()`` for the queue."""

    def __init__(
        self, ctx: AppContext, state: LibraryState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = state or LibraryState()
        self.on_open: Callable[[Path], None] | None = None
        self.on_practice: Callable[[], None] | None = None
        self._thumbs: dict[str, QIcon] = {}
        self._previews: dict[str, tuple[list[QIcon], float]] = {}
        self._hover: QListWidgetItem | None = None
        self._hover_step = 0
        self._scanned = False
        self._scan_problems: list = []
        self._query_serial = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addLayout(self._build_filters())
        self.list = QListWidget(self)
        self.list.setObjectName("caseGrid")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(QSize(*THUMB_SIZE))
        self.list.setGridSize(QSize(CELL_MIN_W, CELL_H))  # widened to fill the row on resize
        self.list.setWordWrap(True)
        self.list.setSpacing(6)
        self.list.setMouseTracking(True)
        self.list.itemEntered.connect(self._start_hover)
        self.list.itemActivated.connect(self._activated)
        self.list.viewport().installEventFilter(self)
        layout.addWidget(self.list, 1)
        self.status = QLabel("Loading the library…", self)
        self.status.setObjectName("hint")
        layout.addWidget(self.status)
        self._hover_timer = QTimer(self)
        self._hover_timer.timeout.connect(self._hover_tick)
        self.state.changed.connect(self._on_state)

    # filter bar ---------------------------------------------------------------------------------------
    def _build_filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search title, tags, findings…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda t: self.state.set_filter("text", t))
        self.domain_box = self._combo(
            "Application", [(None, "All applications"), *list(DOMAIN_TITLES.items())], "domain"
        )
        self.view_box = self._combo("View", [(None, "All views")], "view")
        self.finding_box = self._combo("Finding", [(None, "All findings")], "finding")
        self.difficulty_box = self._combo(
            "Difficulty",
            [(None, "Any difficulty"), (1, "● easy"), (2, "●● medium"), (3, "●●● hard")],
            "difficulty",
        )
        self.status_box = self._combo("Done", [(s, STATUS_LABELS[s]) for s in STATUS_CHOICES], "status")
        self.practice_button = QPushButton("Practise next case ▶", self)
        self.practice_button.setObjectName("primary")
        self.practice_button.setToolTip(
            "Open the next case from your adaptive queue (due reviews, then new findings)"
        )
        self.practice_button.clicked.connect(lambda: self.on_practice() if self.on_practice else None)
        self.search.setMinimumWidth(220)
        row.addWidget(self.search, 2)
        for box in (self.domain_box, self.view_box, self.finding_box, self.difficulty_box, self.status_box):
            row.addWidget(box, 1)
        row.addWidget(self.practice_button)
        self._fill_vocabulary()
        return row

    def _combo(self, tip: str, items: list[tuple[Any, str]], name: str) -> QComboBox:
        box = QComboBox(self)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(10)
        box.setToolTip(tip)
        box.setAccessibleName(tip)
        for value, label in items:
            box.addItem(label, value)
        box.activated.connect(lambda i, b=box, n=name: self.state.set_filter(n, b.itemData(i)))
        return box

    def _fill_vocabulary(self) -> None:
        """Load the taxonomies off the GUI thread, then fill the view and finding filters."""
        self._taxonomies: dict = {}
        self._refill_views()

        def work() -> dict:
            from imgtrainer.library.taxonomy_io import load_all_taxonomies

            return load_all_taxonomies()

        run_async(work, self._vocabulary_loaded, lambda _exc: None)  # filters still work without labels

    def _vocabulary_loaded(self, taxonomies: dict) -> None:
        """Views of the chosen application only; findings of every application."""
        self._taxonomies = taxonomies
        self._refill_views()
        seen: dict[str, str] = {}
        for tax in self._taxonomies.values():
            for f in tax.findings:
                if not f.distractor:
                    seen.setdefault(f.id, f.label)
        for fid, label in sorted(seen.items(), key=lambda kv: kv[1].lower()):
            self.finding_box.addItem(label, fid)

    def _refill_views(self) -> None:
        self._views_domain = self.state.filters.domain
        self.view_box.clear()
        self.view_box.addItem("All views", None)
        domain = self.state.filters.domain
        for dom, tax in sorted(self._taxonomies.items()):
            if domain in (None, dom):
                for v in tax.views:
                    self.view_box.addItem(
                        v.label if domain else f"{DOMAIN_TITLES.get(dom, dom)}: {v.label}", v.id
                    )

    # queries ------------------------------------------------------------------------------------------
    def rescan(self) -> None:
        """Scan the library folder into the index again (cases changed on disk), then search."""
        self._scanned = False
        self.refresh()

    def refresh(self) -> None:
        """Re-run the search (scanning the library folder into the index first, once)."""
        self.state.busy = True
        self._query_serial += 1
        serial = self._query_serial
        criteria = self.state.filters.criteria()
        first = not self._scanned

        def work() -> tuple[int, list, dict, Any]:
            report = services.scan_library(self.ctx) if first else None
            return (
                serial,
                services.search_cases(self.ctx, **criteria),
                services.last_results(self.ctx),
                report,
            )

        run_async(work, self._results, lambda exc: self.state.set_error(str(exc)))

    def _results(self, result: tuple) -> None:
        serial, cases, last, report = result
        if report is not None:
            self._scanned = True
            self._scan_problems = list(getattr(report, "failed", []))
        if serial == self._query_serial:
            self.state.set_results(cases, last)

    def _on_state(self, topic: str) -> None:
        if topic == "filters":
            if self.state.filters.domain != self._views_domain:
                self._refill_views()
            self.refresh()
        elif topic == "results":
            self._show_results()

    def _show_results(self) -> None:
        st = self.state
        self.list.clear()
        self._hover = None
        self._hover_timer.stop()
        if st.error:
            self.status.setText(f"Cannot read the library: {st.error}")
            return
        # ordered by the neutral label, not by id: neighbours of a done case would hint at the rest
        for c in sorted(st.cases, key=lambda c: case_label(c.id)):
            badge = st.badge(c.id)
            text, tip = card_text(c, badge)
            item = QListWidgetItem(self._thumbs.get(c.id, QIcon()), text)
            item.setSizeHint(self.list.gridSize() - QSize(8, 8))
            item.setData(_PATH_ROLE, c.path)
            item.setData(_ID_ROLE, c.id)
            item.setToolTip(tip)
            if badge:
                item.setForeground(QBrush(QColor(palette.GOOD if badge == "correct" else palette.BAD)))
            self.list.addItem(item)
            if c.id not in self._thumbs:
                self._load_thumb(c)
        problems = self._scan_problems
        text = f"{len(st.cases)} case{'s' if len(st.cases) != 1 else ''}"
        if problems:
            text += f"  ·  {len(problems)} case folder(s) could not be read: {problems[0][1][:120]}"
        text += (
            "  ·  double-click a case to open it; hover to preview  ·  a case's title shows once you "
            "have done it, so the card does not give the answer away"
        )
        self.status.setText(text)

    def _load_thumb(self, c: Any) -> None:
        media = Path(c.path) / c.media

        def done(rgb: np.ndarray, cid: str = c.id) -> None:
            icon = QIcon(_pixmap(rgb))
            self._thumbs[cid] = icon
            item = self._item(cid)
            if item is not None:
                item.setIcon(icon)

        def work() -> np.ndarray:
            from imgtrainer.screens.thumbnails import thumbnail

            return thumbnail(media, THUMB_SIZE)

        run_async(work, done, lambda _exc: None)

    def _item(self, case_id: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(_ID_ROLE) == case_id:
                return self.list.item(i)
        return None

    # hover preview and opening ------------------------------------------------------------------------
    def _start_hover(self, item: QListWidgetItem) -> None:
        if item is self._hover:
            return
        self._stop_hover()
        self._hover = item
        cid = item.data(_ID_ROLE)
        if cid in self._previews:
            self._run_preview(cid)
            return
        case = next((c for c in self.state.cases if c.id == cid), None)
        if case is None:
            return
        media = Path(case.path) / case.media

        def done(res: tuple[list[np.ndarray], float], cid: str = cid) -> None:
            frames, step = res
            self._previews[cid] = ([QIcon(_pixmap(f)) for f in frames], step)
            if self._hover is not None and self._hover.data(_ID_ROLE) == cid:
                self._run_preview(cid)

        def work() -> tuple[list[np.ndarray], float]:
            from imgtrainer.screens.thumbnails import preview

            return preview(media, THUMB_SIZE)

        run_async(work, done, lambda _exc: None)

    def _run_preview(self, cid: str) -> None:
        icons, step = self._previews[cid]
        if len(icons) > 1:
            self._hover_step = 0
            self._hover_timer.start(int(max(80, min(400, step * 1000))))

    def _hover_tick(self) -> None:
        if self._hover is None:
            self._hover_timer.stop()
            return
        icons, _ = self._previews.get(self._hover.data(_ID_ROLE), ([], 0))
        if icons:
            self._hover_step = (self._hover_step + 1) % len(icons)
            self._hover.setIcon(icons[self._hover_step])

    def _stop_hover(self) -> None:
        self._hover_timer.stop()
        if self._hover is not None:
            cid = self._hover.data(_ID_ROLE)
            if cid in self._thumbs:
                self._hover.setIcon(self._thumbs[cid])
        self._hover = None

    def eventFilter(self, obj, ev) -> bool:
        from PyQt6.QtCore import QEvent

        if ev.type() == QEvent.Type.Leave:
            self._stop_hover()
        elif ev.type() == QEvent.Type.Resize:
            self._fit_grid()
        return False

    def _fit_grid(self) -> None:
        """Widen the grid cells so the columns fill the row (no empty strip at the right).

        The width is taken as if the vertical scroll bar were shown, so the bar appearing when
        the cells are laid out cannot push the last column onto the next row."""
        bar = self.list.verticalScrollBar()
        width = self.list.viewport().width() - (0 if bar.isVisible() else bar.sizeHint().width())
        _cols, cell_w = grid_columns(width, CELL_MIN_W)
        if self.list.gridSize().width() != cell_w:
            self.list.setGridSize(QSize(cell_w, CELL_H))

    def _activated(self, item: QListWidgetItem) -> None:
        if self.on_open is not None:
            self.on_open(Path(item.data(_PATH_ROLE)))

    def open_case_id(self, case_id: str) -> None:
        item = self._item(case_id)
        if item is not None:
            self._activated(item)
