#!/usr/bin/env bash
# Idempotent set-up on Debian 12 as root.
#   scripts/setup.sh          what berth needs to run (`make run`): system packages,
#                             the virtualenv, berth installed in it
#   scripts/setup.sh --test   that, plus the test suite's peers and tools (`make test`)
# The peers are tools the tests start on their own sockets and free ports; a package
# that comes with a service (docker.io's dockerd, docker-registry on :5000) is
# installed without starting it, and a service it enabled is disabled again, so no
# daemon of ours is left holding a port or the host's iptables.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNTIME=(busybox-static iproute2 iptables libseccomp2 sqlite3 ca-certificates)
TEST_PEERS=(docker.io  # the 20.10 client and dockerd, our test peer and yardstick
            skopeo umoci  # they read berth's save archives and write ones it loads
            docker-registry apache2-utils  # distribution 2.8 and htpasswd: pull/push peers
            docker-compose  # compose 1.29: its build: goes through the legacy builder API
            openssl)  # a self-signed certificate for the registry server's TLS test
declare -A SERVICES=([docker.io]="docker.service docker.socket"  # the peers' own units
                     [docker-registry]="docker-registry.service")

test_too=0
[ "${1:-}" = "--test" ] && test_too=1

missing_of() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || echo "$p"
    done
}

apt_install() {
    echo "setup: installing $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Peers without their services: policy-rc.d (Debian's switch, honoured by
# deb-systemd-invoke and invoke-rc.d) keeps them from starting during the install,
# then what the packages enabled for the next boot is disabled. Only for packages
# this run installs: a docker the host had already is left as it was.
install_peers() {
    local policy=/usr/sbin/policy-rc.d ours=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# scripts/setup.sh: no service starts while the test peers install\nexit 101\n' \
            > "$policy"
        chmod 755 "$policy"
        ours=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt_install "$@"
    if [ "$ours" = 1 ]; then
        rm -f "$policy"
        trap - EXIT
    fi
    local p
    for p in "$@"; do
        if [ -n "${SERVICES[$p]:-}" ] && command -v systemctl >/dev/null; then
            # shellcheck disable=SC2086  # a list of unit names
            systemctl disable --now --quiet ${SERVICES[$p]} 2>/dev/null || true
        fi
    done
}

mapfile -t missing < <(missing_of "${RUNTIME[@]}")
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
if [ "$test_too" = 1 ]; then
    mapfile -t missing < <(missing_of "${TEST_PEERS[@]}")
    [ "${#missing[@]}" -eq 0 ] || install_peers "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
# berth itself for a run; its test and lint tools (pytest, ruff, mypy...) with --test
extras=.
stamp=.venv/.berth-installed
if [ "$test_too" = 1 ]; then
    extras='.[dev]'
    stamp=.venv/.berth-dev-installed
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    # berth was distributed as "berth" before "berth-engine": one owner of the commands
    if .venv/bin/pip show -q berth >/dev/null 2>&1; then
        .venv/bin/pip uninstall -y -q berth 2>/dev/null || true
    fi
    rm -rf src/berth.egg-info  # its metadata, left in the source tree by an editable install
    .venv/bin/pip install -q --disable-pip-version-check -e "$extras"
    touch "$stamp"
fi

# Byte-compile berth: with PYTHONDONTWRITEBYTECODE set (as on these machines)
# every `berth` command would otherwise compile its modules again (~16 ms).
.venv/bin/python -m compileall -q src/berth >/dev/null
