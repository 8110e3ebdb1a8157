"""The message line a client reads from a signal-cli failure (errors.backend.client_message)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from signal_api.errors import backend as errors


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), min_size=1, max_size=6))
def test_an_error_message_is_one_line_and_a_plain_line_is_kept_as_is(lines):
    message = errors.client_message("\n".join(lines))
    assert "\n" not in message and "\r" not in message
    first = lines[0].splitlines()[0].rstrip() if lines[0].splitlines() else ""
    plain = (first.strip() and first == first.lstrip() and "/" not in first and " - " not in first
             and not first.startswith(("usage: ", "signal-cli: error: ", "Caused by: ", "Suppressed: ",
                                       "Traceback", "During handling", "The above exception")))
    if plain and len(lines[0].splitlines()) == 1:
        assert message == first
