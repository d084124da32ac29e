"""Timed image-review exams: sealed packages, crash-safe sessions, signed results, grading.

Flow and the modules that do each step (all Qt-free; the GUI binds to ``ExamSession``):

- ``build.build_package(case_folders, out, passphrase, ExamSettings(...))``: one zip with the
  cases' media (free-text headers scrubbed), the questions, the answer keys sealed with
  AES-256-GCM under a scrypt-derived key, and an Ed25519 signature over a manifest of hashes
  (``package`` documents the layout).
- ``package.ExamPackage.open(path)``: verifies everything, fails closed (``TamperError``).
- ``session.ExamSession.open(package, candidate)`` then ``start(passphrase)`` (proctor) or
  ``resume()`` (after a crash); ``item(i)``, ``media_paths(i)``, ``play(i)``, ``answer(i, qid,
  response)``, ``goto(i)``, ``remaining_s()`` / ``item_remaining_s()`` (poll: they heartbeat and
  auto-submit at the limit), ``submit()``. Every answer is one fsynced SQLite transaction in
  ``<data dir>/exams/<exam id>/<candidate>.sqlite``; an HMAC-chained audit log is append-only.
- ``results``: the signed results file and its fail-closed verification (threat model there).
- ``grading.grade(package, passphrase, results_files)``: the practice engine's scoring rules.
- ``report.write_report(graded, out_dir)``: CSV + PDF, with ``itemstats`` (difficulty,
  point-biserial, KR-20 / alpha, distractors, review flags).
- ``scripted``: non-interactive taking (``imgtrainer exam take``) and the crash-test child.
"""
