"""Two raters disagree; the agreement table shows it; the adjudicator accepts / rejects each mark
and label (A / R keys) and writes the consensus key with who agreed."""

# ruff: noqa: F811  (pytest fixtures imported from test_faculty_helpers by name)
from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from imgtrainer.annotate.session import AnnotationSession
from imgtrainer.library.case_io import load_key
from imgtrainer.library.models import CategoryAnswer, Mark, OrdinalAnswer
from tests.gui.test_faculty_helpers import faculty_home, gate, workspace  # noqa: F401

pytestmark = pytest.mark.gui


def _rate(folder, rater, lus, line_x, extra_point=False):
    s = AnnotationSession(folder, rater)
    s.set_answer("view", CategoryAnswer(value="lateral_intercostal"))
    s.set_answer("lus_score", OrdinalAnswer(value=lus))
    s.add_mark("b_line_marks", Mark(type="line", points=[(line_x, 20), (line_x, 100)], frame=1))
    if extra_point:
        s.add_mark("b_line_marks", Mark(type="line", points=[(120, 20), (125, 100)], frame=1))


@pytest.fixture
def rated(library):
    for case in ("lung-test-01", "lung-test-02"):
        _rate(library / case, "ana", 1, 60)
        _rate(library / case, "ben", 2 if case.endswith("1") else 1, 62, extra_point=True)
    return library


def test_agreement_table_and_adjudication(qtbot, workspace, rated) -> None:
    w = workspace
    w.show_tab("agreement")
    qtbot.waitUntil(lambda: w.agreement.report is not None, timeout=10000)
    rows = {w.agreement.stats.item(r, 0).toolTip(): r for r in range(w.agreement.stats.rowCount())}
    assert {"view", "lus_score", "b_line_marks"} <= set(rows)
    assert w.agreement.cases.rowCount() == 2
    assert "ana, ben" in w.agreement.summary.text()

    w.show_tab("adjudicate")
    page = w.adjudicate
    qtbot.waitUntil(lambda: page.adj is not None and page.viewer_state.clip is not None, timeout=10000)
    adj = page.adj
    assert page.colours == {"ana": "#E69F00", "ben": "#56B4E9"}  # Okabe-Ito, one per rater
    # the view (identical for both) is accepted automatically; the rest waits for a decision
    assert all(i.accepted for i in adj.items if i.question_id == "view")
    page.setFocus()
    while adj.pending:
        item = page.current_item()
        accept = item.rater == "ana" or (item.question_id == "b_line_marks" and item.mark_index == 1)
        qtbot.keyClick(page, Qt.Key.Key_A if accept else Qt.Key.Key_R)
        assert item.accepted is accept
    page.write_consensus()
    key = load_key(rated / "lung-test-01")
    assert key.role == "consensus" and key.rater == "dr_a"
    assert key.answers["lus_score"].value == 1 and key.answers["lus_score"].agreed_by == ["ana"]
    assert key.answers["view"].agreed_by == ["ana", "ben"]
    marks = key.answers["b_line_marks"]
    # ana's line at x=60 (ben drew it too, at 62) and ben's line at x=120: ana missed a kept
    # B-line, so only ben agreed on the marks answer; each mark names who drew it
    assert len(marks.marks) == 2 and marks.agreed_by == ["ben"]
    assert [m.agreed_by for m in marks.marks] == [["ana", "ben"], ["ben"]]
    assert "Wrote key.json" in page.status.text()


def test_agreement_labels_bands_alignment_and_csv(qtbot, workspace, rated, tmp_path) -> None:
    """Human labels instead of ids, interpretation words only on a cited scale (κ: Landis & Koch;
    none for mark F1), numbers right-aligned, and the table exported as CSV."""
    import csv

    w = workspace
    w.show_tab("agreement")
    qtbot.waitUntil(lambda: w.agreement.report is not None, timeout=10000)
    page = w.agreement
    cols = {page.stats.horizontalHeaderItem(c).text(): c for c in range(page.stats.columnCount())}
    by_id = {page.stats.item(r, 0).toolTip(): r for r in range(page.stats.rowCount())}
    marks, view = by_id["b_line_marks"], by_id["view"]
    assert page.stats.item(marks, 0).text() == "Draw each B-line from the pleura downwards."
    assert page.stats.item(view, 0).text() == "Which view is this?"
    from imgtrainer.screens.faculty.agreement import human_item, item_labels, strength

    assert human_item("finding:blines", item_labels()).startswith("Finding: B-lines")
    assert strength("mark_f1", 0.9) == "" and strength("fleiss_kappa", 0.9) == "almost perfect"
    assert "_" not in "".join(page.stats.item(r, 0).text() for r in by_id.values())
    assert page.stats.item(marks, cols["Statistic"]).text() == "mark F1"
    assert page.stats.item(marks, cols["Interpretation"]).text() == ""  # no cited scale for F1
    kappa = next(r for r in by_id.values() if "κ" in page.stats.item(r, cols["Statistic"]).text())
    assert page.stats.item(kappa, cols["Scale"]).text() == "Landis & Koch 1977"
    right = Qt.AlignmentFlag.AlignRight
    assert page.stats.item(marks, cols["Value"]).textAlignment() & right.value
    out = page.export_csv(tmp_path / "agreement.csv")
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == page.stats.rowCount() and {r["id"] for r in rows} == set(by_id)


def test_adjudication_warns_when_count_and_kept_marks_disagree(qtbot, workspace, rated) -> None:
    """ben keyed 3 B-lines in lung-test-01 and drew 2; keeping one mark leaves a count of 3
    with 1 kept B-line mark: the page says so before the key is written."""
    from imgtrainer.annotate.session import AnnotationSession
    from imgtrainer.library.models import CountAnswer

    for rater in ("ana", "ben"):
        s = AnnotationSession(rated / "lung-test-01", rater)
        s.set_answer("b_line_count", CountAnswer(value=3))
        s.save()
    w = workspace
    w.show_tab("adjudicate")
    page = w.adjudicate
    qtbot.waitUntil(lambda: page.adj is not None and page.viewer_state.clip is not None, timeout=10000)
    page.setFocus()
    while page.adj.pending:
        item = page.current_item()
        keep = item.rater == "ana"  # ana's one B-line; ben's two rejected
        qtbot.keyClick(page, Qt.Key.Key_A if keep else Qt.Key.Key_R)
    assert "b_line_count is 3 but b_line_marks keeps 1 mark" in page.warning.text()
