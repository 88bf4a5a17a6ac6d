#!/usr/bin/env bash
# Idempotent set-up on Debian 12 as root: system packages, the virtualenv, berth.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(busybox-static iproute2 iptables libseccomp2 sqlite3 ca-certificates
          docker.io  # docker.io: the 20.10 client and dockerd, our test peer and yardstick
          skopeo umoci  # test peers: they read berth's save archives and write ones it loads
          docker-registry apache2-utils  # distribution 2.8 and htpasswd: pull/push peers
          docker-compose  # compose 1.29: its build: goes through the legacy builder API
          openssl)  # a self-signed certificate for the registry server's TLS test

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.berth-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
    touch "$stamp"
fi

# Byte-compile berth: with PYTHONDONTWRITEBYTECODE set (as on these machines)
# every `berth` command would otherwise compile its modules again (~16 ms).
.venv/bin/python -m compileall -q src/berth >/dev/null
