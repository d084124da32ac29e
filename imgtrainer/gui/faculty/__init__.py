"""Faculty workspace: login, key annotation, adjudication, agreement and import review."""
