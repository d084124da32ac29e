"""Taxonomy files: the five bundled applications load; each malformed variant is rejected with
its file, line and problem; faculty-local files extend the bundled ones; loads are cached by mtime."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from imgtrainer.errors import TaxonomyError
from imgtrainer.library.gastric import aspiration_risk, gastric_volume_ml, perlas_grade, stomach_reading
from imgtrainer.library.models import DOMAINS
from imgtrainer.library.taxonomy_io import load_all_taxonomies, load_taxonomy
from imgtrainer.resources import taxonomy_dir

NO_LOCAL = Path("/nonexistent-faculty-dir")


def test_all_five_applications_load_with_common_questions() -> None:
    taxes = load_all_taxonomies(local_dir=NO_LOCAL)
    assert set(taxes) == set(DOMAINS)
    for domain, tax in taxes.items():
        ids = {q.id for q in tax.questions}
        assert {"application", "acep_quality", "decision", "view", "findings"} <= ids, domain
        steps = [q.step for q in tax.questions_in("default")]
        assert steps == sorted(steps, key=["indication", "acquisition", "interpretation", "decision"].index)
        assert len(tax.views) >= 3 and len(tax.findings) >= 10
        for name in tax.question_sets:
            assert tax.questions_in(name)


def test_required_vocabulary_per_application() -> None:
    t = load_all_taxonomies(local_dir=NO_LOCAL)
    assert {"cricothyroid_membrane", "tube_in_oesophagus", "vocal_cords", "tracheal_rings"} <= {
        f.id for f in t["airway"].findings
    }
    assert t["airway"].question("ctm_mark").mark_types == ["point"]
    assert {"antrum_supine", "antrum_rld"} <= {v.id for v in t["gastric"].views}
    assert [s.value for s in t["gastric"].question("perlas_grade").scale] == [0, 1, 2]
    assert t["gastric"].question("antral_csa").unit == "cm2"
    assert {"ruq", "luq", "pelvis_long", "pelvis_trans", "subxiphoid"} == {v.id for v in t["fast"].views}
    assert [o.id for o in t["fast"].question("free_fluid").options] == ["yes", "no", "indeterminate"]
    assert {"plax", "psax", "a4c", "s4c", "ivc"} == {v.id for v in t["cardiac"].views}
    assert [s.label for s in t["cardiac"].question("lv_function").scale][:3] == [
        "Severely reduced",
        "Reduced",
        "Normal",
    ]


def test_gastric_formula_and_risk_rule() -> None:
    assert gastric_volume_ml(10.0, 40) == pytest.approx(27.0 + 146.0 - 51.2)
    assert gastric_volume_ml(0.0, 90) == 0.0  # never negative
    assert aspiration_risk("clear_fluid", 1.5 * 70, 70) == "low"  # at the limit still "empty"
    assert aspiration_risk("clear_fluid", 1.51 * 70, 70) == "high"
    assert aspiration_risk("solid") == "high" and aspiration_risk("clear_fluid") == "indeterminate"
    assert stomach_reading("solid") == "full" and stomach_reading("empty") == "empty"
    assert [perlas_grade(False, False), perlas_grade(False, True), perlas_grade(True, True)] == [0, 1, 2]
    with pytest.raises(ValueError):
        gastric_volume_ml(-1, 40)


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    count = 0
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            count += 1
            if count == nth:
                return i
    raise AssertionError(needle)


# (name, file, mutate(text) -> text, needle on the expected line in the mutated text, problem)
CASES: list[tuple[str, str, Callable[[str], str], str, str]] = [
    (
        "toml_syntax",
        "lung.toml",
        lambda t: t.replace('kind = "count"', "kind = count", 1),
        "kind = count",
        "TOML syntax error",
    ),
    (
        "bad_kind",
        "lung.toml",
        lambda t: t.replace('kind = "count"', 'kind = "counts"', 1),
        'kind = "counts"',
        "questions[3].kind: Input should be",
    ),
    (
        "bad_step",
        "lung.toml",
        lambda t: t.replace('step = "interpretation"', 'step = "later"', 1),
        'step = "later"',
        "questions[2].step",
    ),
    (
        "unknown_finding",
        "lung.toml",
        lambda t: t.replace('finding = "blines"', 'finding = "bline"', 1),
        'id = "b_line_count"',
        "names unknown findings ['bline']",
    ),
    (
        "bad_question_set",
        "lung.toml",
        lambda t: t.replace('quick = ["view"', 'quick = ["vieww"', 1),
        "quick = ",
        "question set 'quick' names unknown questions ['vieww']",
    ),
    (
        "unknown_top_key",
        "lung.toml",
        lambda t: t.replace('title = "Lung', 'colour = "red"\ntitle = "Lung', 1),
        "colour =",
        "unknown top-level key 'colour'",
    ),
    (
        "bad_view_id",
        "lung.toml",
        lambda t: t.replace('{ id = "plaps"', '{ id = "PLAPS"', 1),
        'id = "PLAPS"',
        "views[2].id: String should match pattern",
    ),
    (
        "no_options",
        "lung.toml",
        lambda t: t.replace('options_from = "views"\n', "", 1),
        'id = "view"',
        "a category question needs options",
    ),
    (
        "no_unit",
        "lung.toml",
        lambda t: t.replace('unit = "cm"\nfinding', "finding", 1),
        'id = "effusion_depth"',
        "a measurement question needs a unit",
    ),
    (
        "duplicate_id",
        "lung.toml",
        lambda t: (
            t
            + '\n[[questions]]\nid = "view"\nstep = "acquisition"\nkind = "category"\nprompt = "x"\noptions_from = "views"\n'
        ),
        'id = "view"',
        "duplicate id 'view'",
    ),
    (
        "wrong_domain",
        "lung.toml",
        lambda t: t.replace('domain = "lung"', 'domain = "fast"', 1),
        'domain = "fast"',
        "domain is 'fast' but the file is for 'lung'",
    ),
    (
        "common_bad_kind",
        "common.toml",
        lambda t: t.replace('kind = "ordinal"', 'kind = "ordinall"', 1),
        'kind = "ordinall"',
        "questions[1].kind",
    ),
]


HEADER_LINE = {"no_options", "no_unit"}


@pytest.mark.parametrize(("name", "fname", "mutate", "needle", "problem"), CASES, ids=[c[0] for c in CASES])
def test_malformed_taxonomy_names_file_line_and_problem(
    tmp_path: Path, name: str, fname: str, mutate: Callable[[str], str], needle: str, problem: str
) -> None:
    d = tmp_path / name
    shutil.copytree(taxonomy_dir(), d)
    text = mutate((d / fname).read_text())
    (d / fname).write_text(text)
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy("lung", d, local_dir=NO_LOCAL)
    msg = str(err.value)
    nth = 2 if name == "duplicate_id" else 1
    offset = -1 if name in HEADER_LINE else 0  # errors about a whole question point at its [[questions]]
    assert re.match(re.escape(f"{d / fname}: line {_line_of(text, needle, nth) + offset}") + "[: ]", msg), msg
    assert problem in msg, msg


def test_faculty_local_folder_extends_and_overrides(tmp_path: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    (local / "lung.toml").write_text(
        'findings = [{ id = "shred_sign", label = "Shred sign", group = "parenchyma" }]\n'
        'views = [{ id = "plaps", label = "PLAPS (posterolateral alveolar/pleural syndrome)" }]\n'
        "[[questions]]\n"
        'id = "shred"\nstep = "interpretation"\nkind = "category"\nprompt = "Shred sign?"\nfinding = "shred_sign"\n'
        'options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]\n'
        '[question_sets]\nquick = ["view", "shred", "decision"]\n'
    )
    tax = load_taxonomy("lung", taxonomy_dir(), local_dir=local)
    assert "shred_sign" in {f.id for f in tax.findings}
    assert next(v for v in tax.views if v.id == "plaps").label.startswith("PLAPS (")
    assert len(tax.views) == 6  # replaced in place, not appended
    assert [q.id for q in tax.questions_in("quick")] == ["view", "shred", "decision"]
    assert "default" in tax.question_sets  # bundled sets kept
    (local / "lung.toml").write_text(
        '[[questions]]\nid = "x"\nstep = "interpretation"\nkind = "marks"\nprompt = "p"\n'
    )
    with pytest.raises(
        TaxonomyError,
        match=rf"{local / 'lung.toml'}: line 1: questions\[0\]: question 'x': a marks question needs mark_types",
    ):
        load_taxonomy("lung", taxonomy_dir(), local_dir=local)


def test_faculty_dir_defaults_to_data_dir(_isolated_home: Path) -> None:
    local = _isolated_home / "taxonomy"
    local.mkdir()
    (local / "fast.toml").write_text('title = "FAST (department version)"\n')
    assert load_taxonomy("fast").title == "FAST (department version)"
    assert load_taxonomy("lung").title == "Lung and diaphragm"


def test_cache_follows_file_mtime(tmp_path: Path) -> None:
    d = tmp_path / "tax"
    shutil.copytree(taxonomy_dir(), d)
    first = load_taxonomy("gastric", d, local_dir=NO_LOCAL)
    assert load_taxonomy("gastric", d, local_dir=NO_LOCAL) is first
    p = d / "gastric.toml"
    p.write_text(p.read_text().replace('title = "Gastric"', 'title = "Gastric ultrasound"'))
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    second = load_taxonomy("gastric", d, local_dir=NO_LOCAL)
    assert second is not first and second.title == "Gastric ultrasound"
