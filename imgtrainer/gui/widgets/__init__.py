"""Widgets shared by several screens (palette, question widgets, scroll column).

Screen packages may import these and the viewer; they never import one another."""
