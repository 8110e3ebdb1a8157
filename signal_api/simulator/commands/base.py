"""Command registry: option specs shared by the argparse front end and JSON-RPC param mapping.

Every command is one function ``func(ctx, params) -> result`` where ``params`` uses signal-cli's
JSON-RPC camelCase dest names.  ``Opt`` describes one argparse option once; ``cli.py`` builds the
parser from it and ``params_from_rpc`` maps JSON-RPC params with the same rules signal-cli uses
(dashed key first, then camelCase; list options singular-or-scalar, else plural array).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import RpcError


@functools.lru_cache(maxsize=None)
def camel(name: str) -> str:
    return re.sub(r"-([a-z0-9])", lambda m: m.group(1).upper(), name)


@dataclass(frozen=True)
class Opt:
    """One argparse argument.

    kind: ``str`` | ``int`` | ``float`` | ``flag`` (store_true) | ``bool`` (takes true/false) |
    ``list`` (nargs ``*``, greedy) | ``longs`` (a list of Long values) | ``optional`` (nargs ``?`` with ``const``).
    Positionals have a single flag without dashes; ``nargs`` then is ``*`` (list), ``?`` or None.
    """

    flags: tuple[str, ...]
    kind: str = "str"
    help: str = ""
    choices: tuple[str, ...] | None = None
    required: bool = False
    const: Any = None
    exclusive: str | None = None   # name of a mutually exclusive group
    nargs: str | None = None

    @property
    def positional(self) -> bool:
        return not self.flags[0].startswith("-")

    @functools.cached_property  # looked up for every JSON-RPC request
    def dashed(self) -> str:
        if self.positional:
            return self.flags[0]
        return next(f[2:] for f in self.flags if f.startswith("--"))

    @functools.cached_property
    def dest(self) -> str:
        return camel(self.dashed)


@dataclass
class Context:
    """What a command runs against."""

    config_dir: str
    via: str                                  # "cli" or "jsonrpc"
    output: str = "json"                      # "plain-text" or "json"
    account: dict | None = None               # the resolved local account file
    number: str | None = None                 # account number (registration commands)
    emit: Callable[[dict], None] | None = None  # streaming output (receive)
    stdin: Callable[[], str] | None = None    # reads the whole stdin (CLI only)
    session: Any = None                       # the JSON-RPC session, for RPC-only methods
    trust: str | None = None                  # global --trust-new-identities


@dataclass(frozen=True)
class Command:
    name: str
    func: Callable[[Context, dict], Any] | None
    scope: str                # global | multi | registration | account | provisioning | daemon
    options: tuple[Opt, ...] = ()
    plain: Callable[[Any, dict], list[str]] | None = None   # (result, params) -> stdout lines
    output_types: tuple[str, ...] = ("plain-text", "json")
    typed: tuple[str, ...] | None = None   # JSON-RPC params are a typed record with these keys
    rpc: bool = True          # callable over JSON-RPC
    help: str = ""
    extra: dict = field(default_factory=dict)


REGISTRY: dict[str, Command] = {}


def command(name: str, scope: str, options: list[Opt] | tuple[Opt, ...] = (), **kwargs: Any
            ) -> Callable[[Callable[[Context, dict], Any]], Callable[[Context, dict], Any]]:
    """Register a command implementation under ``name``."""
    def wrap(func: Callable[[Context, dict], Any]) -> Callable[[Context, dict], Any]:
        REGISTRY[name] = Command(name=name, func=func, scope=scope, options=tuple(options), **kwargs)
        return func
    return wrap


def params_from_namespace(cmd: Command, ns: Any) -> dict:
    """CLI: argparse namespace -> params dict (absent options absent, flags only when set)."""
    params: dict[str, Any] = {}
    for opt in cmd.options:
        value = getattr(ns, opt.dest, None)
        if opt.kind == "flag":
            if value:
                params[opt.dest] = True
        elif opt.positional and value == []:
            continue  # argparse yields [] for an absent nargs-* positional
        elif value is not None:
            params[opt.dest] = value
    return params


_RPC_KEYS: dict[str, list[tuple[Opt, tuple[str, ...], frozenset[str]]]] = {}


def _rpc_keys(cmd: Command) -> list[tuple[Opt, tuple[str, ...], frozenset[str]]]:
    """Per option of ``cmd``: the JSON-RPC keys in lookup order, and every key it may read."""
    found = _RPC_KEYS.get(cmd.name)
    if found is None:
        found = []
        for opt in cmd.options:
            if cmd.typed is not None and opt.dest not in cmd.typed:
                continue
            keys = (opt.dest,) if cmd.typed is not None else (opt.dashed, opt.dest)
            plural = tuple(k + "s" for k in keys) if opt.kind in ("list", "longs") or opt.nargs == "*" else ()
            found.append((opt, keys, frozenset(keys + plural)))
        _RPC_KEYS[cmd.name] = found
    return found


def params_from_rpc(cmd: Command, raw: dict) -> dict:
    """JSON-RPC: raw params (without ``account``) -> params dict with the CLI's shape."""
    if cmd.typed is not None:
        for key in raw:
            if key not in cmd.typed:
                raise RpcError(-32600, f'Unrecognized field "{key}" (class org.asamk.signal.commands.'
                                       f'{cmd.name[0].upper()}{cmd.name[1:]}Command$Params), not marked as ignorable')
    params: dict[str, Any] = {}
    for opt, keys, names in _rpc_keys(cmd):
        if names.isdisjoint(raw):
            continue  # none of its keys given: the option stays absent
        value = next((raw[k] for k in keys if raw.get(k) is not None), None)
        if opt.kind in ("list", "longs") or opt.nargs == "*":
            if value is not None:
                value = value if isinstance(value, list) else [value]
            else:
                value = next((raw[k + "s"] for k in keys if raw.get(k + "s") is not None), None)
                if value is not None and not isinstance(value, list):
                    raise RpcError(-32603, f"class {_java_type(value)} cannot be cast to class java.util.List "
                                           "(ClassCastException)")
        if opt.kind == "flag":
            if value is True:
                params[opt.dest] = True
        elif value is not None:
            params[opt.dest] = value
    return params


def _java_type(value: Any) -> str:
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer"
    if isinstance(value, str):
        return "java.lang.String"
    return "java.util.LinkedHashMap"
