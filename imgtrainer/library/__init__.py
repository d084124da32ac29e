"""imgtrainer.library: taxonomy, cases and keys, validation, the searchable index, import.

Modules (import them directly; nothing here is loaded eagerly):

- ``models``: Case (case.json) and AnswerKey (key.json) pydantic models.
- ``taxonomy`` / ``taxonomy_io``: the Taxonomy model; ``load_taxonomy(domain)``, ``load_all_taxonomies()``
  (bundled ``assets/taxonomy`` plus a faculty-local folder, cached by mtime).
- ``case_io``: ``load_case``, ``load_key``, ``save_case``, ``save_key`` (atomic writes).
- ``validate``: ``validate_case_folder(folder, taxonomies) -> list[Problem]``, ``validate_library``.
- ``index``: ``LibraryIndex(engine).scan(folder)``, ``.search(CaseFilter(...))``.
- ``importer`` / ``sources``: ``import_files`` for files, folders, DICOMDIR and zip (de-identified).
- ``mapping`` / ``bulk_import``: labelled datasets (manifest CSV + mapping TOML) into cases with keys.
- ``review``: faculty approval of imported cases.
- ``gastric``: the ASRA gastric volume formula and the 1.5 mL/kg rule.
"""
