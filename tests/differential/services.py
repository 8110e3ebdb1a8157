"""The two services under comparison, each on its own copy of one seeded simulator state.

The state is seeded once (accounts, a group, a contact) and copied, so both services see the same
uuids, group ids and profile keys; only what a request creates afterwards differs (and is
normalised by :mod:`tests.differential.compare`).
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.support import free_port
from signal_api.simulator import seed
from signal_api.simulator.__main__ import main as simulator_main

from tests.differential.cases import A, B, C, D

GROUP_NAME = "Differential"
SIMULATOR_BIN = Path(sys.executable).with_name("signal-cli-simulator")


@dataclass
class Seeded:
    """What the seeded state holds, as the cases refer to it."""

    group_id: str  # "group.<base64 of the internal id>", as the REST API names groups
    group_internal_id: str
    group2_id: str
    group3_id: str
    b_uuid: str
    attachment: str  # the id of an attachment A received


def _simulator(config_dir: Path, *args: str) -> None:
    code = simulator_main(["--config", str(config_dir), *args])
    assert code == 0, f"seeding: simulator {args} exited {code}"


def _json(config_dir: Path, account: str, *args: str) -> object:
    out = subprocess.run([str(SIMULATOR_BIN), "--config", str(config_dir), "-o", "json", "-a", account, *args],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out) if out.strip() else None


def rest_id(internal: str) -> str:
    """The REST API's name of a group: ``group.`` and the base64 of its internal id."""
    return "group." + base64.b64encode(internal.encode()).decode()


def _new_group(config_dir: Path, name: str) -> str:
    """The internal id of a new group of A and B whose ids (both forms) have no ``/``.

    Group ids are random; the original's router cannot take a ``/`` in a path segment (404), so a
    seeded id with one would make every case naming the group differ by chance. The discarded
    groups stay in the state, the same on both sides.
    """
    for _ in range(40):
        before = {g["id"] for g in _json(config_dir, A, "listGroups")}
        _simulator(config_dir, "-a", A, "updateGroup", "-n", name, "-m", B)
        [internal] = {g["id"] for g in _json(config_dir, A, "listGroups")} - before
        if "/" not in internal + rest_id(internal):
            return internal
    raise AssertionError("no group id without a slash in 40 tries")


def seed_state(config_dir: Path) -> Seeded:
    """Accounts A, B, C, D (registered, with profile names); groups of A and B; contacts; an attachment.

    Group G is for the harmless requests, G2 and G3 for the destructive ones (block, delete, quit).
    """
    seed.register_account(str(config_dir), A, given_name="Alice", family_name="A")
    seed.register_account(str(config_dir), B, given_name="Bob", family_name="B")
    seed.register_account(str(config_dir), C, given_name="Carol", family_name="C")
    seed.register_account(str(config_dir), D, given_name="Dave", family_name="D")
    groups = {name: _new_group(config_dir, name) for name in (GROUP_NAME, GROUP_NAME + " 2", GROUP_NAME + " 3")}
    _simulator(config_dir, "-a", A, "updateContact", "-n", "Bob Contact", B)
    _simulator(config_dir, "-a", B, "updateContact", "-n", "Alice Contact", A)
    attachment = config_dir / "seed-attachment.txt"
    attachment.write_text("an attachment\n")
    _simulator(config_dir, "-a", B, "send", A, "-m", "with attachment", "-a", str(attachment))
    attachment.unlink()
    out = subprocess.run([str(SIMULATOR_BIN), "--config", str(config_dir), "-o", "json", "-a", A,
                          "receive", "-t", "1"], capture_output=True, text=True, check=True).stdout
    received = [json.loads(line) for line in out.splitlines() if line.strip()]
    attachment_id = next(env["envelope"]["dataMessage"]["attachments"][0]["id"] for env in received
                         if env["envelope"].get("dataMessage", {}).get("attachments"))
    b_uuid = next(c["uuid"] for c in _json(config_dir, A, "listContacts") if c["number"] == B)
    return Seeded(group_id=rest_id(groups[GROUP_NAME]), group_internal_id=groups[GROUP_NAME],
                  group2_id=rest_id(groups[GROUP_NAME + " 2"]), group3_id=rest_id(groups[GROUP_NAME + " 3"]),
                  b_uuid=b_uuid, attachment=attachment_id)


def copy_state(template: Path, root: Path) -> Path:
    """A private copy of the seeded config dir under ``root``."""
    target = root / "signal-cli"
    shutil.copytree(template, target)
    # What the simulator logged while seeding is not part of the state the services should see.
    (target / "simulator" / "calls.jsonl").unlink(missing_ok=True)
    return target


def _wait_healthy(base: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/v1/health", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "did not come up:\n" + log.read_text(errors="replace")
            time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class OriginalProcess:
    """The original's binary on the simulator: ``signal-cli`` on its PATH runs the simulator.

    In json-rpc mode the simulator's daemon listens on TCP, as the original's ``jsonrpc2.yml``
    says (the original does not start a daemon itself).
    """

    def __init__(self, binary: Path, mode: str, root: Path, config_dir: Path, build_version: str) -> None:
        self.mode = mode
        self.root = root
        self.config_dir = config_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        bin_dir = root / "bin"
        bin_dir.mkdir()
        wrapper = bin_dir / "signal-cli"
        wrapper.write_text(f'#!/bin/sh\nexec "{SIMULATOR_BIN}" "$@"\n')
        wrapper.chmod(0o755)
        tmp = root / "tmp"
        tmp.mkdir()
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               "PORT": str(self.port), "GIN_MODE": "release",
               "BUILD_VERSION": build_version}
        self.daemon: subprocess.Popen | None = None
        self._daemon_log = (root / "daemon.log").open("wb")
        if mode == "json-rpc":
            rpc_port = free_port()
            (config_dir / "jsonrpc2.yml").write_text(
                f"config:\n  <multi-account>:\n    tcp_port: {rpc_port}\n")
            self.daemon = subprocess.Popen(
                [str(SIMULATOR_BIN), "--config", str(config_dir), "daemon", "--tcp", f"127.0.0.1:{rpc_port}"],
                stdout=self._daemon_log, stderr=subprocess.STDOUT)
            _wait_port(rpc_port, self.daemon)
            env["MODE"] = "json-rpc"
        self.log_path = root / "original.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(binary), f"-signal-cli-config={config_dir}", f"-attachment-tmp-dir={tmp}/",
             f"-avatar-tmp-dir={tmp}/"],
            env=env, cwd=root, stdout=self._log, stderr=subprocess.STDOUT)
        _wait_healthy(self.base, self.process, self.log_path)

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        _stop(self.process)
        if self.daemon is not None:
            _stop(self.daemon)
        self._log.close()
        self._daemon_log.close()


def _wait_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None, "the simulator daemon exited"
            assert time.monotonic() < deadline, "the simulator daemon did not listen"
            time.sleep(0.1)
