"""The argparse front end: signal-cli's command line, output and exit codes."""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from dataclasses import dataclass
from typing import Any, NoReturn

from . import SIGNAL_CLI_VERSION, execution, marker, network, output, state
from .commands import REGISTRY, Command, Context, Opt, params_from_namespace
from .errors import CommandError, UserError

# Commands of signal-cli 0.13.19 the simulator does not implement: they parse but fail (exit 2).
KNOWN_COMMANDS = (
    "addDevice", "addStickerPack", "block", "daemon", "deleteLocalAccountData", "finishChangeNumber",
    "getAttachment", "getAvatar", "getSticker", "getUserStatus", "joinGroup", "jsonRpc", "link", "listAccounts",
    "listContacts", "listDevices", "listGroups", "listIdentities", "listStickerPacks", "quitGroup", "receive",
    "register", "remoteDelete", "removeContact", "removeDevice", "removePin", "send", "sendContacts",
    "sendMessageRequestResponse", "sendPaymentNotification", "sendReaction", "sendReceipt", "sendSyncRequest",
    "sendTyping", "setPin", "startChangeNumber", "submitRateLimitChallenge", "trust", "unblock", "unregister",
    "updateAccount", "updateConfiguration", "updateContact", "updateGroup", "updateProfile", "uploadStickerPack",
    "verify", "version",
)


class SignalArgumentParser(argparse.ArgumentParser):
    """argparse with argparse4j's error format, exit code 1 and reading of tokens.

    argparse4j (signal-cli's parser) takes every token that starts with ``-``, is longer than
    that and is not a negative integer (ASCII digits) for an option; Python's argparse also
    lets ``-1.5``, ``-١``, ``-5\\n`` and tokens with a blank pass as values. Those are refused
    here as argparse4j refuses them, so a command line the simulator accepts is one the real
    signal-cli reads the same way. Abbreviated long options are accepted, as argparse4j does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", True)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"signal-cli: error: {_translate(message)}\n")
        raise SystemExit(1)

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # Python's argparse drops a "--" from an option's values (``--name=--`` gives nothing);
        # argparse4j keeps it. "--" as the end of options is handled before parsing here.
        return super()._get_values(action, _KeepDoubleDash(arg_strings))

    def refuse_values_argparse4j_reads_as_options(self, tokens: list[str]) -> None:
        """Exit like argparse4j when a token before ``--`` would be an unknown option there."""
        for token in tokens:
            if token == "--":
                return
            # _parse_optional is None exactly when Python's argparse takes the token for a value.
            if is_option_like(token) and self._parse_optional(token) is None:
                self.error(f"unrecognized arguments: '{token}'")


class _KeepDoubleDash(list):
    """Values in which ``--`` is a value like any other."""

    def remove(self, value: Any) -> None:
        if value != "--":
            super().remove(value)


_NEGATIVE_INTEGER = re.compile(r"-[0-9]+")


def is_option_like(token: str) -> bool:
    """argparse4j's test: does this token, standing on its own, name an option?"""
    return len(token) > 1 and token.startswith("-") and _NEGATIVE_INTEGER.fullmatch(token) is None


def _translate(message: str) -> str:
    required = re.fullmatch(r"the following arguments are required: ([^,]+).*", message)
    if required:
        return f"argument {required.group(1)} is required"
    return message


def _choice(choices: tuple[str, ...]):
    def convert(value: str) -> str:
        if value not in choices:
            raise argparse.ArgumentTypeError(f"could not convert '{value}' (choose from {{{','.join(choices)}}})")
        return value
    return convert


def _number(java_type: str, cast: type):
    def convert(value: str) -> Any:
        try:
            return cast(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"could not convert '{value}' to {java_type} (For input string: \"{value}\")") from None
    return convert


def _add_option(target: Any, opt: Opt) -> None:
    kwargs: dict[str, Any] = {"help": opt.help}
    if opt.kind == "flag":
        kwargs["action"] = "store_true"
    elif opt.kind == "list":
        kwargs["nargs"] = "*"
    elif opt.kind == "longs":
        kwargs.update(nargs="*", type=_number("Long", int))
    elif opt.kind == "optional":
        kwargs.update(nargs="?", const=opt.const)
    elif opt.kind == "int":
        kwargs["type"] = _number("Long", int)
    elif opt.kind == "float":
        kwargs["type"] = _number("Double", float)
    elif opt.kind == "bool":
        kwargs["type"] = lambda v: v.lower() == "true"  # Java Boolean.parseBoolean
    if opt.choices:
        kwargs["type"] = _choice(opt.choices)
        kwargs["metavar"] = "{" + ",".join(opt.choices) + "}"
    if opt.positional:
        if opt.nargs:
            kwargs["nargs"] = opt.nargs
        target.add_argument(opt.dest, metavar=opt.flags[0].upper().replace("-", "_"), **kwargs)
    else:
        if opt.required:
            kwargs["required"] = True
        if opt.kind != "flag":
            kwargs.setdefault("metavar", opt.dashed.upper().replace("-", "_"))
        target.add_argument(*opt.flags, dest=opt.dest, **kwargs)


def build_command_parser(cmd: Command) -> SignalArgumentParser:
    parser = SignalArgumentParser(prog=f"signal-cli {cmd.name}", description=cmd.help or None)
    groups: dict[str, Any] = {}
    for opt in cmd.options:
        target = parser
        if opt.exclusive:
            if opt.exclusive not in groups:
                groups[opt.exclusive] = parser.add_mutually_exclusive_group()
            target = groups[opt.exclusive]
        _add_option(target, opt)
    return parser


def build_global_parser() -> SignalArgumentParser:
    parser = SignalArgumentParser(prog="signal-cli", description="Commandline interface for Signal.")
    parser.add_argument("--version", action="version", version=f"signal-cli {SIGNAL_CLI_VERSION}",
                        help="Show package version.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="Raise log level and include lib log messages.")
    parser.add_argument("--log-file", help="Write log output to the given file.")
    parser.add_argument("--scrub-log", action="store_true", help="Scrub possibly sensitive information from the log.")
    parser.add_argument("-c", "--config", "-d", "--data-dir", dest="config", help="Set the path, where to store the config.")
    parser.add_argument("-a", "--account", "-u", "--username", dest="account", help="Specify your phone number.")
    parser.add_argument("-o", "--output", type=_choice(("plain-text", "json")), metavar="{plain-text,json}",
                        help="Choose to output in plain text or JSON")
    parser.add_argument("--dbus", action="store_true", help="Make request via user dbus.")
    parser.add_argument("--dbus-system", action="store_true", help="Make request via system dbus.")
    parser.add_argument("--bus-name", help="Specify the D-Bus bus name to connect to.")
    parser.add_argument("--service-environment", type=_choice(("live", "staging", "sandbox")),
                        metavar="{live,staging,sandbox}", help="Choose the server environment to use.")
    parser.add_argument("--trust-new-identities", type=_choice(("on-first-use", "always", "never")),
                        metavar="{on-first-use,always,never}", help="Choose when to trust new identities.")
    parser.add_argument("--disable-send-log", action="store_true", help="Disable message send log")
    parser.add_argument("command", nargs="?", metavar="{" + ",".join(KNOWN_COMMANDS) + "}")
    return parser


def split_at_command(parser: SignalArgumentParser, argv: list[str]) -> tuple[list[str], list[str]]:
    """``(global options and the command, the command's arguments)``, split where argparse4j does.

    The global parser reads options until the first value that is not an option's: the command.
    Everything after it belongs to the command's parser (global options there are unknown).
    """
    takes_value = {flag: action.nargs != 0 for action in parser._actions for flag in action.option_strings}
    i = 0
    while i < len(argv):
        token = argv[i]
        if not is_option_like(token) or token == "--":
            return argv[:i + 1], argv[i + 1:]
        flag, has_value = token.split("=", 1)[0], "=" in token
        matches = [f for f in takes_value if f == flag] or [f for f in takes_value if f.startswith(flag)]
        if not matches and not flag.startswith("--") and takes_value.get(flag[:2]) is not None:
            matches, has_value = [flag[:2]], len(token) > 2  # -cVALUE, or clustered flags like -vv
        i += 1
        if len(matches) == 1 and takes_value[matches[0]] and not has_value and i < len(argv):
            i += 1
    return argv, []


def parse_command_args(cmd: Command, args: list[str]) -> dict[str, Any]:
    """The params of one command's arguments, read as argparse4j reads them.

    Positionals may come between options (``parse_intermixed_args``) and every token after the
    first ``--`` is a positional value. Python's intermixed parsing mishandles ``--``, so those
    values stand in as placeholders (a NUL cannot occur in a real argument) and are put back.
    """
    parser = build_command_parser(cmd)
    if "--" in args:
        cut = args.index("--")
        before, after = args[:cut], args[cut + 1:]
    else:
        before, after = args, []
    parser.refuse_values_argparse4j_reads_as_options(before)
    positional = next((opt for opt in cmd.options if opt.positional), None)
    if after and positional is None:
        parser.error(f"unrecognized arguments: '{' '.join(after)}'")
    placeholders = {f"\0{i}": value for i, value in enumerate(after)}
    ns = parser.parse_intermixed_args([*placeholders, *before])
    if positional is not None:
        value = getattr(ns, positional.dest, None)
        if isinstance(value, list):
            # argparse4j keeps the order of appearance: the values before "--" come first.
            value = [v for v in value if v not in placeholders] + [placeholders[v] for v in value if v in placeholders]
        elif value in placeholders:
            value = placeholders[value]
        setattr(ns, positional.dest, value)
    return params_from_namespace(cmd, ns)


def resolve_account(ctx: Context, scope: str, given: str | None) -> None:
    """Signal-cli's CLI account rules (signal-cli.md §2 "Account resolution")."""
    cfg = ctx.config_dir
    if scope == "provisioning":
        if given:
            raise UserError("You cannot specify a account (phone number) when linking")
        return
    if scope == "multi":
        if given:
            raise UserError("Command only works in multi-account mode")
        return
    if scope == "global" or (scope == "daemon" and not given):
        return
    if given is None:
        numbers = [a["number"] for a in state.all_accounts(cfg)]
        if not numbers:
            raise UserError("No local users found, you first need to register or link an account")
        if len(numbers) > 1:
            raise UserError("Multiple users found, you need to specify an account (phone number) with -a")
        given = numbers[0]
    if scope == "registration":
        if not network.is_e164(given):
            raise UserError("Invalid account (phone number), make sure you include the country code.")
        ctx.number = given
        return
    if not (network.is_e164(given) or network.is_uuid(given)):
        raise UserError("Invalid account (phone number), make sure you include the country code.")
    account = state.find_account(cfg, given)
    if account is None or not account.get("registered"):
        raise UserError(f"User {given} is not registered.")
    ctx.account = account


def _claim(cfg: str) -> None:
    try:
        marker.claim(cfg)
    except marker.ForeignConfigDir as exc:
        raise UserError(str(exc)) from None


def _print_result(cmd: Command, ctx: Context, result: Any, params: dict) -> None:
    if result is None or cmd.extra.get("streams"):
        return
    if ctx.output == "json":
        output.write_json(result)
    elif cmd.plain is not None:
        output.write_lines(cmd.plain(result, params))


def main(argv: list[str] | None = None) -> int:
    """Run one signal-cli command line; return the exit code."""
    argv = [_as_java_reads(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    try:
        return _run(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def _as_java_reads(arg: str) -> str:
    """Java decodes argv bytes that are not UTF-8 as U+FFFD; Python keeps them as surrogates."""
    try:
        return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a lone surrogate given in-process: no bytes it came from
        return arg


@dataclass
class CommandLine:
    """One parsed signal-cli command line: the global options, the command and its params."""

    options: argparse.Namespace
    command: Command
    params: dict[str, Any]


class NotImplementedCommand(Exception):
    """A command of signal-cli 0.13.19 the simulator parses but does not implement."""


def parse_command_line(argv: list[str]) -> CommandLine:
    """Read ``argv`` as signal-cli does; a parser error exits (code 1) after printing it.

    Raises:
        NotImplementedCommand: the command exists in signal-cli but not in the simulator.
    """
    parser = build_global_parser()
    global_part, command_args = split_at_command(parser, argv)
    parser.refuse_values_argparse4j_reads_as_options(global_part)
    ns = parser.parse_args(global_part)
    if ns.command is None:
        parser.error("too few arguments")
    cmd = REGISTRY.get(ns.command)
    if ns.command not in KNOWN_COMMANDS and (cmd is None or cmd.extra.get("rpc_only")):
        parser.error(f"invalid choice: '{ns.command}' (choose from {', '.join(KNOWN_COMMANDS)})")
    if cmd is None:
        build_command_parser(Command(ns.command, None, "account")).parse_known_args(command_args)
        raise NotImplementedCommand(ns.command)
    return CommandLine(options=ns, command=cmd, params=parse_command_args(cmd, command_args))


def _run(argv: list[str]) -> int:
    try:
        line = parse_command_line(argv)
    except NotImplementedCommand as exc:
        sys.stderr.write(f"Command {exc} is not implemented by the signal-cli simulator\n")
        return 2
    ns, cmd, params = line.options, line.command, line.params
    ctx = Context(config_dir=ns.config or state.default_config_dir(), via="cli",
                  output=ns.output or cmd.output_types[0], trust=ns.trust_new_identities)
    stdin_text = None
    try:
        if cmd.name != "version":
            _claim(ctx.config_dir)
        if ctx.output not in cmd.output_types:
            raise UserError(f"Command doesn't support output type {ctx.output}")
        resolve_account(ctx, cmd.scope, ns.account)
        if cmd.extra.get("stdin_message") and params.pop("messageFromStdin", None):
            stdin_text = sys.stdin.buffer.read().decode("utf-8")
            params["message"] = stdin_text
        if cmd.extra.get("streams"):
            ctx.emit = output.envelope_printer(ctx.output)
        result = execution.run(cmd, ctx, params, argv=argv, stdin=stdin_text, trust=ns.trust_new_identities)
    except CommandError as exc:
        if exc.response is not None:
            _print_result(cmd, ctx, exc.response, params)
        sys.stderr.write((exc.trace or exc.message) + "\n")
        sys.stderr.flush()
        return exc.exit_code
    except Exception:  # noqa: BLE001 - like an uncaught Java exception: trace and exit 2
        traceback.print_exc(file=sys.stderr)
        return 2
    _print_result(cmd, ctx, result, params)
    return 0


__all__ = ["CommandLine", "main", "parse_command_line"]
