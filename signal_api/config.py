"""Service configuration, read once from the environment.

Every variable of the original signal-cli-rest-api keeps its name and default; ours are added
beside them. ``Config.from_env`` is the only place that reads the environment, and a bad value
raises :class:`ConfigError` naming the variable, so start-up stops with a clear message. It reads
every variable before it raises, so one :class:`ConfigErrors` reports all the bad ones at once.

:data:`SETTINGS` declares each variable once (name, default, meaning); the README's
configuration table is generated from it (``signal-api config-table``) and a test fails when
the two drift or when ``from_env`` reads a variable that is not declared there.
"""
from __future__ import annotations

import functools
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from croniter import croniter

from signal_api.access.limits import Rate, parse_rate
from signal_api.access.origins import parse_origins
from signal_api.receive.webhook_urls import check_url

MODES = ("normal", "native", "json-rpc", "json-rpc-native")
LOG_LEVELS = ("debug", "info", "warn", "error")
# More gunicorn workers than this only add processes fighting over one SQLite file and one daemon.
MAX_WORKERS = 16
TRUST_MODES = ("on-first-use", "always", "never")
TEXT_MODES = ("normal", "styled")
SEND_RESPONSE_FORMATS = ("array", "object")
LOG_FORMATS = ("text", "json")
SIMULATOR_COMMAND = "signal-cli-simulator"
AUTH_MODES = ("none", "token")
T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration variable has a value the service cannot work with."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class ConfigErrors(ConfigError):
    """Every bad variable of one ``from_env``; ``variable`` is the first one's name.

    ``partial`` is the configuration with each bad value replaced by its default, so that a
    caller such as ``signal-api check-config`` can go on checking the rest.
    """

    def __init__(self, problems: list[ConfigError], partial: Config) -> None:
        ValueError.__init__(self, "; ".join(str(problem) for problem in problems))
        self.variable = problems[0].variable
        self.problems = problems
        self.partial = partial


@dataclass(frozen=True)
class AutoReceiveOptions:
    """The ``AUTO_RECEIVE_SCHEDULE_*`` options passed to each scheduled receive."""

    timeout: int = 10
    ignore_attachments: bool = False
    ignore_stories: bool = False
    ignore_avatars: bool = False
    ignore_stickers: bool = False
    send_read_receipts: bool = False


@dataclass(frozen=True)
class JsonRpcDaemonOptions:
    """How the service starts its own ``signal-cli daemon`` (the ``JSON_RPC_*`` variables)."""

    ignore_attachments: bool = False
    ignore_stories: bool = False
    ignore_avatars: bool = False
    ignore_stickers: bool = False
    trust_new_identities: str | None = None


@dataclass(frozen=True)
class Config:
    """Everything the service reads from its environment."""

    mode: str = "normal"
    port: int = 8080
    log_level: str = "info"
    log_format: str = "text"
    signal_cli_config_dir: Path = Path("/home/.local/share/signal-cli")
    command_timeout: float = 120.0
    auto_receive_schedule: str | None = None
    auto_receive: AutoReceiveOptions = field(default_factory=AutoReceiveOptions)
    default_text_mode: str = "normal"
    json_rpc: JsonRpcDaemonOptions = field(default_factory=JsonRpcDaemonOptions)
    receive_webhook_url: str | None = None
    receive_webhook_secret: str | None = None
    webhook_timeout: float = 10.0
    webhook_max_attempts: int = 10
    retention_days: int = 30
    retention_max_messages: int = 10000
    # How long an Idempotency-Key's first response is replayed (seconds).
    idempotency_ttl: float = 86400.0
    max_body_bytes: int = 100 * 1024 * 1024
    ws_queue_size: int = 1000
    # Received messages kept in memory while the inbox cannot be written (json-rpc modes; the
    # subprocess modes stop receiving at the first failure): at this many the service takes no
    # more from signal-cli until they are stored.
    kept_messages_max: int = 2000
    # Disk space set aside at start so that kept messages survive a restart on a full disk.
    kept_reserve_bytes: int = 8 * 1024 * 1024
    ws_ping_interval: float = 25.0
    ws_send_timeout: float = 30.0
    ws_compression: bool = False
    swagger_host: str | None = None
    swagger_ip: str | None = None
    swagger_https: bool = False
    build_version: str = "0.101.0"
    signal_cli_command: tuple[str, ...] = ()
    signal_cli_native_command: tuple[str, ...] = ()
    json_rpc_address: str | None = None
    data_dir: Path = Path("data")
    send_response_format: str = "array"
    max_concurrent_links: int = 3
    # Send limits (per message): recipients, mentions (and quote mentions), attachments, bytes of one attachment.
    max_recipients: int = 100
    max_mentions: int = 100
    max_attachments: int = 32
    max_attachment_bytes: int = 100 * 1024 * 1024
    # Access (signal_api/access): API tokens, browser origins, the per-account send rate.
    auth: str = "none"
    allowed_origins: tuple[str, ...] = ()
    send_rate: Rate | None = None
    # gunicorn workers sharing one daemon, one inbox and one leader (signal_api.receive.leadership).
    workers: int = 1

    @functools.cached_property
    def tmp_dir(self) -> Path:
        """Where a request's files are written while signal-cli reads them."""
        # Joined once: joined on every send it showed in the profile.
        return self.data_dir / "tmp"

    @property
    def shares_workers(self) -> bool:
        """True when several workers serve the API (one of them leads the receive pipeline)."""
        return self.workers > 1

    @property
    def uses_json_rpc(self) -> bool:
        """True in the two daemon modes."""
        return self.mode in ("json-rpc", "json-rpc-native")

    @property
    def about_mode(self) -> str:
        """The ``mode`` reported by ``/v1/about``; clients only know three values."""
        return "json-rpc" if self.uses_json_rpc else self.mode

    @property
    def command(self) -> tuple[str, ...]:
        """The signal-cli command line prefix of the selected mode."""
        if self.mode in ("native", "json-rpc-native"):
            return self.signal_cli_native_command
        return self.signal_cli_command

    @property
    def database_path(self) -> Path:
        """The service's own SQLite database."""
        return self.data_dir / "signal-api.db"

    @property
    def uses_simulator(self) -> bool:
        """True when the selected signal-cli is the built-in simulator."""
        return is_simulator_command(self.command)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from environment variables; raises ConfigErrors naming every bad one."""
        env = _Env(os.environ if environ is None else environ)
        config = cls._read(env)
        env.problems.extend(_combination_problems(config))
        if env.problems:
            raise ConfigErrors(env.problems, config)
        return config

    @classmethod
    def _read(cls, env: _Env) -> Config:
        # Each accessor records a bad value in env.problems and goes on with the default.
        if env.get("USE_NATIVE") is not None and env.get("MODE") is not None:
            env.problems.append(ConfigError("USE_NATIVE",
                                            "deprecated; it cannot be combined with MODE (use MODE only)"))
        default_binary = "signal-cli" if shutil.which("signal-cli") else SIMULATOR_COMMAND
        default_native = "signal-cli-native" if shutil.which("signal-cli-native") else SIMULATOR_COMMAND
        schedule = env.collect(_schedule, env, default=None)
        return cls(
            mode=env.choice("MODE", MODES, "normal"),
            port=env.integer("PORT", 8080, minimum=0, maximum=65535),
            log_level=env.choice("LOG_LEVEL", LOG_LEVELS, "info", lower=True),
            log_format=env.choice("LOG_FORMAT", LOG_FORMATS, "text", lower=True),
            signal_cli_config_dir=Path(env.get("SIGNAL_CLI_CONFIG_DIR") or "/home/.local/share/signal-cli"),
            command_timeout=float(env.integer("SIGNAL_CLI_CMD_TIMEOUT", 120, minimum=1)),
            auto_receive_schedule=schedule,
            auto_receive=AutoReceiveOptions(
                timeout=env.integer("AUTO_RECEIVE_SCHEDULE_RECEIVE_TIMEOUT", 10, minimum=0),
                ignore_attachments=env.boolean("AUTO_RECEIVE_SCHEDULE_IGNORE_ATTACHMENTS"),
                ignore_stories=env.boolean("AUTO_RECEIVE_SCHEDULE_IGNORE_STORIES"),
                ignore_avatars=env.boolean("AUTO_RECEIVE_SCHEDULE_IGNORE_AVATARS"),
                ignore_stickers=env.boolean("AUTO_RECEIVE_SCHEDULE_IGNORE_STICKERS"),
                send_read_receipts=env.boolean("AUTO_RECEIVE_SCHEDULE_SEND_READ_RECEIPTS"),
            ),
            default_text_mode=env.choice("DEFAULT_SIGNAL_TEXT_MODE", TEXT_MODES, "normal"),
            json_rpc=JsonRpcDaemonOptions(
                ignore_attachments=env.boolean("JSON_RPC_IGNORE_ATTACHMENTS"),
                ignore_stories=env.boolean("JSON_RPC_IGNORE_STORIES"),
                ignore_avatars=env.boolean("JSON_RPC_IGNORE_AVATARS"),
                ignore_stickers=env.boolean("JSON_RPC_IGNORE_STICKERS"),
                trust_new_identities=env.optional_choice("JSON_RPC_TRUST_NEW_IDENTITIES", TRUST_MODES),
            ),
            receive_webhook_url=env.collect(_webhook_url, env, default=None),
            receive_webhook_secret=env.get("RECEIVE_WEBHOOK_SECRET") or None,
            webhook_timeout=float(env.integer("RECEIVE_WEBHOOK_TIMEOUT", 10, minimum=1)),
            webhook_max_attempts=env.integer("RECEIVE_WEBHOOK_MAX_ATTEMPTS", 10, minimum=1),
            retention_days=env.integer("SIGNAL_API_RETENTION_DAYS", 30, minimum=1),
            retention_max_messages=env.integer("SIGNAL_API_RETENTION_MAX_MESSAGES", 10000, minimum=1),
            idempotency_ttl=float(env.integer("SIGNAL_API_IDEMPOTENCY_TTL", 86400, minimum=1, maximum=30 * 86400)),
            max_body_bytes=env.integer("SIGNAL_API_MAX_BODY_BYTES", 100 * 1024 * 1024, minimum=1024),
            ws_queue_size=env.integer("SIGNAL_API_WS_QUEUE_SIZE", 1000, minimum=1),
            kept_messages_max=env.integer("SIGNAL_API_KEPT_MESSAGES_MAX", 2000, minimum=1),
            kept_reserve_bytes=env.integer("SIGNAL_API_KEPT_RESERVE_BYTES", 8 * 1024 * 1024, minimum=0),
            ws_ping_interval=float(env.integer("SIGNAL_API_WS_PING_INTERVAL", 25, minimum=1)),
            ws_send_timeout=float(env.integer("SIGNAL_API_WS_SEND_TIMEOUT", 30, minimum=1)),
            ws_compression=env.boolean("SIGNAL_API_WS_COMPRESSION"),
            swagger_host=env.get("SWAGGER_HOST") or None,
            swagger_ip=env.get("SWAGGER_IP") or None,
            swagger_https=(env.get("SWAGGER_USE_HTTPS_AS_PREFERRED_SCHEME") or "false") == "true",
            build_version=env.get("BUILD_VERSION") or "0.101.0",
            signal_cli_command=env.collect(_command, env, "SIGNAL_CLI_BINARY", default_binary,
                                           default=_command(env, "SIGNAL_CLI_BINARY", default_binary, raw="")),
            signal_cli_native_command=env.collect(
                _command, env, "SIGNAL_CLI_NATIVE_BINARY", default_native,
                default=_command(env, "SIGNAL_CLI_NATIVE_BINARY", default_native, raw="")),
            json_rpc_address=env.collect(_json_rpc_address, env, default=None),
            data_dir=Path(env.get("SIGNAL_API_DATA_DIR") or _default_data_dir(env)),
            send_response_format=env.choice("SEND_RESPONSE_FORMAT", SEND_RESPONSE_FORMATS, "array"),
            # Each waiting link is a live signal-cli (a JVM in normal mode) for up to SIGNAL_CLI_CMD_TIMEOUT.
            max_concurrent_links=env.integer("SIGNAL_API_MAX_CONCURRENT_LINKS", 3, minimum=1, maximum=100),
            max_recipients=env.integer("SIGNAL_API_MAX_RECIPIENTS", 100, minimum=1),
            max_mentions=env.integer("SIGNAL_API_MAX_MENTIONS", 100, minimum=0),
            max_attachments=env.integer("SIGNAL_API_MAX_ATTACHMENTS", 32, minimum=0),
            max_attachment_bytes=env.integer("SIGNAL_API_MAX_ATTACHMENT_BYTES", 100 * 1024 * 1024, minimum=1),
            auth=env.choice("SIGNAL_API_AUTH", AUTH_MODES, "none", lower=True),
            allowed_origins=env.parsed("ALLOWED_ORIGINS", parse_origins, ()),
            send_rate=env.parsed("SIGNAL_API_SEND_RATE", parse_rate, None),
            workers=env.integer("WORKERS", 1, minimum=1, maximum=MAX_WORKERS),
        )


def _combination_problems(config: Config) -> list[ConfigError]:
    # Several workers share one daemon of the service's own, started in manual receive mode so
    # that only the leader's connection takes messages: in the subprocess modes each worker would
    # run its own signal-cli on the same account, and an external daemon pushes every message to
    # every connection (or to none while the leader is away).
    if config.workers == 1:
        return []
    if not config.uses_json_rpc:
        return [ConfigError("WORKERS", f"{config.workers} workers need MODE=json-rpc or json-rpc-native "
                                       "(they share one signal-cli daemon); use WORKERS=1 in MODE="
                                       f"{config.mode}")]
    if config.json_rpc_address:
        return [ConfigError("WORKERS", "more than one worker needs the service's own signal-cli daemon; "
                                       "unset SIGNAL_CLI_JSON_RPC_ADDRESS or use WORKERS=1")]
    return []


class _Env:
    """Typed accessors over an environment mapping; each error names its variable.

    A bad value is recorded in ``problems`` and the accessor returns the default, so that one
    pass finds every bad variable.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.problems: list[ConfigError] = []

    def get(self, name: str) -> str | None:
        return self._environ.get(name)

    def collect(self, read: Callable[..., T], *args: Any, default: T, **kwargs: Any) -> T:
        """``read(*args, **kwargs)``, or ``default`` with the ConfigError it raised recorded."""
        try:
            return read(*args, **kwargs)
        except ConfigError as exc:
            self.problems.append(exc)
            return default

    def choice(self, name: str, allowed: tuple[str, ...], default: str, *, lower: bool = False) -> str:
        return self.collect(self._choice, name, allowed, default, lower=lower, default=default)

    def integer(self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
        return self.collect(self._integer, name, default, minimum, maximum, default=default)

    def boolean(self, name: str) -> bool:
        return self.collect(self._boolean, name, default=False)

    def _choice(self, name: str, allowed: tuple[str, ...], default: str, *, lower: bool = False) -> str:
        value = (self.get(name) or "").strip()
        if lower:
            value = value.lower()
        if value == "":
            return default
        if value not in allowed:
            raise ConfigError(name, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def optional_choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        value = (self.get(name) or "").strip()
        if value == "":
            return None
        return self.collect(self._choice, name, allowed, value, default=None)

    def _integer(self, name: str, default: int, minimum: int | None, maximum: int | None) -> int:
        raw = (self.get(name) or "").strip()
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(name, f"{raw!r} is not an integer") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ConfigError(name, f"{value} is out of range")
        return value

    def parsed(self, name: str, parse: Callable[[str], T], default: T) -> T:
        """``parse(value)`` of a set variable (its ValueError names the problem), else ``default``."""
        return self.collect(self._parsed, name, parse, default, default=default)

    def _parsed(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = (self.get(name) or "").strip()
        if raw == "":
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            raise ConfigError(name, str(exc)) from None

    def _boolean(self, name: str) -> bool:
        raw = (self.get(name) or "").strip()
        if raw in ("", "false"):
            return False
        if raw == "true":
            return True
        raise ConfigError(name, f"{raw!r} must be 'true' or 'false'")


def is_simulator_command(command: tuple[str, ...]) -> bool:
    """True when a signal-cli command line runs the built-in simulator."""
    if not command:
        return False
    if Path(command[0]).name == SIMULATOR_COMMAND:
        return True
    return len(command) >= 3 and command[1:3] == ("-m", "signal_api.simulator")


def _command(env: _Env, name: str, default: str, *, raw: str | None = None) -> tuple[str, ...]:
    raw = ((env.get(name) or "") if raw is None else raw).strip() or default
    try:
        parts = tuple(shlex.split(raw))
    except ValueError as exc:
        raise ConfigError(name, f"cannot be split into a command line: {exc}") from None
    if not parts:
        raise ConfigError(name, "is empty")
    if parts[0] == SIMULATOR_COMMAND and shutil.which(SIMULATOR_COMMAND) is None:
        # Run from a venv whose bin/ is not on PATH: the simulator is importable all the same.
        return (sys.executable, "-m", "signal_api.simulator", *parts[1:])
    return parts


def _json_rpc_address(env: _Env) -> str | None:
    raw = (env.get("SIGNAL_CLI_JSON_RPC_ADDRESS") or "").strip()
    if raw == "":
        return None
    if raw.startswith("unix:") and len(raw) > len("unix:"):
        return raw
    if raw.startswith("tcp://"):
        host, _, port = raw[len("tcp://"):].rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536:
            return raw
    raise ConfigError("SIGNAL_CLI_JSON_RPC_ADDRESS", f"{raw!r} must look like tcp://HOST:PORT or unix:/PATH")


def _webhook_url(env: _Env) -> str | None:
    raw = (env.get("RECEIVE_WEBHOOK_URL") or "").strip()
    if raw == "":
        return None
    try:
        return check_url(raw)
    except ValueError as exc:
        raise ConfigError("RECEIVE_WEBHOOK_URL", str(exc)) from None


def _schedule(env: _Env) -> str | None:
    schedule = env.get("AUTO_RECEIVE_SCHEDULE")
    if schedule is None or schedule.strip() == "":
        return None
    if not croniter.is_valid(schedule):
        raise ConfigError("AUTO_RECEIVE_SCHEDULE", f"{schedule!r} is not a valid 5-field cron expression")
    if len(schedule.split()) != 5:
        raise ConfigError("AUTO_RECEIVE_SCHEDULE", f"{schedule!r} must have exactly 5 fields")
    return schedule


def _default_data_dir(env: _Env) -> str:
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "signal-api")


# ---------------------------------------------------------------- the settings table


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and meaning, as the README's table shows them.

    ``default`` is what the variable means when unset; when ``literal`` it is also a value the
    variable can be set to with the same effect (a test checks that). ``field`` is where the
    effective value lives on :class:`Config` (dotted), None for variables read by the server
    configuration (``gunicorn_conf.py``) or only checked.
    """

    name: str
    default: str
    meaning: str
    field: str | None = None
    origin: str = "signal-api"
    secret: bool = False
    literal: bool = True

    def effective(self, config: Config) -> Any:
        """This variable's value in ``config`` (None when it is not kept on Config)."""
        if self.field is None:
            return None
        value: Any = config
        for part in self.field.split("."):
            value = getattr(value, part)
        return value


_ORIGINAL = "original"


def _original(name: str, default: str, meaning: str, field: str | None = None, **kw: Any) -> Setting:
    return Setting(name, default, meaning, field, origin=_ORIGINAL, **kw)


_IGNORE = {"ATTACHMENTS": "attachments", "STORIES": "stories", "AVATARS": "avatars", "STICKERS": "stickers"}

SETTINGS: tuple[Setting, ...] = (
    _original("MODE", "normal", "how signal-cli is driven: `normal`, `native`, `json-rpc`, `json-rpc-native`", "mode"),
    _original("USE_NATIVE", "unset", "deprecated; cannot be combined with `MODE`", literal=False),
    _original("PORT", "8080", "port the API listens on", "port"),
    Setting("HOST", "127.0.0.1", "address the API listens on (read by the server configuration; the Docker "
            "image sets `0.0.0.0`)"),
    _original("LOG_LEVEL", "info", "`debug`, `info`, `warn` or `error`", "log_level"),
    Setting("LOG_FORMAT", "text", "`text` (one readable line per record) or `json` (one JSON object per line)",
            "log_format"),
    Setting("WORKERS", "1", "gunicorn gevent workers; more than one only in the json-rpc modes (they share "
            "the service's daemon, inbox and cursors)", "workers"),
    Setting("ACCESS_LOG", "0", "`1` adds gunicorn's access log (the service logs one line per request anyway)"),
    _original("SIGNAL_CLI_CONFIG_DIR", "/home/.local/share/signal-cli", "signal-cli's data directory",
              "signal_cli_config_dir"),
    _original("SIGNAL_CLI_CMD_TIMEOUT", "120", "seconds any signal-cli call may take", "command_timeout"),
    Setting("SIGNAL_CLI_BINARY", "`signal-cli` if on `PATH`, else `signal-cli-simulator`",
            "command for `normal` / `json-rpc`", "signal_cli_command", literal=False),
    Setting("SIGNAL_CLI_NATIVE_BINARY", "`signal-cli-native` if on `PATH`, else `signal-cli-simulator`",
            "command for the native modes", "signal_cli_native_command", literal=False),
    Setting("SIGNAL_CLI_JSON_RPC_ADDRESS", "unset (own daemon)",
            "an external daemon: `tcp://host:port` or `unix:/path`", "json_rpc_address", literal=False),
    Setting("SIGNAL_API_DATA_DIR", "`~/.local/share/signal-api` (`./data/api` with `make run`)",
            "the service's own state (inbox, cursors, pending webhooks)", "data_dir", literal=False),
    _original("AUTO_RECEIVE_SCHEDULE", "unset", "5-field cron: run `receive` for every account and store it",
              "auto_receive_schedule", literal=False),
    _original("AUTO_RECEIVE_SCHEDULE_RECEIVE_TIMEOUT", "10", "`receive` timeout of each scheduled run",
              "auto_receive.timeout"),
    *(_original(f"AUTO_RECEIVE_SCHEDULE_IGNORE_{key}", "false", f"scheduled runs skip {what}",
                f"auto_receive.ignore_{what}") for key, what in _IGNORE.items()),
    _original("AUTO_RECEIVE_SCHEDULE_SEND_READ_RECEIPTS", "false", "scheduled runs send read receipts",
              "auto_receive.send_read_receipts"),
    _original("DEFAULT_SIGNAL_TEXT_MODE", "normal", "`text_mode` of sends that give none: `normal` or `styled`",
              "default_text_mode"),
    *(_original(f"JSON_RPC_IGNORE_{key}", "false", f"the service's daemon skips {what}",
                f"json_rpc.ignore_{what}") for key, what in _IGNORE.items()),
    _original("JSON_RPC_TRUST_NEW_IDENTITIES", "unset", "the daemon's `--trust-new-identities`",
              "json_rpc.trust_new_identities", literal=False),
    _original("RECEIVE_WEBHOOK_URL", "unset", "POST every received message to this http(s) URL",
              "receive_webhook_url", literal=False),
    Setting("RECEIVE_WEBHOOK_SECRET", "unset", "HMAC-SHA256 key that signs each webhook POST",
            "receive_webhook_secret", secret=True, literal=False),
    Setting("RECEIVE_WEBHOOK_TIMEOUT", "10", "seconds per webhook attempt", "webhook_timeout"),
    Setting("RECEIVE_WEBHOOK_MAX_ATTEMPTS", "10", "attempts before a delivery is marked failed",
            "webhook_max_attempts"),
    Setting("SIGNAL_API_RETENTION_DAYS", "30", "days a stored message is kept", "retention_days"),
    Setting("SIGNAL_API_RETENTION_MAX_MESSAGES", "10000", "stored messages kept per account",
            "retention_max_messages"),
    Setting("SIGNAL_API_MAX_BODY_BYTES", "104857600", "larger request bodies (100 MiB) get 413 (the original has "
            "no limit)", "max_body_bytes"),
    Setting("SIGNAL_API_WS_QUEUE_SIZE", "1000", "messages a WebSocket may fall behind before it is closed (1013)",
            "ws_queue_size"),
    Setting("SIGNAL_API_WS_PING_INTERVAL", "25", "seconds between server pings on a WebSocket", "ws_ping_interval"),
    Setting("SIGNAL_API_WS_SEND_TIMEOUT", "30", "seconds a WebSocket may stop reading before it is dropped",
            "ws_send_timeout"),
    Setting("SIGNAL_API_WS_COMPRESSION", "false", "`true` offers permessage-deflate to WebSocket clients that ask "
            "(costs ~25% CPU per fan-out and ~114 kB per socket)", "ws_compression"),
    Setting("SIGNAL_API_KEPT_MESSAGES_MAX", "2000", "received messages kept in memory while the inbox cannot be "
            "written (json-rpc modes)", "kept_messages_max"),
    Setting("SIGNAL_API_KEPT_RESERVE_BYTES", "8388608", "disk set aside at start (8 MiB) for kept messages",
            "kept_reserve_bytes"),
    Setting("SIGNAL_API_MAX_CONCURRENT_LINKS", "3", "device links waiting for a scan at once (1–100); more get 429",
            "max_concurrent_links"),
    Setting("SIGNAL_API_MAX_RECIPIENTS", "100", "recipients of one send", "max_recipients"),
    Setting("SIGNAL_API_MAX_MENTIONS", "100", "mentions (and quote mentions) of one send", "max_mentions"),
    Setting("SIGNAL_API_MAX_ATTACHMENTS", "32", "attachments of one send", "max_attachments"),
    Setting("SIGNAL_API_MAX_ATTACHMENT_BYTES", "104857600", "bytes of one attachment (100 MiB; 413 beyond)",
            "max_attachment_bytes"),
    Setting("SIGNAL_API_IDEMPOTENCY_TTL", "86400", "seconds an `Idempotency-Key` replays its first answer",
            "idempotency_ttl"),
    Setting("SIGNAL_API_AUTH", "none", "`token`: every route but health, about and the docs needs an API token "
            "(see Security)", "auth"),
    Setting("ALLOWED_ORIGINS", "unset", "comma list of web origins that may use the API from a browser (CORS; "
            "WebSocket and POST/PUT/DELETE from other origins are refused)", "allowed_origins", literal=False),
    Setting("SIGNAL_API_SEND_RATE", "off", "e.g. `5/s` (or `N/m`, `N/h`): sends per account across tokens; over "
            "it 429 with `Retry-After`", "send_rate", literal=False),
    Setting("SEND_RESPONSE_FORMAT", "array", "`/v2/send` reply: `array` (current original) or `object` "
            "(original 0.100)", "send_response_format"),
    _original("SWAGGER_HOST", "unset", "host the Swagger UI sends its requests to", "swagger_host", literal=False),
    _original("SWAGGER_IP", "unset", "IP the Swagger UI sends its requests to (with `PORT`)", "swagger_ip",
              literal=False),
    _original("SWAGGER_USE_HTTPS_AS_PREFERRED_SCHEME", "false", "the Swagger UI uses https", "swagger_https"),
    _original("BUILD_VERSION", "0.101.0", "`version` reported by `/v1/about`", "build_version"),
)

CONFIG_TABLE_START = "<!-- config-table:start (generated by `signal-api config-table`; do not edit) -->"
CONFIG_TABLE_END = "<!-- config-table:end -->"


def settings_table() -> str:
    """The README's configuration table (Markdown), from :data:`SETTINGS`."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        default = setting.default if setting.default.startswith("`") or not setting.literal else f"`{setting.default}`"
        mark = "" if setting.origin == _ORIGINAL else " ¹"
        lines.append(f"| `{setting.name}`{mark} | {default} | {setting.meaning} |")
    lines.append("")
    lines.append("¹ added by signal-api; the others are the original's, with its names and defaults.")
    return "\n".join(lines) + "\n"


def with_settings_table(document: str) -> str:
    """``document`` (the README) with the text between the table markers replaced by :func:`settings_table`."""
    start = document.index(CONFIG_TABLE_START) + len(CONFIG_TABLE_START)
    end = document.index(CONFIG_TABLE_END, start)
    return document[:start] + "\n" + settings_table() + document[end:]
