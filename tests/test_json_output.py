"""The command line's JSON (cli.output.dumps_indented) is exactly what json.dumps with an indent
of two writes: `list --json` and `due --json` print it faster, and must print the same text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from records_req.cli.output import dumps_indented

SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=True)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text() | st.integers() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(VALUES)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_a_list_row_with_text_to_escape_and_empty_lists() -> None:
    row = {
        "id": 7,
        "agency": 'Sheriff\'s "Office"\n\u2028Niño\x1b',
        "topics": ["wso", "jail"],
        "tags": [],
        "due": None,
        "statutory": True,
        "overdue": False,
        "details": {},
    }
    text = dumps_indented([row, row])
    assert text == json.dumps([row, row], indent=2, ensure_ascii=False)
    assert json.loads(text) == [row, row]


def test_what_it_does_not_write_goes_to_the_json_module() -> None:
    import pytest

    with pytest.raises(TypeError):
        dumps_indented({"when": object()})
