"""imgtrainer.training: the practice engine (headless; the GUI, exams and CLI use it).

- ``questions.build_question_set(case, key, taxonomy, question_ids=None, set_name=None,
  shuffle_seed=None) -> QuestionSet``: questions per I-AIM step, without answers.
- ``responses.parse_answers(data, qset)`` / ``load_answers(path, qset)`` /
  ``parse_response(question, raw)``: one ``Response`` model per answer kind.
- ``scoring.score_case(case, key, qset, responses) -> CaseScore`` and ``score_question``: one
  rule per answer kind (0-1 with a reason), feedback with labels, marks and finding outcomes.
- ``session.PracticeSession``: a case in progress (answers committed as given, resume, submit).
- ``queue.build_queue(items, history, now, filter, n, seed)``: what to practise next.
"""
