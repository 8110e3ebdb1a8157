"""The work of the ``signal-api`` subcommands other than ``serve``: each returns an exit code."""
from __future__ import annotations

import dataclasses
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from signal_api.config import Config, ConfigError, ConfigErrors, settings_table, with_settings_table
from signal_api.operator.checks import Problem, check_config_problems
from signal_api.operator.settings_report import render_table, settings_rows

OK, PROBLEMS, USAGE = 0, 1, 2
LINK_POLL_SECONDS = 1.0


def load_config(out: TextIO = sys.stderr) -> Config | None:
    """The configuration, or None after printing every bad variable."""
    try:
        return Config.from_env()
    except ConfigErrors as exc:
        for problem in exc.problems:
            print(f"signal-api: configuration error: {problem}", file=out)
    except ConfigError as exc:
        print(f"signal-api: configuration error: {exc}", file=out)
    return None


def check_config(out: TextIO = sys.stdout) -> int:
    """Print the effective settings and every problem; non-zero when there is any."""
    problems: list[Problem] = []
    try:
        config = Config.from_env()
    except ConfigErrors as exc:
        problems += [Problem(p.variable, str(p).split(": ", 1)[1]) for p in exc.problems]
        config = exc.partial
    bad = {problem.variable for problem in problems}
    found, version = check_config_problems(config)
    problems += [problem for problem in found if problem.variable not in bad]
    rows = [(name, value if name not in bad else "(invalid: see below)", source)
            for name, value, source in settings_rows(config)]
    out.write(render_table(rows, ("variable", "value", "from")))
    out.write("\n")
    if version is not None:
        out.write(f"signal-cli: {' '.join(config.command)} --version: {version}\n")
    if config.uses_simulator:
        out.write("signal-cli is the built-in simulator: no message leaves this machine.\n")
    if not problems:
        out.write("configuration OK\n")
        return OK
    out.write(f"{len(problems)} problem{'s' if len(problems) > 1 else ''}:\n")
    for problem in problems:
        out.write(f"  {problem}\n")
    return PROBLEMS


def config_table(write: str | None, out: TextIO = sys.stdout) -> int:
    """Print the README's configuration table, or rewrite it inside ``write``."""
    if write is None:
        out.write(settings_table())
        return OK
    path = Path(write)
    path.write_text(with_settings_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return OK


def _cli_backend(config: Config):  # noqa: ANN202
    """A backend that runs signal-cli per call (a running service's daemon is left alone)."""
    from signal_api.signalcli import make_backend
    from signal_api.signalcli.cli import CliBackend

    if config.uses_json_rpc and config.json_rpc_address:
        return make_backend(config)  # the operator's own daemon elsewhere
    return CliBackend(config.command, config.signal_cli_config_dir, timeout=config.command_timeout)


def accounts(config: Config, out: TextIO = sys.stdout) -> int:
    """Print the registered accounts, one number per line."""
    from signal_api.errors.backend import SignalCliError

    backend = _cli_backend(config)
    backend.start()
    try:
        numbers = backend.list_accounts()
    except SignalCliError as exc:
        print(f"signal-api: cannot list accounts: {exc.message}", file=sys.stderr)
        return PROBLEMS
    finally:
        backend.stop()
    for number in numbers:
        out.write(number + "\n")
    return OK


def openapi_document(config: Config) -> bytes:
    """The bytes ``GET /swagger/doc.json`` answers with this configuration."""
    from signal_api.app import create_app

    # The spec depends on the configuration (SWAGGER_HOST...), not on the state: build the app
    # on a throw-away data dir so that nothing is written where the service keeps its own.
    with tempfile.TemporaryDirectory(prefix="signal-api-openapi-") as scratch:
        app = create_app(dataclasses.replace(config, data_dir=Path(scratch)), testing=True)
        try:
            response = app.test_client().get("/swagger/doc.json")
            assert response.status_code == 200, response.status
            return response.get_data()
        finally:
            from signal_api.services import get_services

            get_services(app).inbox.close()


def openapi(config: Config, file: str | None) -> int:
    """Write the OpenAPI document to ``file`` (stdout when none)."""
    document = openapi_document(config)
    if file is None or file == "-":
        sys.stdout.buffer.write(document)
        sys.stdout.buffer.flush()
    else:
        Path(file).write_bytes(document)
    return OK


def qr_text(content: str) -> str:
    """``content`` as a QR code drawn with block characters (two modules per character row)."""
    import segno

    buffer = io.StringIO()
    segno.make(content, error="l").terminal(out=buffer, compact=True)
    return buffer.getvalue()


def link(config: Config, device_name: str, out: TextIO = sys.stdout) -> int:
    """Link a new device: show the QR code and URI, wait for the scan, print the linked number."""
    from signal_api.errors.backend import SignalCliError

    backend = _cli_backend(config)
    backend.start()
    try:
        before = set(backend.list_accounts())
        uri = backend.start_link(device_name)
        out.write(qr_text(uri))
        out.write(f"\n{uri}\n\nScan this code in Signal: Settings > Linked devices > Link new device.\n")
        if config.uses_simulator:
            out.write(f"Simulator: play the phone's part with\n  signal-cli-simulator --config "
                      f"{config.signal_cli_config_dir} simulateLinkScan --uri '{uri}' --number +49...\n")
        out.write(f"Waiting up to {config.command_timeout:g} s for the scan...\n")
        out.flush()
        number = _wait_for_new_account(backend, before, deadline=time.monotonic() + config.command_timeout + 5)
    except SignalCliError as exc:
        print(f"signal-api: linking failed: {exc.message}", file=sys.stderr)
        return PROBLEMS
    finally:
        backend.stop()
    if number is None:
        print("signal-api: the link was not scanned in time (or signal-cli gave up)", file=sys.stderr)
        return PROBLEMS
    out.write(f"linked: {number}\n")
    return OK


def _wait_for_new_account(backend, before: set[str], *, deadline: float) -> str | None:  # noqa: ANN001
    links = getattr(backend, "links", None)
    while time.monotonic() < deadline:
        still_waiting = links is None or bool(links.active())
        new = sorted(set(backend.list_accounts()) - before)
        if new:
            return new[0]
        if not still_waiting:
            return None
        time.sleep(LINK_POLL_SECONDS)
    return None


def version_text() -> str:
    """What ``signal-api --version`` prints."""
    from signal_api import __version__

    return f"signal-api {__version__} (Python {sys.version.split()[0]})"
