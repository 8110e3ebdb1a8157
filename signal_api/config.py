"""Service configuration, read once from the environment.

Every variable of the original signal-cli-rest-api keeps its name and default; ours are added
beside them. ``Config.from_env`` is the only place that reads the environment, and a bad value
raises :class:`ConfigError` naming the variable, so start-up stops with a clear message.
"""
from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from croniter import croniter

MODES = ("normal", "native", "json-rpc", "json-rpc-native")
LOG_LEVELS = ("debug", "info", "warn", "error")
TRUST_MODES = ("on-first-use", "always", "never")
TEXT_MODES = ("normal", "styled")
SEND_RESPONSE_FORMATS = ("array", "object")
SIMULATOR_COMMAND = "signal-cli-simulator"


class ConfigError(ValueError):
    """A configuration variable has a value the service cannot work with."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


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
    max_body_bytes: int = 100 * 1024 * 1024
    ws_queue_size: int = 1000
    ws_ping_interval: float = 25.0
    ws_send_timeout: float = 30.0
    swagger_host: str | None = None
    swagger_ip: str | None = None
    swagger_https: bool = False
    build_version: str = "0.101.0"
    signal_cli_command: tuple[str, ...] = ()
    signal_cli_native_command: tuple[str, ...] = ()
    json_rpc_address: str | None = None
    data_dir: Path = Path("data")
    send_response_format: str = "array"

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
        """Build the configuration from environment variables; raises ConfigError."""
        env = _Env(os.environ if environ is None else environ)
        if env.get("USE_NATIVE") is not None and env.get("MODE") is not None:
            raise ConfigError("USE_NATIVE", "deprecated; it cannot be combined with MODE (use MODE only)")
        default_binary = "signal-cli" if shutil.which("signal-cli") else SIMULATOR_COMMAND
        default_native = "signal-cli-native" if shutil.which("signal-cli-native") else SIMULATOR_COMMAND
        schedule = env.get("AUTO_RECEIVE_SCHEDULE")
        if schedule is not None and schedule.strip() == "":
            schedule = None
        if schedule is not None and not croniter.is_valid(schedule):
            raise ConfigError("AUTO_RECEIVE_SCHEDULE", f"{schedule!r} is not a valid 5-field cron expression")
        if schedule is not None and len(schedule.split()) != 5:
            raise ConfigError("AUTO_RECEIVE_SCHEDULE", f"{schedule!r} must have exactly 5 fields")
        return cls(
            mode=env.choice("MODE", MODES, "normal"),
            port=env.integer("PORT", 8080, minimum=0, maximum=65535),
            log_level=env.choice("LOG_LEVEL", LOG_LEVELS, "info", lower=True),
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
            receive_webhook_url=_webhook_url(env),
            receive_webhook_secret=env.get("RECEIVE_WEBHOOK_SECRET") or None,
            webhook_timeout=float(env.integer("RECEIVE_WEBHOOK_TIMEOUT", 10, minimum=1)),
            webhook_max_attempts=env.integer("RECEIVE_WEBHOOK_MAX_ATTEMPTS", 10, minimum=1),
            retention_days=env.integer("SIGNAL_API_RETENTION_DAYS", 30, minimum=1),
            retention_max_messages=env.integer("SIGNAL_API_RETENTION_MAX_MESSAGES", 10000, minimum=1),
            max_body_bytes=env.integer("SIGNAL_API_MAX_BODY_BYTES", 100 * 1024 * 1024, minimum=1024),
            ws_queue_size=env.integer("SIGNAL_API_WS_QUEUE_SIZE", 1000, minimum=1),
            ws_ping_interval=float(env.integer("SIGNAL_API_WS_PING_INTERVAL", 25, minimum=1)),
            ws_send_timeout=float(env.integer("SIGNAL_API_WS_SEND_TIMEOUT", 30, minimum=1)),
            swagger_host=env.get("SWAGGER_HOST") or None,
            swagger_ip=env.get("SWAGGER_IP") or None,
            swagger_https=(env.get("SWAGGER_USE_HTTPS_AS_PREFERRED_SCHEME") or "false") == "true",
            build_version=env.get("BUILD_VERSION") or "0.101.0",
            signal_cli_command=_command(env, "SIGNAL_CLI_BINARY", default_binary),
            signal_cli_native_command=_command(env, "SIGNAL_CLI_NATIVE_BINARY", default_native),
            json_rpc_address=_json_rpc_address(env),
            data_dir=Path(env.get("SIGNAL_API_DATA_DIR") or _default_data_dir(env)),
            send_response_format=env.choice("SEND_RESPONSE_FORMAT", SEND_RESPONSE_FORMATS, "array"),
        )


class _Env:
    """Typed accessors over an environment mapping; each error names its variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def get(self, name: str) -> str | None:
        return self._environ.get(name)

    def choice(self, name: str, allowed: tuple[str, ...], default: str, *, lower: bool = False) -> str:
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
        return self.choice(name, allowed, value)

    def integer(self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
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

    def boolean(self, name: str) -> bool:
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


def _command(env: _Env, name: str, default: str) -> tuple[str, ...]:
    raw = (env.get(name) or "").strip() or default
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
    if not raw.startswith(("http://", "https://")):
        raise ConfigError("RECEIVE_WEBHOOK_URL", f"{raw!r} must be an http:// or https:// URL")
    return raw


def _default_data_dir(env: _Env) -> str:
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "signal-api")
