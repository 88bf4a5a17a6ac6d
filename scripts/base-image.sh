#!/usr/bin/env bash
# Make busybox:latest in the engine BERTH_HOST (or the default) points at, once.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "$(.venv/bin/berth images -q busybox:latest 2>/dev/null)" ]; then
    tar=$(mktemp --suffix=.tar)
    trap 'rm -f "$tar"' EXIT
    .venv/bin/python tests/fixtures/busybox_rootfs.py "$tar"
    .venv/bin/berth import -c 'CMD ["sh"]' -m "busybox from the host's busybox-static" \
        "$tar" busybox:latest
fi
