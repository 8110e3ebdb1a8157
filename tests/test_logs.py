"""Logs: one line per record, whatever a request puts into the values that are logged."""
from __future__ import annotations

import io
import logging
import unicodedata
import urllib.error
import urllib.request

from hypothesis import given, settings
from hypothesis import strategies as st

from signal_api.observability.logs import EscapeControlCharacters
from tests.helpers import running_server

A = "+4915100000001"


def test_control_characters_in_messages_and_args_are_escaped_to_one_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(EscapeControlCharacters())
    logger = logging.getLogger("signal_api.tests.logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("GET %s -> %d", "/v1/receive/+49\r\nINFO forged\x1b[31m\u2028", 400)
        logger.warning("raw\nmessage\tend")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == [
        "WARNING GET /v1/receive/+49\\r\\nINFO forged\\x1b[31m\\u2028 -> 400",
        "WARNING raw\\nmessage\\tend",
    ]


def test_a_crlf_in_a_path_parameter_is_one_escaped_line_in_the_servers_log(tmp_path):
    with running_server("normal", tmp_path, LOG_LEVEL="debug") as server:
        request = urllib.request.Request(f"{server.base}/v1/receive/%2B4915100000001%0d%0aINFO%20forged%20line")
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
        else:
            raise AssertionError("the request was not refused")
    lines = server.output().splitlines()
    assert not [line for line in lines if line.startswith("INFO forged")], "a forged line reached the log"
    logged = [line for line in lines if "forged line" in line and "/v1/receive/" in line]
    assert logged, server.output()
    assert all("+4915100000001\\r\\nINFO forged line" in line for line in logged)
    assert all(line.split(" ")[2] in ("DEBUG", "INFO", "WARNING", "ERROR") for line in logged)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_value_can_put_a_control_character_into_a_log_line(value):
    record = logging.LogRecord("signal_api.x", logging.INFO, __file__, 1, "GET /v1/receive/%s -> 400", (value,), None)
    assert EscapeControlCharacters().filter(record)
    line = record.getMessage()
    assert not [ch for ch in line if unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029"]
    assert line.startswith("GET /v1/receive/") and line.endswith(" -> 400")
    # Everything else comes through, in order.
    rest = iter(line)
    assert all(ch in rest for ch in value if unicodedata.category(ch) != "Cc" and ch not in "\u2028\u2029")
