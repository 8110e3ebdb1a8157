"""On-disk state of the simulated Signal network (everything lives under the config dir).

Layout (signal-cli's own files first, then the simulator's)::

    DIR/data/accounts.json          signal-cli's account index (version 2)
    DIR/data/<path>                 account file (JSON, mode 0600)
    DIR/attachments/<id>            attachments copied here by ``receive``
    DIR/simulator/lock              flock'ed for every read-modify-write
    DIR/simulator/network.json      verification sessions, groups, known peers
    DIR/simulator/queues/<number>.jsonl   queued envelopes per local account
    DIR/simulator/queues/<number>.acked   qids of those already handed over (see queues.py)
    DIR/simulator/blobs/<id>        attachment bytes "on the server"
    DIR/simulator/outbox.jsonl      messages that left for outside peers
    DIR/simulator/calls.jsonl       one line per executed command
    DIR/simulator/faults.json       optional fault injection (see faults.py)

Writers hold the exclusive lock; JSON files are replaced atomically so lock-free readers never
see half-written JSON (and ``filecache`` keeps their parse while they are unchanged).  ``.jsonl``
files only grow, by single ``O_APPEND`` writes; the appends of quick JSON-RPC requests (sends) are
written together with those of concurrent ones before they are answered (``collected_appends``).  Queues are read and
acknowledged under the lock (see ``queues``).  ``read_calls`` and ``read_outbox`` are the helpers
for tests of callers.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import json
import os
import random
import secrets
import shutil
import threading
import time
import uuid as uuidlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from . import batching, filecache, queues

_lock_depth = threading.local()
_ts_lock = threading.Lock()
_last_ts = 0


def default_config_dir() -> str:
    """signal-cli's default data directory."""
    base = os.environ.get("XDG_DATA_HOME") or path_join(os.path.expanduser("~"), ".local", "share")
    return path_join(base, "signal-cli")


def now_ms() -> int:
    return int(time.time() * 1000)


def new_timestamp() -> int:
    """A message timestamp that is unique within this process (timestamps double as ids)."""
    global _last_ts
    with _ts_lock:
        _last_ts = max(now_ms(), _last_ts + 1)
        return _last_ts


# ---------------------------------------------------------------- paths

#: ``os.path.join``, remembered: the same few state paths are joined for every request.
path_join = functools.lru_cache(maxsize=4096)(os.path.join)


def sim_dir(cfg: str) -> str:
    return path_join(cfg, "simulator")


def data_dir(cfg: str) -> str:
    return path_join(cfg, "data")


def attachments_dir(cfg: str) -> str:
    return path_join(cfg, "attachments")


def blob_path(cfg: str, blob_id: str) -> str:
    return path_join(sim_dir(cfg), "blobs", blob_id)


def queue_path(cfg: str, number: str) -> str:
    return path_join(sim_dir(cfg), "queues", number + ".jsonl")


def faults_path(cfg: str) -> str:
    return path_join(sim_dir(cfg), "faults.json")


def _ensure_dir(path: str) -> None:
    os.makedirs(path, mode=0o700, exist_ok=True)


def _open_creating_dir(path: str, flags: int) -> int:
    """``os.open`` (mode 0600) that creates the missing parent directory on first use."""
    try:
        return os.open(path, flags, 0o600)
    except FileNotFoundError:
        _ensure_dir(os.path.dirname(path))
        return os.open(path, flags, 0o600)


# ---------------------------------------------------------------- low-level IO

_lock_key = functools.lru_cache(maxsize=256)(os.path.abspath)  # only for absolute paths: no cwd


@contextmanager
def locked(cfg: str) -> Iterator[None]:
    """Hold the exclusive state lock; re-entrant within one thread."""
    key = _lock_key(cfg) if os.path.isabs(cfg) else os.path.abspath(cfg)
    depths = getattr(_lock_depth, "depths", None)
    if depths is None:
        depths = _lock_depth.depths = {}
    if depths.get(key):
        depths[key] += 1
        try:
            yield
        finally:
            depths[key] -= 1
        return
    fd = _open_creating_dir(path_join(sim_dir(cfg), "lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        depths[key] = 1
        try:
            yield
        finally:
            depths[key] = 0
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def read_json(path: str, default: Any = None) -> Any:
    """The parsed JSON file, or ``default`` when missing (cached while the file is unchanged)."""
    return filecache.read_json(path, default)


def write_json(path: str, obj: Any, pretty: bool = False) -> None:
    """Atomically replace ``path`` with ``obj`` as JSON (mode 0600)."""
    _ensure_dir(os.path.dirname(path))
    tmp = f"{path}.tmp{os.getpid()}.{threading.get_ident()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2 if pretty else None)
    os.replace(tmp, path)


def append_line(path: str, obj: Any) -> None:
    """Append one JSON line with a single O_APPEND write (atomic for readers and writers)."""
    _append_bytes(path, queues.json_line(obj))


def _append_bytes(path: str, data: bytes) -> None:
    fd = _open_creating_dir(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _write_appends(appends: list[batching.Append]) -> None:
    for cfg, files in batching.group_by_file(appends).items():
        with locked(cfg) if cfg is not None else nullcontext():
            for path, data in files.items():
                _append_bytes(path, data)


_group_commit = batching.GroupCommit(_write_appends)


def collected_appends() -> AbstractContextManager[None]:
    """Appends (queues, outbox, calls) of this thread wait for the end of the block, then are
    written together with those of other threads ending theirs at the same time (group commit)."""
    return _group_commit.collected()


def flush_appends() -> None:
    """Write the appends collected so far by this thread now (e.g. before a fault kills the process)."""
    _group_commit.flush()


def _append(path: str, obj: Any, lock_cfg: str | None = None) -> None:
    """Append a line now, or at the end of the collected block (under ``lock_cfg``'s state lock)."""
    if _group_commit.collecting():
        _group_commit.add((lock_cfg, path, queues.json_line(obj)))
    else:
        append_line(path, obj)


def read_lines(path: str) -> list[Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except FileNotFoundError:
        return []


# ---------------------------------------------------------------- accounts

def load_index(cfg: str) -> list[dict]:
    """Entries of data/accounts.json: ``{"path","environment","number","uuid"}``."""
    return read_json(path_join(data_dir(cfg), "accounts.json"), {"accounts": []}).get("accounts", [])


def save_index(cfg: str, entries: list[dict]) -> None:
    write_json(path_join(data_dir(cfg), "accounts.json"), {"accounts": entries, "version": 2}, pretty=True)


def load_account(cfg: str, path: str) -> dict:
    return read_json(path_join(data_dir(cfg), path), {})


def save_account(cfg: str, account: dict) -> None:
    write_json(path_join(data_dir(cfg), account["path"]), account, pretty=True)


def all_accounts(cfg: str) -> list[dict]:
    """Every local account file (registered or not), in accounts.json order."""
    result = []
    for entry in load_index(cfg):
        account = load_account(cfg, entry["path"])
        if account:
            result.append(account)
    return result


def find_account(cfg: str, ident: str | None) -> dict | None:
    """The local account with this number or ACI, or None."""
    if not ident:
        return None
    # accounts.json mirrors every account's number and ACI: only a candidate's file is read.
    for entry in load_index(cfg):
        if ident in (entry.get("number"), entry.get("uuid")):
            account = load_account(cfg, entry["path"])
            if account and ident in (account.get("number"), account.get("uuid")):
                return account
    return None


def registered_accounts(cfg: str) -> list[dict]:
    return [a for a in all_accounts(cfg) if a.get("registered")]


def create_account(cfg: str, number: str) -> dict:
    """Add an unregistered account to accounts.json and write its account file."""
    entries = load_index(cfg)
    used = {e["path"] for e in entries}
    path = str(random.randint(100000, 999999))
    while path in used:
        path = str(random.randint(100000, 999999))
    entries.append({"path": path, "environment": "LIVE", "number": number, "uuid": None})
    account = {
        "version": 10,
        "timestamp": now_ms(),
        "serviceEnvironment": "LIVE",
        "registered": False,
        "number": number,
        "uuid": None,
        "pni": None,
        "path": path,
        "username": None,
        "encryptedDeviceName": None,
        "deviceId": 1,
        "isMultiDevice": False,
        "password": secrets.token_urlsafe(18),
        "aciAccountData": {"serviceId": None, "registrationId": random.randint(1, 16380)},
        "pniAccountData": {"serviceId": None, "registrationId": random.randint(1, 16380)},
        "registrationLockPin": None,
        "profileKey": base64.b64encode(secrets.token_bytes(32)).decode(),
        "profile": {"givenName": None, "familyName": None, "about": None, "aboutEmoji": None},
    }
    _ensure_dir(data_dir(cfg))
    save_account(cfg, account)
    save_index(cfg, entries)
    return account


def update_index_entry(cfg: str, account: dict) -> None:
    """Mirror number/uuid of an account file into accounts.json."""
    entries = load_index(cfg)
    for entry in entries:
        if entry["path"] == account["path"]:
            entry["number"] = account["number"]
            entry["uuid"] = account.get("uuid")
    save_index(cfg, entries)


def mark_registered(cfg: str, account: dict) -> None:
    """Give the account its ACI/PNI (kept across re-registration) and save it as registered."""
    account["registered"] = True
    account["uuid"] = account.get("uuid") or str(uuidlib.uuid4())
    account["pni"] = account.get("pni") or str(uuidlib.uuid4())
    account["aciAccountData"]["serviceId"] = account["uuid"]
    account["pniAccountData"]["serviceId"] = "PNI:" + account["pni"]
    save_account(cfg, account)
    update_index_entry(cfg, account)


def delete_account(cfg: str, account: dict) -> None:
    """Remove the account from accounts.json and delete its files and pending queue."""
    save_index(cfg, [e for e in load_index(cfg) if e["path"] != account["path"]])
    base = path_join(data_dir(cfg), account["path"])
    if os.path.exists(base):
        os.remove(base)
    queues.remove(queue_path(cfg, account["number"]))
    shutil.rmtree(base + ".d", ignore_errors=True)


def profile_name(account: dict) -> str | None:
    """The display name other users see (given + family), or None."""
    profile = account.get("profile") or {}
    name = " ".join(p for p in (profile.get("givenName"), profile.get("familyName")) if p)
    return name or None


# ---------------------------------------------------------------- network (sessions, groups, peers)

def load_network(cfg: str) -> dict:
    net = read_json(path_join(sim_dir(cfg), "network.json"), {})
    for key in ("sessions", "groups", "peers"):
        net.setdefault(key, {})
    return net


def save_network(cfg: str, net: dict) -> None:
    write_json(path_join(sim_dir(cfg), "network.json"), net)


# ---------------------------------------------------------------- queues

def enqueue(cfg: str, number: str, envelope: dict) -> None:
    """Append an envelope to a local account's pending queue."""
    # Under the lock: a compaction rewrites the queue file, and a line appended to the old file
    # between its read and its replacement would be lost.
    with locked(cfg):
        _append(queue_path(cfg, number), {"qid": uuidlib.uuid4().hex, "envelope": envelope}, lock_cfg=cfg)


def peek_queue(cfg: str, number: str) -> list[dict]:
    """Pending (unacknowledged) entries ``{"qid","envelope"}`` of an account, oldest first."""
    with locked(cfg):
        return queues.pending(queue_path(cfg, number))


def has_pending(cfg: str, number: str) -> bool:
    """False when the account surely has nothing pending (its queue may be all acknowledged)."""
    try:
        return os.path.getsize(queue_path(cfg, number)) > 0
    except OSError:
        return False


def pending_numbers(cfg: str) -> list[str]:
    """Numbers whose queue file is non-empty (cheap: no parsing, no lock; see ``has_pending``)."""
    try:
        entries = list(os.scandir(path_join(sim_dir(cfg), "queues")))
    except FileNotFoundError:
        return []
    numbers = []
    for entry in entries:
        try:
            if entry.name.endswith(".jsonl") and entry.stat().st_size > 0:
                numbers.append(entry.name[: -len(".jsonl")])
        except FileNotFoundError:  # replaced between scandir and stat
            continue
    return numbers


def remove_from_queue(cfg: str, number: str, qids: set[str]) -> None:
    """Acknowledge delivered entries (by qid): journalled, the queue file is not rewritten."""
    with locked(cfg):
        queues.acknowledge(queue_path(cfg, number), qids)


# ---------------------------------------------------------------- blobs, outbox, calls, faults

def store_blob(cfg: str, blob_id: str, data: bytes) -> None:
    path = blob_path(cfg, blob_id)
    _ensure_dir(os.path.dirname(path))
    with open(path, "wb") as fh:
        fh.write(data)


def download_blob(cfg: str, blob_id: str) -> None:
    """Copy a blob to DIR/attachments/<id> (what signal-cli does before printing an envelope)."""
    src = blob_path(cfg, blob_id)
    if not os.path.exists(src):
        return
    _ensure_dir(attachments_dir(cfg))
    shutil.copyfile(src, path_join(attachments_dir(cfg), blob_id))


def append_outbox(cfg: str, record: dict) -> None:
    _append(path_join(sim_dir(cfg), "outbox.jsonl"), record)


def read_outbox(cfg: str) -> list[dict]:
    """Messages that left for outside peers: ``{"from","to","timestamp","envelope"}`` each."""
    return read_lines(path_join(sim_dir(cfg), "outbox.jsonl"))


def append_call(cfg: str, record: dict) -> None:
    _append(path_join(sim_dir(cfg), "calls.jsonl"), record)


def read_calls(cfg: str) -> list[dict]:
    """Every command the simulator executed (see README.md for the record format)."""
    return read_lines(path_join(sim_dir(cfg), "calls.jsonl"))


def read_faults(cfg: str) -> dict:
    """The fault-injection config, or {} (a broken file counts as no faults)."""
    try:
        faults = read_json(faults_path(cfg), {})
    except (OSError, ValueError):
        return {}
    return faults if isinstance(faults, dict) else {}
