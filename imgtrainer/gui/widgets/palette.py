"""Colours used by the app: dark reading-room greys and Okabe-Ito colour-blind-safe accents."""

BACKGROUND = "#101214"
PANEL = "#1b1e22"
TEXT = "#e6e6e6"
TEXT_DIM = "#a0a6ad"
ACCENT = "#56B4E9"  # Okabe-Ito sky blue
TRAINEE = "#56B4E9"  # Okabe-Ito sky blue: the trainee's marks
EXPERT = "#E69F00"  # Okabe-Ito orange: the expert's marks
CALIPER = "#F0E442"  # Okabe-Ito yellow
MMODE = "#CC79A7"  # Okabe-Ito reddish purple
DRAFT = "#ffffff"
MESSAGE = "#F0E442"
GOOD = "#009E73"  # Okabe-Ito bluish green
BAD = "#D55E00"  # Okabe-Ito vermillion
NEUTRAL = "#CC79A7"  # Okabe-Ito reddish purple
