"""Typed signal-cli failures, shared by the subprocess runner and the JSON-RPC client.

signal-cli reports a failure as an exit code (CLI) or a JSON-RPC error code; both map onto the
same classes here, so callers never parse texts. Only ``signal_api.errors.http`` turns them into HTTP.

An error's ``message`` is what a client reads, so it is cut down to signal-cli's message line at
construction (:func:`client_message`): never a traceback, parser usage text or a path of this
machine. Callers log the full text themselves, at debug level.
"""
from __future__ import annotations

import functools
import os
import re
from typing import Any

UNTRUSTED_MESSAGE = "Unable to complete request due to untrusted recipient keys"
# What a client reads instead of signal-cli's argument parser output (usage, "unrecognized
# arguments: ..."): the command line is the service's, not the client's.
PARSER_REFUSED = "signal-cli refused the arguments of this request"
NO_MESSAGE = "signal-cli failed without a message"

# signal-cli's log lines: "WARN  Logger - text" (default) or "2026-…Z [thread] WARN logger - text" (-v).
LOG_LINE = re.compile(r"^(?:\S+ \[[^\]]*\] )?(TRACE|DEBUG|INFO|WARN|ERROR)\s+\S+ - ")
_PARSER_LINE = re.compile(r"^(?:usage: |signal-cli: error: )")
# Java stack frames and causes, Python traceback headers and frames (both indent their frames).
_TRACE_LINE = re.compile(r"^(?:\s|Caused by: |Suppressed: |Traceback \(most recent call last\)|"
                         r"During handling of the above exception|The above exception was the direct cause)")
_PATH = re.compile(r"(?<![\w/.~])/([^\s/'\"(),;:]+)((?:/[^\s/'\"(),;:]*)+)")


def client_message(text: str) -> str:
    """The line of signal-cli's error output a client may read.

    That is the first line that is not a log line or part of a traceback; argument parser output
    becomes :data:`PARSER_REFUSED`; a path of this machine (one under a top-level directory
    that exists here) is shown by its last component only. Other text is kept byte for byte.
    """
    lines = [line.rstrip() for line in str(text).splitlines()]
    lines = [line for line in lines if line.strip() and not LOG_LINE.match(line)]
    if any(_PARSER_LINE.match(line) for line in lines):
        return PARSER_REFUSED
    for line in lines:
        if not _TRACE_LINE.match(line):
            return _PATH.sub(_last_component, line)
    return ""


def _last_component(match: re.Match[str]) -> str:
    if match.group(1) not in _top_level_directories():
        return match.group(0)  # e.g. a base64 group id that happens to start with "/"
    return match.group(0).rstrip("/").rsplit("/", 1)[-1] or match.group(0)


@functools.lru_cache(maxsize=1)
def _top_level_directories() -> frozenset[str]:
    try:
        return frozenset(os.listdir("/"))
    except OSError:
        return frozenset()


class SignalCliError(Exception):
    """Base class: signal-cli could not do what was asked."""

    def __init__(self, message: str, *, response: Any = None) -> None:
        message = client_message(message) or NO_MESSAGE
        super().__init__(message)
        self.message = message
        # The result signal-cli printed before failing (send-like commands), if any.
        self.response = response


class UserError(SignalCliError):
    """Exit code 1 / JSON-RPC -1: the request itself is wrong (unknown group, bad argument...)."""


class UnexpectedError(SignalCliError):
    """Exit code 2 / JSON-RPC -32603: signal-cli failed internally."""


class NetworkError(SignalCliError):
    """Exit code 3 / JSON-RPC -3: the Signal servers could not be reached."""


class UntrustedIdentityError(SignalCliError):
    """Exit code 4 / JSON-RPC -4: every recipient has an untrusted identity key."""


class RateLimitError(SignalCliError):
    """Exit code 5 / JSON-RPC -5: rate limited; may carry challenge tokens and a time to wait."""

    def __init__(self, message: str, *, response: Any = None) -> None:
        # Read before the message is cut to one line: the wait is in the CAPTCHA line, which
        # need not be the first one.
        self._text_retry_after = retry_after_from_text(message)
        super().__init__(message, response=response)

    @property
    def failed_results(self) -> list[dict[str, Any]]:
        """The send results signal-cli printed before failing (may be empty)."""
        results = self.response.get("results") if isinstance(self.response, dict) else None
        return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []

    @property
    def challenge_tokens(self) -> list[str]:
        """The proof-required tokens of the failed send results (may be empty)."""
        return [str(r.get("token") or "") for r in self.failed_results if "token" in r]

    @property
    def retry_after_seconds(self) -> int | None:
        """How long signal-cli says to wait (the longest of its results, else its text); None when it says nothing."""
        waits = [seconds for r in self.failed_results if (seconds := _seconds(r.get("retryAfterSeconds"))) is not None]
        return max(waits) if waits else self._text_retry_after


# signal-cli's text for a proof-required result: ... with challenge token "<token>", or wait "<N>" seconds.
# Also its plain rate limit failure: Rate limit failure for "<id>", retry after N seconds.
_WAIT_TEXT = re.compile(r'(?:or wait "(\d{1,12})" seconds|retry after (\d{1,12}) seconds)')
#: A wait longer than this (about 100 years) is nonsense, not advice.
MAX_RETRY_AFTER = 3_155_760_000


def retry_after_from_text(text: object) -> int | None:
    """The longest wait signal-cli's rate limit text names, in seconds (None when it names none)."""
    waits = [int(a or b) for a, b in _WAIT_TEXT.findall(str(text))]
    return _seconds(max(waits)) if waits else None


def _seconds(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRY_AFTER:
        return None
    return value


class CaptchaRejectedError(SignalCliError):
    """Exit code 6 / JSON-RPC -6: the submitted captcha was rejected."""


class InvalidRequestError(SignalCliError):
    """JSON-RPC -32600/-32601/-32602/-32700: the daemon refused the request's shape or account."""

    def __init__(self, message: str, *, code: int = -32600, response: Any = None) -> None:
        super().__init__(message, response=response)
        #: The JSON-RPC code signal-cli answered (or would answer), for clients of its own protocol.
        self.code = code


class BackendUnavailableError(SignalCliError):
    """signal-cli could not be started or the daemon is not reachable."""


class BackendTimeoutError(SignalCliError):
    """signal-cli did not answer within the configured timeout."""


_BY_EXIT_CODE: dict[int, type[SignalCliError]] = {
    1: UserError,
    2: UnexpectedError,
    3: NetworkError,
    4: UntrustedIdentityError,
    5: RateLimitError,
    6: CaptchaRejectedError,
}

_BY_RPC_CODE: dict[int, type[SignalCliError]] = {
    -1: UserError,
    -3: NetworkError,
    -4: UntrustedIdentityError,
    -5: RateLimitError,
    -6: CaptchaRejectedError,
    -32603: UnexpectedError,
}


def from_exit_code(code: int, message: str, response: Any = None) -> SignalCliError:
    """The error for a signal-cli process that exited with ``code``."""
    cls = _BY_EXIT_CODE.get(code, UnexpectedError)
    return _build(cls, message, response)


def from_jsonrpc_error(error: Any) -> SignalCliError:
    """The error for a JSON-RPC ``error`` object (tolerates malformed ones)."""
    if not isinstance(error, dict):
        return UnexpectedError(f"malformed JSON-RPC error: {error!r}")
    code = error.get("code")
    message = str(error.get("message") or "unknown signal-cli error")
    data = error.get("data")
    response = data.get("response") if isinstance(data, dict) else None
    if isinstance(code, int) and -32700 <= code <= -32600 and code != -32603:
        return InvalidRequestError(message, code=code)
    cls = _BY_RPC_CODE.get(code if isinstance(code, int) else 0, UserError)
    return _build(cls, message, response)


def _build(cls: type[SignalCliError], message: str, response: Any) -> SignalCliError:
    if cls is UntrustedIdentityError:
        # One text in every mode, the one the original gives in json-rpc mode.
        message = UNTRUSTED_MESSAGE
    return cls(message, response=response)
