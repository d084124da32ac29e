"""Cohort screen (programme director, behind the faculty password): table, drill-down, exports."""
