"""What must hold before the service starts, each failure named by the variable that causes it.

``startup_problems`` is what every start checks (cheap: no signal-cli is run);
``check_config_problems`` adds what only ``signal-api check-config`` does (run the configured
signal-cli with ``--version``).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from signal_api.config import Config, ConfigError
from signal_api.simulator import marker

VERSION_TIMEOUT = 30.0


@dataclass(frozen=True)
class Problem:
    """One reason the service cannot start as configured."""

    variable: str
    message: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.message}"

    def as_error(self) -> ConfigError:
        """The same problem as the ConfigError start-up raises."""
        return ConfigError(self.variable, self.message)


def binary_variable(config: Config) -> str:
    """The variable that names the signal-cli of the configured mode."""
    return "SIGNAL_CLI_NATIVE_BINARY" if config.mode in ("native", "json-rpc-native") else "SIGNAL_CLI_BINARY"


def uses_local_signal_cli(config: Config) -> bool:
    """False when an external daemon (SIGNAL_CLI_JSON_RPC_ADDRESS) does all the signal-cli work."""
    return not (config.uses_json_rpc and config.json_rpc_address)


def binary_missing(config: Config) -> str | None:
    """Why the configured signal-cli cannot be found, or None when it can."""
    program = config.command[0]
    if os.sep in program:
        if not os.path.isfile(program):
            return f"{program} does not exist"
        if not os.access(program, os.X_OK):
            return f"{program} is not executable"
        return None
    return None if shutil.which(program) else f"{program} is not on PATH"


def simulator_guard(config: Config) -> list[Problem]:
    """A real signal-cli's accounts must not be served by the simulator, nor by a missing binary."""
    if not uses_local_signal_cli(config):
        return []
    files = marker.real_account_files(str(config.signal_cli_config_dir))
    if not files:
        return []
    variable = binary_variable(config)
    shown = ", ".join(f"data/{name}" for name in files[:3])
    if config.uses_simulator:
        why = f"is the built-in simulator ({' '.join(config.command)})"
    else:
        why = binary_missing(config)
        if why is None:
            return []
    return [Problem(variable, f"{why}, but SIGNAL_CLI_CONFIG_DIR {config.signal_cli_config_dir} holds accounts "
                              f"made by a real signal-cli ({shown}); refusing to start. Install signal-cli and "
                              f"set {variable} to it (the simulator serves only its own data).")]


def writable_dir_problem(variable: str, path: Path) -> Problem | None:
    """A problem unless ``path`` is (or can be created as) a directory this process can write to."""
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        return Problem(variable, f"{path} cannot be used: {existing} is not a directory")
    try:
        # Trying is the only honest test: os.access says yes to root on a read-only mount.
        fd, probe = tempfile.mkstemp(prefix=".signal-api-check-", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        where = "" if existing == path else f" (its nearest existing parent {existing} is not writable)"
        return Problem(variable, f"{path} is not writable{where}: {exc.strerror or exc}")
    return None


def database_problem(config: Config) -> Problem | None:
    """A problem when the service's database exists but cannot be opened as one."""
    path = config.database_path
    if not path.exists() and not path.is_symlink():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1.0)
        try:
            db.execute("PRAGMA schema_version").fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return Problem("SIGNAL_API_DATA_DIR", f"cannot open the database {path}: {exc}")
    return None


def startup_problems(config: Config) -> list[Problem]:
    """Everything every start checks, all at once."""
    problems = [p for p in (writable_dir_problem("SIGNAL_API_DATA_DIR", config.data_dir),) if p]
    if not problems:
        problems += [p for p in (database_problem(config),) if p]
    problems += simulator_guard(config)
    return problems


def run_version(config: Config) -> tuple[str | None, Problem | None]:
    """Run the configured signal-cli with ``--version``: (its output, None) or (None, the problem)."""
    variable = binary_variable(config)
    missing = binary_missing(config)
    if missing is not None:
        return None, Problem(variable, missing)
    argv = [*config.command, "--version"]
    timeout = min(VERSION_TIMEOUT, config.command_timeout)
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                              errors="replace")
    except subprocess.TimeoutExpired:
        return None, Problem(variable, f"`{' '.join(argv)}` did not answer within {timeout:g} s")
    except OSError as exc:
        return None, Problem(variable, f"cannot run {argv[0]}: {exc.strerror or exc}")
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or [""])[-1]
        return None, Problem(variable, f"`{' '.join(argv)}` exited with code {done.returncode}: {said[:300]}")
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else "", None


def check_config_problems(config: Config) -> tuple[list[Problem], str | None]:
    """``startup_problems`` plus the signal-cli run and its config dir; returns (problems, signal-cli version)."""
    problems = startup_problems(config)
    version = None
    if uses_local_signal_cli(config):
        version, problem = run_version(config)
        problems += [problem] if problem else []
        dir_problem = writable_dir_problem("SIGNAL_CLI_CONFIG_DIR", config.signal_cli_config_dir)
        problems += [dir_problem] if dir_problem else []
    return problems, version
