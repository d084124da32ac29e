"""Qt-free state and logic of the desktop screens: one module (or small package) per screen.

Widgets in ``imgtrainer.gui`` observe these objects through ``screens.signal.Signal``; nothing here
imports Qt or ``imgtrainer.gui`` (import-linter contract), so every screen rule is testable headless.
"""
