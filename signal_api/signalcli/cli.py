"""The subprocess backend (modes ``normal`` and ``native``): one signal-cli process per call.

Success is judged by the exit code alone. stdout carries only results (one JSON document per
line with ``--output json``); stderr carries log noise and error texts and is never mixed into a
result. A failure's whole stderr goes to the debug log; the error keeps signal-cli's message line.
Every process is killed when ``SIGNAL_CLI_CMD_TIMEOUT`` runs out.
"""
from __future__ import annotations

import json
import logging
import os
import shlex
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from signal_api.errors import backend as errors
from signal_api.signalcli.argv import Invocation, build_invocation
from signal_api.signalcli.base import ReceiveOptions, SignalBackend
from signal_api.signalcli.children import ChildRegistry
from signal_api.signalcli.linking import DEFAULT_LIMIT as DEFAULT_LINK_LIMIT
from signal_api.signalcli.linking import LinkProcesses

log = logging.getLogger(__name__)

_LOG_LEVELS = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
               "ERROR": logging.ERROR}


# Per-request processes die with the worker too (their timeout killer would die with it), but
# are not recorded on disk: they are short-lived, and a record per request would cost a write.
_COMMANDS = ChildRegistry()

# JSON-RPC methods that have no command line: a process per call cannot run them.
RPC_ONLY_METHODS = frozenset({"startLink", "finishLink", "subscribeReceive", "unsubscribeReceive",
                              "subscribeCallEvents", "unsubscribeCallEvents"})


class CliBackend(SignalBackend):
    """Runs ``signal-cli [global options] COMMAND [options]`` for every call."""

    transport = "cli"

    def __init__(self, command: Sequence[str], config_dir: Path, *, timeout: float,
                 link_limit: int = DEFAULT_LINK_LIMIT, children: ChildRegistry | None = None) -> None:
        super().__init__()
        self.command = tuple(command)
        self.config_dir = Path(config_dir)
        self.timeout = timeout
        self._streams: set[subprocess.Popen] = set()
        self._streams_lock = threading.Lock()
        self._holding = threading.Event()
        # A phone scan takes a person: a link process may wait as long as any command may run.
        self.links = LinkProcesses(deadline=timeout, limit=link_limit, children=children)

    def cancel_polls(self) -> None:
        self._kill_streams("shutting down")

    def hold_intake(self) -> None:
        # What a killed receive already printed is still read to the end of its output; what it
        # had not printed yet, signal-cli keeps in its own message cache for the next receive.
        self._holding.set()
        self._kill_streams("received messages cannot be stored")

    def resume_intake(self) -> None:
        self._holding.clear()

    def _kill_streams(self, reason: str) -> None:
        with self._streams_lock:
            streams = list(self._streams)
        for process in streams:
            _kill_quietly(process, reason=reason)

    def stop(self) -> None:
        self.cancel_polls()
        self.links.stop_all()

    def start_link(self, device_name: str) -> str:
        invocation = build_invocation(self.command, str(self.config_dir), "link", {"name": device_name})
        return self.links.start(device_name, invocation.argv, first_line_timeout=self.timeout)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        account: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        if method in RPC_ONLY_METHODS:
            # What signal-cli's daemon answers for a method its transport does not have.
            raise errors.InvalidRequestError("Method not implemented", code=-32601)
        invocation = build_invocation(self.command, str(self.config_dir), method, params, account=account,
                                      trust_new_identities=self.trust_mode_for(account))
        stdout = self.run(invocation, timeout=timeout)
        documents = parse_json_lines(stdout)
        if not documents:
            return None
        return documents[0] if len(documents) == 1 else documents

    def poll(self, account: str, options: ReceiveOptions) -> int:
        if self._holding.is_set():
            return 0
        invocation = build_invocation(
            self.command, str(self.config_dir), "receive", options.as_params(), account=account,
            trust_new_identities=self.trust_mode_for(account),
        )
        # signal-cli's timeout is an idle timeout: give the process that long plus the usual budget.
        budget = self.timeout + max(options.timeout, 0)
        return self.stream(invocation, lambda document: self._publish([document]), timeout=budget)

    def stream(self, invocation: Invocation, on_document: Callable[[dict[str, Any]], None], *,
               timeout: float) -> int:
        """Run a command that prints JSON lines as things happen; hand over each line at once."""
        log.debug("streaming %s", _describe(invocation.argv))
        try:
            process = _COMMANDS.spawn(invocation.argv, role="receive", stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            raise _not_startable(invocation, exc) from exc
        with self._streams_lock:
            self._streams.add(process)
        stderr_lines: list[str] = []
        reader = threading.Thread(target=_collect, args=(process.stderr, stderr_lines), daemon=True)
        reader.start()
        killer = threading.Timer(timeout, _kill_quietly, args=(process,))
        killer.start()
        count = 0
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                for document in parse_json_lines(raw.decode("utf-8", "replace")):
                    if isinstance(document, dict):
                        on_document(document)
                        count += 1
            process.wait()
        finally:
            if process.poll() is None:  # a handler raised: the process must not outlive this call
                _kill_quietly(process, reason="its output could not be handed over")
                process.wait()
            killer.cancel()
            reader.join(timeout=5)
            with self._streams_lock:
                self._streams.discard(process)
        stderr = "".join(stderr_lines)
        problems = _log_stderr(stderr)
        if process.returncode not in (0, -signal.SIGKILL):
            _log_failure(process.returncode, stderr)
            message = "\n".join(problems).strip() or f"signal-cli exited with code {process.returncode}"
            raise errors.from_exit_code(process.returncode, message)
        return count

    def run(self, invocation: Invocation, *, timeout: float | None = None) -> str:
        """Run the process, return its stdout; raise a typed error on failure or timeout."""
        log.debug("running %s", _describe(invocation.argv))
        try:
            process = _COMMANDS.spawn(invocation.argv, role="command", stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            raise _not_startable(invocation, exc) from exc
        limit = self.timeout if timeout is None else timeout
        stdin = (invocation.stdin or "").encode() if invocation.stdin is not None else b""
        try:
            out, err = process.communicate(stdin, timeout=limit)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise errors.BackendTimeoutError("process killed as timeout reached") from None
        stdout = out.decode("utf-8", "replace")
        stderr = err.decode("utf-8", "replace")
        problems = _log_stderr(stderr)
        if process.returncode == 0:
            return stdout
        _log_failure(process.returncode, stderr)
        message = "\n".join(problems).strip() or stdout.strip() or f"signal-cli exited with code {process.returncode}"
        documents = parse_json_lines(stdout)
        raise errors.from_exit_code(process.returncode, message, documents[0] if documents else None)


def parse_json_lines(stdout: str) -> list[Any]:
    """The JSON documents signal-cli printed, one per line; other lines are logged and skipped."""
    documents = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            documents.append(json.loads(line))
        except ValueError:
            log.warning("ignoring a non-JSON line of signal-cli output: %s", line[:200])
    return documents


def _log_stderr(stderr: str) -> list[str]:
    """Re-log signal-cli's log lines; return the rest (the error text of a failed command)."""
    rest = []
    for line in stderr.splitlines():
        match = errors.LOG_LINE.match(line)
        if match:
            log.log(_LOG_LEVELS[match.group(1)], "signal-cli: %s", line)
        elif line.strip():
            rest.append(line)
    return rest


def _log_failure(code: int, stderr: str) -> None:
    # The error a client gets keeps one line; the operator gets everything.
    log.debug("signal-cli exited with code %s; its stderr: %s", code, stderr)


def _not_startable(invocation: Invocation, exc: OSError) -> errors.BackendUnavailableError:
    log.error("cannot start signal-cli (%s): %s", invocation.argv[0], exc)
    return errors.BackendUnavailableError(f"Couldn't start signal-cli: {exc.strerror or type(exc).__name__}")


def _collect(stream: Any, into: list[str]) -> None:
    for raw in stream:
        into.append(raw.decode("utf-8", "replace"))


def _kill_quietly(process: subprocess.Popen, reason: str = "it ran past its time budget") -> None:
    log.log(logging.INFO if reason == "shutting down" else logging.WARNING,
            "killing signal-cli (pid %s): %s", process.pid, reason)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.communicate()


def _describe(argv: list[str]) -> str:
    # Values are the client's: quoted here; control characters are escaped by the logging layer
    # (observability/logs.py), so none forges a log line.
    return " ".join(shlex.quote(arg) for arg in argv)
