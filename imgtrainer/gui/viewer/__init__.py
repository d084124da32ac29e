"""The cine viewer widget (image, timeline, M-mode, assist overlay) embedded by several screens."""
