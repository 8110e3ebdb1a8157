#!/bin/sh
# Container entry point, with the original image's start-up contract:
#  1. SIGNAL_CLI_CONFIG_DIR must be set;
#  2. the user signal-api gets the uid/gid SIGNAL_CLI_UID/SIGNAL_CLI_GID (1000/1000; the gid may
#     be shared);
#  3. unless SIGNAL_CLI_CHOWN_ON_STARTUP is false, the config dir (and the service's data dir)
#     are handed to that uid:gid, recursively;
#  4. root is dropped (setpriv, no inheritable capabilities) and the service is served with
#     gunicorn, or the command given to the container is run as that user.
# Started as another user than root (docker run --user), it skips 2 and 3.
set -eu

fail() {
    echo "entrypoint: $*" >&2
    exit 1
}

[ -n "${SIGNAL_CLI_CONFIG_DIR:-}" ] || fail "SIGNAL_CLI_CONFIG_DIR must be set"
data_dir=${SIGNAL_API_DATA_DIR:-/var/lib/signal-api}

if [ "$(id -u)" = 0 ]; then
    uid=${SIGNAL_CLI_UID:-1000}
    gid=${SIGNAL_CLI_GID:-1000}
    case "$uid$gid" in
        *[!0-9]*) fail "SIGNAL_CLI_UID and SIGNAL_CLI_GID must be numbers (got '$uid' and '$gid')" ;;
    esac
    if [ "$(id -u signal-api)" != "$uid" ] || [ "$(id -g signal-api)" != "$gid" ]; then
        groupmod -o -g "$gid" signal-api
        # Not usermod -u: it would also re-own every file under the home directory (/home, where
        # the config volume is mounted), even with SIGNAL_CLI_CHOWN_ON_STARTUP=false.
        sed -i "s/^signal-api:\([^:]*\):[0-9]*:[0-9]*:/signal-api:\1:$uid:$gid:/" /etc/passwd
    fi
    mkdir -p "$SIGNAL_CLI_CONFIG_DIR" "$data_dir"
    if [ "${SIGNAL_CLI_CHOWN_ON_STARTUP:-true}" != "false" ]; then
        chown -R "$uid:$gid" "$SIGNAL_CLI_CONFIG_DIR" "$data_dir"
    fi
    HOME=/home exec setpriv --reuid="$uid" --regid="$gid" --init-groups --inh-caps=-all -- "$0" "$@"
fi

case "${MODE:-normal}" in
    native | json-rpc-native)
        if [ -z "${SIGNAL_CLI_NATIVE_BINARY:-}" ] && ! command -v signal-cli-native > /dev/null; then
            # As the original does where it has no native build (armv7): run the Java build.
            echo "entrypoint: MODE=$MODE, but this image has no signal-cli-native: using the Java signal-cli" >&2
            export SIGNAL_CLI_NATIVE_BINARY=signal-cli
        fi
        ;;
esac

if [ "$#" -gt 0 ]; then
    exec "$@"
fi
signal-api check-config > /dev/null
exec gunicorn -c /app/docker/gunicorn.conf.py signal_api.wsgi:app
