"""Viewer state: frame, playback clock, zoom/pan geometry, window/level, calipers, assist overlay."""
