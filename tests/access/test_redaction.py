"""No token reaches a log line: query values named token, and anything shaped like a token, are masked."""
from __future__ import annotations

import logging
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from signal_api.observability.logs import EscapeControlCharacters
from signal_api.observability.redaction import MASK, RedactTokens, redact_tokens

TOKEN = "sapi_0123456789abcdef_" + "Ab-_" * 10 + "xyz"


def test_query_tokens_are_masked_wherever_the_url_is():
    line = f'"GET /v1/receive/+49?since=0&token={TOKEN} HTTP/1.1" 200 "https://x/?token=abc"'
    assert redact_tokens(line) == f'"GET /v1/receive/+49?since=0&token={MASK} HTTP/1.1" 200 "https://x/?token={MASK}"'
    assert redact_tokens("/x?%74oken=secret&a=1") == f"/x?%74oken={MASK}&a=1"
    assert redact_tokens("/x?TOKEN=secret") == f"/x?TOKEN={MASK}"
    assert redact_tokens("/x?tokens=1&mytoken=2") == "/x?tokens=1&mytoken=2"


def test_token_shaped_text_is_masked_anywhere():
    assert redact_tokens(f"user {TOKEN}: hello") == f"user {MASK}: hello"


@settings(max_examples=300)
@given(prefix=st.text(), value=st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
       suffix=st.text(), encode_name=st.booleans())
def test_a_token_parameter_never_survives(prefix, value, suffix, encode_name):
    name = "%74oken" if encode_name else "token"
    query_value = quote(value, safe="")
    text = f"{prefix}/v1/groups/x?a=1&{name}={query_value}&b=2{suffix}"
    redacted = redact_tokens(text)
    if query_value:
        assert f"{name}={query_value}&" not in redacted
    assert f"{name}={MASK}&b=2" in redacted


@given(st.text())
def test_redaction_never_raises_and_is_stable(text):
    once = redact_tokens(text)
    assert redact_tokens(once) == once


def test_the_service_log_filter_masks_tokens_in_messages_and_args():
    record = logging.LogRecord("signal_api.x", logging.INFO, __file__, 1, "request %s", (f"/a?token={TOKEN}",), None)
    EscapeControlCharacters().filter(record)
    assert record.getMessage() == f"request /a?token={MASK}"
    record = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1, "bad line %r", (f"GET /?token={TOKEN}",),
                               None)
    RedactTokens().filter(record)
    assert TOKEN not in record.getMessage() and MASK in record.getMessage()
