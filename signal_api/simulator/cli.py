"""The argparse front end: signal-cli's command line, output and exit codes."""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from typing import Any, NoReturn

from . import SIGNAL_CLI_VERSION, execution, network, output, state
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
    """argparse with argparse4j's error format and exit code 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"signal-cli: error: {_translate(message)}\n")
        raise SystemExit(1)


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
    parser = SignalArgumentParser(prog=f"signal-cli {cmd.name}", description=cmd.help or None, allow_abbrev=False)
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
    parser = SignalArgumentParser(prog="signal-cli", description="Commandline interface for Signal.",
                                  allow_abbrev=False)
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
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


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


def _print_result(cmd: Command, ctx: Context, result: Any, params: dict) -> None:
    if result is None or cmd.extra.get("streams"):
        return
    if ctx.output == "json":
        output.write_json(result)
    elif cmd.plain is not None:
        output.write_lines(cmd.plain(result, params))


def main(argv: list[str] | None = None) -> int:
    """Run one signal-cli command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def _run(argv: list[str]) -> int:
    parser = build_global_parser()
    ns = parser.parse_args(argv)
    if ns.command is None:
        parser.error("too few arguments")
    cmd = REGISTRY.get(ns.command)
    if ns.command not in KNOWN_COMMANDS and (cmd is None or cmd.extra.get("rpc_only")):
        parser.error(f"invalid choice: '{ns.command}' (choose from {', '.join(KNOWN_COMMANDS)})")
    if cmd is None:
        build_command_parser(Command(ns.command, None, "account")).parse_known_args(ns.args)
        sys.stderr.write(f"Command {ns.command} is not implemented by the signal-cli simulator\n")
        return 2
    params = params_from_namespace(cmd, build_command_parser(cmd).parse_intermixed_args(ns.args))
    ctx = Context(config_dir=ns.config or state.default_config_dir(), via="cli",
                  output=ns.output or cmd.output_types[0], trust=ns.trust_new_identities)
    stdin_text = None
    try:
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


__all__ = ["main"]
