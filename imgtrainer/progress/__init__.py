"""imgtrainer.progress: attempts, logbook vs ASRA minimums, learning curves and the portfolio.

- ``attempts.AttemptStore(engine)``: start / record_answer (one transaction each) / finish,
  attempts, finding outcomes, Level 1 scan log.
- ``logbook.build_logbook(...)`` / ``logbook_for(store, trainee, now, params)``.
- ``cusum.cusum`` (Bolsin/Colls) and ``cusum.lc_cusum`` (Biau) with ``CusumParams``.
- ``report.write_portfolio(logbook, path)``: the signable PDF.
"""
