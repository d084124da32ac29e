"""Library screen: the case grid with filters and thumbnails."""
