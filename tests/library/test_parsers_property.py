"""Property tests for the small parsers: ids from any file name, rater file names, cell lookup."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from imgtrainer.library.bulk_import import _Row
from imgtrainer.library.case_io import rater_filename
from imgtrainer.library.mapping import Mapping, slug
from imgtrainer.library.models import CASE_ID_PATTERN


@given(st.text(max_size=300))
def test_slug_is_always_a_valid_case_id(text: str) -> None:
    assert re.match(CASE_ID_PATTERN, slug(text))
    assert re.match(CASE_ID_PATTERN, "pocus-" + slug(text))


@given(st.text(min_size=1, max_size=80).filter(lambda s: re.search(r"[A-Za-z0-9]", s)))
def test_rater_file_name_stays_in_keys_folder(name: str) -> None:
    fn = rater_filename(name)
    assert "/" not in fn and "\\" not in fn and not fn.startswith(".") and fn.endswith(".json")


@given(st.sampled_from(["1", "1.0", " 1 ", "01", "yes", "YES", "0", "0.00", "no", "", "NA", "nan"]))
def test_cell_lookup_normalises_numbers_case_and_empties(cell: str) -> None:
    mapping = Mapping(name="t", case={"domain": "lung"})
    row = _Row(2, {"c": cell}, mapping)
    table = {"1": "present", "0": "absent", "yes": "present", "no": "absent", "": "not_assessed"}
    found, value = row.lookup("c", table)
    assert found
    expected = {"1": "present", "yes": "present", "0": "absent", "no": "absent"}
    key = cell.strip().lower()
    key = {"1.0": "1", "01": "1", "0.00": "0"}.get(key, key)
    assert value == expected.get(key, "not_assessed")


@given(st.text(alphabet="abcxyz?!#", min_size=1, max_size=10))
def test_unknown_cells_never_map(cell: str) -> None:
    mapping = Mapping(name="t", case={"domain": "lung"})
    row = _Row(2, {"c": cell}, mapping)
    found, _ = row.lookup("c", {"1": "present", "0": "absent", "": "not_assessed"})
    assert not found
