"""The text scrubber and the safe-private rule."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset

from imgtrainer.deid.context import DeidContext, DeidOptions
from imgtrainer.deid.header import HeaderCleaner
from imgtrainer.deid.scrub import Scrubber, date_variants, tokens_from

_word = st.text(alphabet=string.ascii_letters, min_size=3, max_size=12)


@settings(max_examples=60, deadline=None)
@given(family=_word, given_name=_word, filler=st.lists(_word, max_size=4))
def test_scrubbed_text_never_holds_a_name_part(family, given_name, filler):
    scrub = Scrubber(tokens_from([f"{family}^{given_name}"]))
    text = " ".join([*filler, given_name.upper(), "lung", family.lower()])
    out = scrub.scrub(text).lower()
    assert family.lower() not in out and given_name.lower() not in out


def test_descriptor_loses_dates_and_long_numbers():
    scrub = Scrubber(tokens_from(["Doe^Jane", "19510704"]))
    assert scrub.scrub("Lung Doe 2024-03-15 MRN 12345678", descriptor=True) == "Lung MRN"
    assert "04/07/1951" in date_variants("19510704")
    assert scrub.scrub("born 04/07/1951") == "born"
    assert scrub.scrub("Lung 15 March 2024 follow-up", descriptor=True) == "Lung follow-up"
    assert scrub.scrub("seen Mar 5, 2024 by us", descriptor=True) == "seen by us"


def test_only_listed_private_elements_survive():
    ds = Dataset()
    ds.PatientID = "P1"
    keep = ds.private_block(0x0019, "SAFE VENDOR 1", create=True)
    keep.add_new(0x10, "DS", "1.5")  # listed: kept with its creator
    keep.add_new(0x11, "LO", "Jane Doe")  # same block, not listed: removed
    other = ds.private_block(0x0021, "OTHER", create=True)
    other.add_new(0x10, "DS", "2.5")
    ctx = DeidContext(options=DeidOptions(safe_private=frozenset({("SAFE VENDOR 1", 0x0019, 0x10)})))
    HeaderCleaner(ds, ctx).clean(ds)
    assert ds[0x00191010].value == "1.5" and ds[0x00190010].value == "SAFE VENDOR 1"
    assert 0x00191011 not in ds and 0x00211010 not in ds and 0x00210010 not in ds
    ds2 = Dataset()
    ds2.PatientID = "P1"
    ds2.private_block(0x0019, "SAFE VENDOR 1", create=True).add_new(0x10, "DS", "1.5")
    HeaderCleaner(ds2, DeidContext()).clean(ds2)  # default: no private element is kept
    assert not [e for e in ds2 if e.tag.is_private]
