"""Faculty screens state: key annotation and the import review queue."""
