"""A tiny Qt-free signal, so state objects can announce changes without knowing about Qt.

Widgets connect their redraw methods; the state never imports a widget (DESIGN §2 loop).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """Ordered list of callbacks called with the emitted arguments."""

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []
        self._blocked = False

    def connect(self, slot: Callable[..., Any]) -> None:
        if slot not in self._slots:
            self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any] | None = None) -> None:
        """Remove one slot, or all of them when ``slot`` is None."""
        if slot is None:
            self._slots.clear()
        elif slot in self._slots:
            self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        if self._blocked:
            return
        for slot in list(self._slots):
            try:
                slot(*args)
            except RuntimeError as exc:  # a view whose Qt object is gone: forget it
                if "has been deleted" not in str(exc):
                    raise
                self.disconnect(slot)

    def block(self, blocked: bool = True) -> None:
        self._blocked = blocked

    def __len__(self) -> int:
        return len(self._slots)
