"""The Qt desktop app. The ONLY package that imports PyQt6 or pyqtgraph."""
