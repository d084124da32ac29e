"""Render assets/icons/imgtrainer.svg to the PNG sizes the desktop entry and the bundle use.

Run from the repository root after editing the SVG: ``python3 packaging/render_icon.py``.
Qt's SVG renderer (PyQt6, already a dependency) does the drawing, offscreen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (256, 48)  # px: the .desktop/hicolor icon and a small one for menus


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QGuiApplication, QImage, QPainter
    from PyQt6.QtSvg import QSvgRenderer

    root = Path(__file__).resolve().parents[1]
    _app = QGuiApplication(sys.argv)
    renderer = QSvgRenderer(str(root / "assets" / "icons" / "imgtrainer.svg"))
    if not renderer.isValid():
        print("assets/icons/imgtrainer.svg: not a valid SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = root / "packaging" / f"imgtrainer-{size}.png"
        image.save(str(out))
        print(f"wrote {out.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
