"""podman kept in a folder of the tests, to build and run the project's image.

What these machines need (measured on them): runc, because crun cannot start a
container on a hybrid cgroup v1+v2 host; explicit ulimits, because podman's defaults exceed the
hard limits and CAP_SYS_RESOURCE is missing; the storage driver written down before the store is
first opened; host networking, so that podman adds no bridge or iptables chains to the host; and
base images made here, because no container registry is reachable: Debian bookworm from
debootstrap, and on it a stand-in for ``python:3.11-slim``.

Everything podman writes goes under ``WORK`` (``.deploy-test/`` in the checkout, which ignores
itself for git; podman 4.3 also creates a blob cache in /var/lib/containers and
/run/containers/networks), which also keeps the debootstrap tarball and the image layers
between runs. A fresh machine builds all of it from nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from tests.deploy.debian import ensure_commands

ROOT = Path(__file__).resolve().parents[2]
WORK = Path(os.environ.get("SIGNAL_API_PODMAN_DIR") or ROOT / ".deploy-test")
STANDIN_DIR = Path(__file__).resolve().parent / "python-standin"
DEBIAN_SUITE = "bookworm"
BASE_IMAGE = f"localhost/debian:{DEBIAN_SUITE}"
PYTHON_IMAGE = "docker.io/library/python:3.11-slim"
TOOLS = {"podman": "podman", "buildah": "buildah", "runc": "runc", "debootstrap": "debootstrap"}
HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))


def say(message: str) -> None:
    """Print one step of the run as it happens (``make docker-test`` shows them live)."""
    print(f"[docker-test] {message}", flush=True)


class Podman:
    """The ``podman`` command with its configuration, store and scratch space under ``work``."""

    def __init__(self, work: Path = WORK) -> None:
        self.work = work
        self.cache = work / "cache"
        self.tmp = work / "tmp"
        self.env = {
            **os.environ,
            "CONTAINERS_CONF": str(work / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(work / "storage.conf"),
            "CONTAINERS_REGISTRIES_CONF": str(work / "registries.conf"),
            # buildah stages large files in TMPDIR (default /var/tmp).
            "TMPDIR": str(work / "tmp"),
        }

    def configure(self) -> None:
        """Write podman's configuration; the storage driver is fixed before the store is first used."""
        for folder in (self.work, self.cache, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        # Outside tests/ (MANIFEST.in grafts it into sdists) and ignored by git without a root entry.
        (self.work / ".gitignore").write_text("*\n")
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        nofile = 1048576 if nofile == resource.RLIM_INFINITY else nofile
        (self.work / "containers.conf").write_text(
            "[containers]\n"
            f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc=32768:32768"]\n'
            # A run that names no network must not make podman add a bridge and iptables chains.
            'netns = "host"\n'
            "[engine]\n"
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            f'events_logfile_path = "{self.work}/events.log"\n'
            'runtime = "runc"\n'
            f'tmp_dir = "{self.work}/run/libpod"\n'
            f'volume_path = "{self.work}/volumes"\n'
        )
        (self.work / "storage.conf").write_text(
            "[storage]\n"
            'driver = "overlay"\n'
            f'graphroot = "{self.work}/storage"\n'
            f'runroot = "{self.work}/run/storage"\n'
        )
        # No registry is reachable: short names resolve to docker.io names found in the local store.
        (self.work / "registries.conf").write_text(
            'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n'
        )

    def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``podman ARGS``; with ``check``, a non-zero exit fails the test with podman's output."""
        result = subprocess.run(["podman", *args], env=self.env, capture_output=True, timeout=timeout)
        if check and result.returncode != 0:
            pytest.fail(f"podman {' '.join(args[:3])} ... exited {result.returncode}:\n"
                        f"{_tail(result.stdout)}\n{_tail(result.stderr)}")
        return result

    def exists(self, image: str) -> bool:
        return self("image", "exists", image, check=False).returncode == 0

    def image_label(self, image: str, label: str) -> str | None:
        if not self.exists(image):
            return None
        labels = json.loads(self("image", "inspect", "--format", "{{json .Labels}}", image).stdout or "null")
        return (labels or {}).get(label)

    def build(self, context: Path, containerfile: Path, tag: str, *, build_args: dict[str, str] | None = None,
              timeout: float = 900) -> str:
        """``podman build`` (host network, no pulls, docker format to keep HEALTHCHECK); returns the log."""
        args = ["build", "--pull=never", "--format", "docker", "--network", "host", "--layers",
                "-f", str(containerfile), "-t", tag]
        for name, value in (build_args or {}).items():
            args += ["--build-arg", f"{name}={value}"]
        result = self(*args, str(context), timeout=timeout)
        # The image this tag had before is now dangling: drop it so the store does not grow per run.
        self("image", "prune", "--force", check=False)
        return result.stdout.decode(errors="replace")


def prepare() -> Podman:
    """A podman that can build and run containers here, with both base images in its store.

    Skips the test (saying why) when podman cannot be installed or cannot run a container on
    this machine.
    """
    ensure_commands(TOOLS, purpose="building and running the image")
    podman = Podman()
    podman.configure()
    ensure_debian_base(podman)
    probe = podman("run", "--rm", "--network", "host", BASE_IMAGE, "true", check=False, timeout=120)
    if probe.returncode != 0:
        pytest.skip("podman cannot run containers on this machine: " + _tail(probe.stderr, 600))
    ensure_python_standin(podman)
    return podman


def ensure_debian_base(podman: Podman) -> None:
    """``localhost/debian:bookworm`` from a debootstrap rootfs (the tarball is cached in WORK)."""
    if podman.exists(BASE_IMAGE):
        say(f"base image {BASE_IMAGE}: in the store")
        return
    tarball = podman.cache / f"debian-{DEBIAN_SUITE}.tar"
    if not tarball.exists():
        started = time.monotonic()
        _debootstrap(podman, tarball)
        say(f"debootstrap {DEBIAN_SUITE} (minbase): {time.monotonic() - started:.0f} s")
    else:
        say(f"debootstrap {DEBIAN_SUITE}: cached in {tarball}")
    with tarball.open("rb") as stream:
        subprocess.run(["podman", "import", "--change", 'CMD ["/bin/bash"]', "-", BASE_IMAGE], env=podman.env,
                       stdin=stream, check=True, capture_output=True, timeout=300)
    say(f"base image {BASE_IMAGE}: imported")


def ensure_python_standin(podman: Podman) -> None:
    """A stand-in for ``python:3.11-slim``: Debian's Python 3.11 on the local bookworm base.

    It carries this machine's extra CA certificates (outgoing HTTPS here goes through a
    re-signing proxy), so it is a test image only and is tagged so that ``FROM
    python:3.11-slim`` resolves to it in this store and nowhere else.
    """
    context = podman.work / "python-standin"
    if context.exists():
        shutil.rmtree(context)
    shutil.copytree(STANDIN_DIR, context)
    certificates = context / "ca-certificates"
    certificates.mkdir()
    for crt in sorted(HOST_CA_DIR.glob("*.crt")) if HOST_CA_DIR.is_dir() else []:
        shutil.copy(crt, certificates / crt.name)
    digest = _digest(sorted(p for p in context.rglob("*") if p.is_file()))
    if podman.image_label(PYTHON_IMAGE, "signal-api.test-standin") == digest:
        say(f"{PYTHON_IMAGE}: test stand-in in the store")
        return
    started = time.monotonic()
    podman.build(context, context / "Containerfile", PYTHON_IMAGE,
                 build_args={"STANDIN_DIGEST": digest}, timeout=600)
    say(f"{PYTHON_IMAGE}: test stand-in built on {BASE_IMAGE} in {time.monotonic() - started:.0f} s")


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (never written into the repository)."""
    for stanza in _apt_stanzas():
        if DEBIAN_SUITE in stanza["suites"]:
            return stanza["uris"][0]
    pytest.fail(f"no apt source for Debian {DEBIAN_SUITE} in {', '.join(map(str, APT_SOURCES))}")


def _debootstrap(podman: Podman, tarball: Path) -> None:
    rootfs = podman.tmp / "rootfs"
    if rootfs.exists():
        shutil.rmtree(rootfs)
    result = subprocess.run(["debootstrap", "--variant=minbase", DEBIAN_SUITE, str(rootfs), debian_mirror()],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"debootstrap failed:\n{_tail(result.stdout)}")
    # The rootfs gets this machine's apt sources (its Debian suites only) and no package lists.
    (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(_sources_text(
        stanza for stanza in _apt_stanzas() if all(s.startswith(DEBIAN_SUITE) for s in stanza["suites"])))
    lists = rootfs / "var/lib/apt/lists"
    for entry in lists.iterdir() if lists.is_dir() else []:
        if entry.is_file():
            entry.unlink()
    shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
    (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True)
    partial = tarball.with_suffix(".partial")
    with tarfile.open(partial, "w") as archive:
        archive.add(rootfs, arcname=".")
    partial.rename(tarball)
    shutil.rmtree(rootfs)


def _apt_stanzas() -> list[dict[str, list[str]]]:
    """This machine's enabled ``deb`` sources as stanzas of uris, suites and components."""
    stanzas: list[dict[str, list[str]]] = []
    legacy, folder = APT_SOURCES
    files = ([legacy] if legacy.is_file() else []) + sorted(folder.glob("*.list")) + sorted(folder.glob("*.sources"))
    for path in files:
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            for block in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", block, re.MULTILINE))
                if "deb" in fields.get("Types", "").split() and fields.get("Enabled", "yes") != "no":
                    stanzas.append({"uris": fields.get("URIs", "").split(), "suites": fields.get("Suites", "").split(),
                                    "components": fields.get("Components", "").split(),
                                    "signed_by": fields.get("Signed-By", "").split()})
        else:
            for line in text.splitlines():
                match = re.match(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$", line.strip())
                if match:
                    stanzas.append({"uris": [match.group(1)], "suites": [match.group(2)],
                                    "components": match.group(3).split(), "signed_by": []})
    return [stanza for stanza in stanzas if stanza["uris"] and stanza["suites"]]


def _sources_text(stanzas: Iterable[dict[str, list[str]]]) -> str:
    blocks = []
    for stanza in stanzas:
        lines = ["Types: deb", f"URIs: {' '.join(stanza['uris'])}", f"Suites: {' '.join(stanza['suites'])}",
                 f"Components: {' '.join(stanza['components'])}"]
        if stanza["signed_by"]:
            lines.append(f"Signed-By: {' '.join(stanza['signed_by'])}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _digest(paths: Sequence[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()[:16]


def _tail(output: bytes | str | None, limit: int = 4000) -> str:
    if output is None:
        return ""
    text = output.decode(errors="replace") if isinstance(output, bytes) else output
    return text[-limit:]


class Container:
    """One container of the image, started detached on the host network at a free port."""

    def __init__(self, podman: Podman, image: str, name: str, port: int, *, env: dict[str, str],
                 volumes: dict[Path, str]) -> None:
        self.podman = podman
        self.name = name
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        args = ["run", "--detach", "--name", name, "--network", "host"]
        for key, value in {**env, "PORT": str(port)}.items():
            args += ["--env", f"{key}={value}"]
        for host, inside in volumes.items():
            args += ["--volume", f"{host}:{inside}"]
        podman(*args, image)

    def logs(self) -> str:
        result = self.podman("logs", self.name, check=False)
        return (result.stdout + result.stderr).decode(errors="replace")

    def running(self) -> bool:
        state = self.podman("inspect", "--format", "{{.State.Running}}", self.name, check=False)
        return state.stdout.decode().strip() == "true"

    def wait_healthy(self, timeout: float = 120) -> int:
        """Poll ``/v1/health`` until it answers; return its status code."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base + "/v1/health", timeout=5) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code
            except OSError:
                if not self.running():
                    pytest.fail(f"container {self.name} exited before serving:\n{self.logs()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"container {self.name} did not serve within {timeout:.0f} s:\n{self.logs()}")
                time.sleep(0.3)

    def exec(self, *argv: str, user: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        args = ["exec"] + (["--user", user] if user else []) + [self.name, *argv]
        return self.podman(*args, timeout=timeout)

    def remove(self) -> str:
        """Stop (SIGTERM, then up to 20 s) and remove the container; return its log."""
        self.podman("stop", "--time", "20", self.name, check=False, timeout=60)
        log = self.logs()
        self.podman("rm", "--force", self.name, check=False, timeout=60)
        return log


def get_json(url: str, timeout: float = 120) -> tuple[int, object]:
    """GET ``url``; (status, decoded JSON body or None)."""
    request = urllib.request.Request(url)
    return _send(request, timeout)


def post_json(url: str, body: object | None = None, timeout: float = 120) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data if data is not None else b"", method="POST",
                                     headers={"Content-Type": "application/json"})
    return _send(request, timeout)


def _send(request: urllib.request.Request, timeout: float) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    return status, (json.loads(raw) if raw.strip() else None)


if __name__ == "__main__":  # pragma: no cover - a manual helper: `python -m tests.deploy.podman ARGS`
    sys.exit(subprocess.call(["podman", *sys.argv[1:]], env=Podman().env))
