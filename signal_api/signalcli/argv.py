"""Translate a JSON-RPC style call (method + camelCase params) into a signal-cli argv.

Both backends receive the same ``(method, params)``; the JSON-RPC client sends the params as
they are and the subprocess runner turns them into command-line options here, the one place
that builds signal-cli command lines (calls, ``link`` and the daemon). The mapping follows
signal-cli's own (man page signal-cli-jsonrpc(5)): a param ``fooBar`` is the option
``--foo-bar``, lists are nargs options, ``true`` is a bare flag.

Every value is data, never an option. The forms below were checked against the parser of the
real signal-cli 0.13.19 (argparse4j 0.9.0; ``tests/conformance/test_argv_property.py``):

* an option with a value is one token ``--flag=value``, global ones included: argparse4j
  splits the token at its first ``=``, so whatever follows (``-x``, ``=``, ``@file``, blanks,
  newlines) is the value;
* a list option given twice keeps only its last list, and ``--flag=v1 v2`` takes only ``v1``
  (``v2`` would become a positional), so a list of one is ``--flag=v`` and a longer list is
  ``--flag v1 v2 ...``, where argparse4j reads an entry as a value unless it starts with ``-``,
  is longer than that and is not a negative integer; a longer list with another entry is
  refused (400 naming the field);
* positional values (recipients, a verification code, a PIN) come last, after ``--``, from
  where argparse4j (and signal-cli's logging pre-parser) reads every token as a value;
* values no process can take as an argument (a NUL, a lone surrogate, more than the kernel's
  per-argument or total limit) are refused, naming the field.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from signal_api.errors.request import RequestError
from signal_api.signalcli.argv_fields import ACCOUNT_FIELD, field_of

# Params that signal-cli takes as positional arguments, per command.
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "verify": ("verificationCode",),
    "setPin": ("pin",),
}
_DEFAULT_POSITIONAL = ("recipient",)

# Options whose value is the word true/false rather than a bare flag.
_BOOLEAN_VALUED: dict[str, frozenset[str]] = {
    "updateAccount": frozenset({"discoverableByNumber", "numberSharing", "unrestrictedUnidentifiedSender"}),
    "updateConfiguration": frozenset(
        {"readReceipts", "unidentifiedDeliveryIndicators", "typingIndicators", "linkPreviews"}
    ),
    "listContacts": frozenset({"blocked"}),
}

# Commands whose message text goes through stdin, never through argv.
_MESSAGE_FROM_STDIN = frozenset({"send"})

# Commands signal-cli refuses to combine with ``-o json`` (plain text only).
_PLAIN_TEXT_ONLY = frozenset({"link"})

# argparse4j's test for "this token is a negative number, not an option" (ASCII digits only).
_NEGATIVE_INTEGER = re.compile(r"-[0-9]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Linux refuses a single argument longer than MAX_ARG_STRLEN (32 pages, the NUL included).
MAX_ARGUMENT_BYTES = 32 * 4096 - 1
# What execve may take for argv and environment together, less room for the environment.
_ARG_MAX = os.sysconf("SC_ARG_MAX") if hasattr(os, "sysconf") else 2 * 1024 * 1024


class ArgumentValueError(RequestError):
    """A request value that cannot reach signal-cli as a value (answered 400 naming its field)."""


@dataclass(frozen=True)
class Invocation:
    """A ready-to-run signal-cli command line plus the text to write to its stdin."""

    argv: list[str]
    stdin: str | None


def option_name(param: str) -> str:
    """``groupId`` -> ``--group-id``."""
    return "--" + re.sub(r"(?<!^)([A-Z])", r"-\1", param).lower()


def reads_as_value(token: str) -> bool:
    """True when argparse4j takes ``token``, standing on its own, for a value and not an option."""
    return not token.startswith("-") or token == "-" or _NEGATIVE_INTEGER.fullmatch(token) is not None


def build_invocation(
    command: Sequence[str],
    config_dir: str,
    method: str,
    params: Mapping[str, Any] | None = None,
    *,
    account: str | None = None,
    trust_new_identities: str | None = None,
) -> Invocation:
    """The full argv (global options, the command, its options, ``--`` and positionals) for one call.

    Raises:
        ArgumentValueError: a value that cannot be passed as a value (the message names the field).
    """
    params = dict(params or {})
    line = _CommandLine(method)
    line.option("config", config_dir)
    if method not in _PLAIN_TEXT_ONLY:
        line.option("output", "json")
    if trust_new_identities:
        line.option("trustNewIdentities", trust_new_identities)
    if account:
        line.option("account", account, field=ACCOUNT_FIELD)
    line.tokens.append(method)
    stdin = None
    if method in _MESSAGE_FROM_STDIN and "message" in params:
        stdin = str(params.pop("message") or "")
        _check_text(stdin, field_of(method, "message"))
        line.tokens.append("--message-from-stdin")
    positionals = [(name, params.pop(name)) for name in _POSITIONAL.get(method, _DEFAULT_POSITIONAL)
                   if name in params]
    booleans = _BOOLEAN_VALUED.get(method, frozenset())
    for name, value in params.items():
        if name in booleans and value is not None:
            line.option(name, "true" if value else "false")
        else:
            line.option(name, value)
    line.positionals(positionals)
    line.check_total_size()
    return Invocation(argv=[*command, *line.tokens], stdin=stdin)


class _CommandLine:
    """The tokens after the binary, built so that each value stays a value."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.tokens: list[str] = []
        self._sizes: dict[str, int] = {}

    def option(self, name: str, value: Any, *, field: str | None = None) -> None:
        field = field or field_of(self.method, name)
        flag = option_name(name)
        if value is None or value is False:
            return
        if value is True:
            self.tokens.append(flag)
            return
        if isinstance(value, (list, tuple)):
            entries = [self._text(entry, field) for entry in value]
            if len(entries) == 1:
                self._add(f"{flag}={entries[0]}", field)
            elif entries:
                if not all(reads_as_value(entry) for entry in entries):
                    raise ArgumentValueError(
                        f"Couldn't process request - {field}: when there are several entries, none may start "
                        "with '-' (signal-cli would read it as an option)")
                self.tokens.append(flag)
                for entry in entries:
                    self._add(entry, field)
            return
        self._add(f"{flag}={self._text(value, field)}", field)

    def positionals(self, named_values: list[tuple[str, Any]]) -> None:
        values = []
        for name, value in named_values:
            field = field_of(self.method, name)
            values += [(self._text(entry, field), field) for entry in _as_list(value)]
        if values:
            self.tokens.append("--")
            for text, field in values:
                self._add(text, field)

    def check_total_size(self) -> None:
        # argv pointers and strings plus the environment the process inherits must fit ARG_MAX.
        environment = sum(len(os.fsencode(k)) + len(os.fsencode(v)) + 2 + 8 for k, v in os.environ.items())
        used = sum(len(token.encode()) + 1 + 8 for token in self.tokens) + environment + 4096
        if used > _ARG_MAX and self._sizes:
            field = max(self._sizes, key=self._sizes.__getitem__)
            raise ArgumentValueError(
                f"Couldn't process request - {field}: the values are too long for signal-cli's command line")

    def _add(self, token: str, field: str) -> None:
        size = len(token.encode())
        if size > MAX_ARGUMENT_BYTES:
            raise ArgumentValueError(
                f"Couldn't process request - {field}: a value is too long for signal-cli's command line "
                f"({size} bytes, at most {MAX_ARGUMENT_BYTES})")
        self._sizes[field] = self._sizes.get(field, 0) + size
        self.tokens.append(token)

    @staticmethod
    def _text(value: Any, field: str) -> str:
        text = str(value)
        _check_text(text, field)
        if "\0" in text:
            # No process can take a NUL in its arguments (the message text goes through stdin).
            raise ArgumentValueError(f"Couldn't process request - {field}: a value contains a NUL character")
        return text


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _check_text(text: str, field: str) -> None:
    if _SURROGATE.search(text):
        # Not encodable as UTF-8: it could reach neither argv nor stdin intact.
        raise ArgumentValueError(f"Couldn't process request - {field}: a value is not valid Unicode text "
                                 "(a lone surrogate)")
