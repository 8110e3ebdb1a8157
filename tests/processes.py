"""What runs on this machine, read from /proc: the processes a test started and their children."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    """One live (not zombie) process."""

    pid: int
    ppid: int
    argv: tuple[str, ...]


def live_processes() -> list[Proc]:
    """Every process that is running (zombies excluded: they are gone, only not yet reaped)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            raw = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):
            continue
        argv = tuple(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)
        found.append(Proc(int(entry), int(fields[1]), argv))
    return found


def uses_config_dir(proc: Proc, config_dir: Path) -> bool:
    """True when the process is a signal-cli (or simulator) working on ``config_dir``."""
    argv = proc.argv
    return any((a == "--config" and i + 1 < len(argv) and argv[i + 1] == str(config_dir))
               or a == f"--config={config_dir}" for i, a in enumerate(argv))


def daemons_on(config_dir: Path) -> list[Proc]:
    """The signal-cli daemons running on ``config_dir``."""
    return [p for p in live_processes() if uses_config_dir(p, config_dir) and "daemon" in p.argv]


def links_on(config_dir: Path) -> list[Proc]:
    """The ``signal-cli link`` processes running on ``config_dir``."""
    return [p for p in live_processes() if uses_config_dir(p, config_dir) and "link" in p.argv]


def commands_on(config_dir: Path, command: str) -> list[Proc]:
    """The signal-cli processes running ``command`` on ``config_dir``."""
    return [p for p in live_processes() if uses_config_dir(p, config_dir) and command in p.argv]


def children_of(pid: int) -> list[Proc]:
    """The direct children of ``pid``."""
    return [p for p in live_processes() if p.ppid == pid]


def is_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    return any(p.pid == pid for p in live_processes())


def tcp_connection_owner(server_port: int, client_port: int) -> int | None:
    """The pid of the process holding the server side of the loopback TCP connection from ``client_port``."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if local_port == server_port and remote_port == client_port:
                inode = fields[9]
    if inode is None:
        return None
    wanted = f"socket:[{inode}]"
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") == wanted:
                    return int(entry)
            except OSError:
                continue
    return None
