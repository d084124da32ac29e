"""Exam screens: builder, entry menu, the take-an-exam window and its proctor dialog."""
