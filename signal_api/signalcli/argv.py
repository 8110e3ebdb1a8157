"""Translate a JSON-RPC style call (method + camelCase params) into a signal-cli argv.

Both backends receive the same ``(method, params)``; the JSON-RPC client sends the params as
they are and the subprocess runner turns them into command-line options here. The rules follow
signal-cli's own mapping (man page signal-cli-jsonrpc(5)): a param ``fooBar`` is the option
``--foo-bar``, lists are nargs options, ``true`` is a bare flag. Recipients are positional and
come straight after the command, because nargs options are greedy.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from signal_api.signalcli.errors import UserError

NUL_IN_ARGUMENT = "Couldn't process request - a value contains a NUL character"

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


@dataclass(frozen=True)
class Invocation:
    """A ready-to-run signal-cli command line plus the text to write to its stdin."""

    argv: list[str]
    stdin: str | None


def option_name(param: str) -> str:
    """``groupId`` -> ``--group-id``."""
    return "--" + re.sub(r"(?<!^)([A-Z])", r"-\1", param).lower()


def build_invocation(
    command: Sequence[str],
    config_dir: str,
    method: str,
    params: Mapping[str, Any] | None = None,
    *,
    account: str | None = None,
    trust_new_identities: str | None = None,
) -> Invocation:
    """The full argv (global options before the command) for one signal-cli call."""
    params = dict(params or {})
    argv = [*command, "--config", config_dir]
    if method not in _PLAIN_TEXT_ONLY:
        argv += ["--output", "json"]
    if trust_new_identities:
        argv += ["--trust-new-identities", trust_new_identities]
    if account:
        argv += ["-a", account]
    argv.append(method)
    stdin = None
    if method in _MESSAGE_FROM_STDIN and "message" in params:
        stdin = str(params.pop("message") or "")
        argv.append("--message-from-stdin")
    for name in _POSITIONAL.get(method, _DEFAULT_POSITIONAL):
        if name in params:
            argv += _as_list(params.pop(name))
    booleans = _BOOLEAN_VALUED.get(method, frozenset())
    for name, value in params.items():
        argv += _option(name, value, value_boolean=name in booleans)
    if any("\0" in arg for arg in argv):
        # No process can take a NUL in its arguments (the message text goes through stdin).
        raise UserError(NUL_IN_ARGUMENT)
    return Invocation(argv=argv, stdin=stdin)


def _option(name: str, value: Any, *, value_boolean: bool) -> list[str]:
    flag = option_name(name)
    if value is None:
        return []
    if value_boolean:
        return [flag, "true" if value else "false"]
    if isinstance(value, bool):
        return [flag] if value else []
    if isinstance(value, (list, tuple)):
        return [flag, *(str(v) for v in value)] if value else []
    text = str(value)
    if text.startswith("-"):
        # A value that looks like an option (a quote starting with "-", a duration of -1)
        # must be attached to its flag or the argument parser takes it for another option.
        return [f"{flag}={text}"]
    return [flag, text]


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]
