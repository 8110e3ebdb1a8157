"""``<SIGNAL_CLI_CONFIG_DIR>/api-config.yml``: the per-number trust modes, in the original's format.

The original stores ``config: {"<number>": {trust_mode: 0|1|2}}`` (0 = on-first-use, 1 = always,
2 = never), written by ``POST /v1/configuration/{number}/settings``. Only that small YAML
subset is read and written here, so a file left by the original keeps working. The backend
asks for the trust mode of every call, so reads are cached until the file changes.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path

from signal_api.config import TRUST_MODES

log = logging.getLogger(__name__)

FILE_NAME = "api-config.yml"
DEFAULT_TRUST_MODE = "on-first-use"

_ENTRY = re.compile(r"""^\s+(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s:'"][^:]*?))\s*:\s*(\{\s*\})?\s*$""")
_TRUST = re.compile(r"^\s+trust_mode\s*:\s*(\d+)\s*$")
_write_lock = threading.Lock()


class ApiConfig:
    """Reads and writes one ``api-config.yml``."""

    def __init__(self, config_dir: str | os.PathLike[str]) -> None:
        self.path = Path(config_dir) / FILE_NAME
        self._path_text = str(self.path)
        self._cache_key: tuple[int, int, int] | None = None
        self._cache: dict[str, str] = {}

    def trust_modes(self) -> dict[str, str]:
        """Every configured number and its trust mode name."""
        try:
            stat = os.stat(self._path_text)  # per send: os.stat costs a third of Path.stat
        except FileNotFoundError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if key != self._cache_key:
            try:
                self._cache = parse(self.path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("couldn't read %s: %s", self.path, exc)
                self._cache = {}
            self._cache_key = key
        return self._cache

    def trust_mode(self, number: str) -> str | None:
        """The trust mode configured for ``number``, or None (signal-cli's default applies)."""
        return self.trust_modes().get(number)

    def set_trust_mode(self, number: str, mode: str) -> None:
        """Store ``mode`` for ``number``; the file is replaced atomically."""
        if mode not in TRUST_MODES:
            raise ValueError(f"unknown trust mode {mode!r}")
        with _write_lock:
            modes = dict(self.trust_modes())
            modes[number] = mode
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}.{threading.get_ident()}")
            tmp.write_text(render(modes), encoding="utf-8")
            os.replace(tmp, self.path)


def parse(text: str) -> dict[str, str]:
    """The trust modes in an ``api-config.yml`` text; unknown keys and values are skipped."""
    modes: dict[str, str] = {}
    in_config = False
    number: str | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            in_config = line.split(":", 1)[0].strip() == "config"
            number = None
            continue
        if not in_config:
            continue
        trust = _TRUST.match(line)
        if trust and number is not None:
            index = int(trust.group(1))
            if index < len(TRUST_MODES):
                modes[number] = TRUST_MODES[index]
            continue
        entry = _ENTRY.match(line)
        if entry:
            quoted, single, plain = entry.groups()[:3]
            number = json.loads(f'"{quoted}"') if quoted is not None else (single if single is not None else plain)
    return modes


def render(modes: dict[str, str]) -> str:
    """The file text for ``modes`` (numbers quoted: a bare ``+49…`` would be a YAML integer)."""
    if not modes:
        return "config: {}\n"
    lines = ["config:"]
    for number, mode in sorted(modes.items()):
        lines += [f"  {json.dumps(number)}:", f"    trust_mode: {TRUST_MODES.index(mode)}"]
    return "\n".join(lines) + "\n"
