#!/usr/bin/env bash
# Median wall time of `berth run --rm busybox true` (20 runs after 2 warm-ups),
# on an isolated berthd in a temp dir. With DOCKER=1 (and dockerd installed),
# Docker 20.10's `docker run --rm busybox true` is measured in the same run,
# without a bridge, on the same busybox rootfs.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20}
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}  # Debian docker.io: the 20.10 client beside its dockerd
tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
export BERTH_HOST="unix://$tmp/run/berthd.sock" BERTH_DATA_ROOT="$tmp/data" BERTH_EXEC_ROOT="$tmp/run"
cleanup() {
    set +e
    .venv/bin/berth rm -f $(.venv/bin/berth ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    pkill -f -- "--host $BERTH_HOST" 2>/dev/null || true   # berthd, started by the first command
    for _ in $(seq 50); do pgrep -f -- "--host $BERTH_HOST" >/dev/null || break; sleep 0.1; done
    if [ -n "${DOCKERD_PID:-}" ]; then kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null || true; fi
    grep " $tmp" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r umount -l
    rm -rf "$tmp"
}
trap cleanup EXIT
.venv/bin/python tests/fixtures/busybox_rootfs.py "$tmp/busybox.tar"
.venv/bin/berth version >/dev/null  # starts berthd on the temp socket and roots
.venv/bin/berth import "$tmp/busybox.tar" busybox:latest >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
measure() {  # measure CMD...: prints the median in ms
    "$@" >/dev/null; "$@" >/dev/null
    for _ in $(seq "$N"); do
        s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
        echo $(( (e - s) / 1000 ))
    done | median | awk '{printf "%.1f", $1/1000}'
}
echo "berth run --rm busybox true: median $(measure .venv/bin/berth run --rm busybox true) ms over $N runs"

if [ "${DOCKER:-0}" = 1 ] && command -v dockerd >/dev/null; then
    dockerd --host "unix://$tmp/docker.sock" --data-root "$tmp/docker-data" --exec-root "$tmp/docker-run" \
        --pidfile "$tmp/docker.pid" --bridge none --iptables=false >"$tmp/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$tmp/docker.sock"
    for _ in $(seq 100); do "$DOCKER_CLI" version >/dev/null 2>&1 && break; sleep 0.2; done
    "$DOCKER_CLI" import "$tmp/busybox.tar" busybox:latest >/dev/null
    echo "docker run --rm busybox true: median $(measure "$DOCKER_CLI" run --rm --network none busybox true) ms over $N runs"
fi
