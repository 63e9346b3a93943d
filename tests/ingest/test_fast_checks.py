"""The byte-level shortcuts of CSV checking (issue 19 item 7) give exactly the answers of the
checks they skip: trimming, the control-character check and the leading "+" of numbers."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.ingest.csv_checks import _more_places, _trimmed
from leadline.ingest.values import CONTROL_CHARACTERS, Column, typed, valid_mask

EDGES = st.sampled_from(
    ["", " ", "\t", "\n", "\u00a0", "\u3000", "\x01", "\x1f", "\x7f", "é", "+", "-"]
)
TEXT = st.lists(
    st.builds(lambda a, b, c: a + b + c, EDGES, st.text(max_size=8), EDGES), max_size=12
)


@settings(max_examples=200, deadline=None)
@given(values=TEXT, start=st.integers(0, 3))
def test_trimming_and_control_characters_match_the_full_checks(
    values: list[str], start: int
) -> None:
    text = pa.array(values, pa.string()).slice(min(start, len(values)))
    assert _trimmed(text).to_pylist() == pc.utf8_trim_whitespace(text).to_pylist()
    column = Column("name")
    expected = pc.invert(pc.match_substring_regex(text, CONTROL_CHARACTERS))
    assert valid_mask(column, text).to_pylist() == expected.to_pylist()


def test_a_leading_plus_is_read_only_where_there_is_one() -> None:
    column = Column("amount", "decimal", decimal_scale=2)
    assert typed(column, pa.array(["+1.50", "2", None]), "UTC").to_pylist()[0] == 1.5
    clean = pa.array(["x", "1.25", "-3"]).slice(1)  # an offset into the buffer
    assert [str(v) for v in typed(column, clean, "UTC").to_pylist()] == ["1.25", "-3.00"]


NUMBER = st.builds(
    lambda whole, places, exponent: (
        whole + (("." + places) if places is not None else "") + exponent
    ),
    st.text("0123456789+-", min_size=1, max_size=4),
    st.none() | st.text("0123456789", max_size=16),
    st.sampled_from(["", "", "e-3", "E5"]),
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(NUMBER | st.just(""), max_size=12), start=st.integers(0, 3))
def test_more_places_matches_the_pattern(values: list[str], start: int) -> None:
    """The byte scan finds exactly the values the pattern ``\\.\\d{13,}|[eE]`` finds."""
    text = pa.array(values, pa.string()).slice(min(start, len(values)))
    column = Column("cost", "decimal", decimal_scale=12)
    found = _more_places(column, text)
    expected = pc.fill_null(pc.match_substring_regex(text, r"\.\d{13,}|[eE]"), False)
    assert (found.to_pylist() if found is not None else [False] * len(text)) == (
        expected.to_pylist()
    )
