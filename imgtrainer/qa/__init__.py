"""Quality review of trainees' own (performed) scans: submissions, the reviewer's queue, grades,
and the reviewed entry in the Level 1 logbook (ASRA "performed" studies)."""
