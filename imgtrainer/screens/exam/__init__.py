"""Exam screens state: the builder (administrator) and the take-an-exam session (candidate)."""
