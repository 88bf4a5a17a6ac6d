#!/usr/bin/env bash
# Wall time of `berth save -o` and `berth load -i` for one image of ~200 MB of
# incompressible files (median of N runs, the image removed before each load),
# on an isolated berthd in a temp dir. With DOCKER=1 (and dockerd installed),
# Debian's dockerd 20.10 is started on temp roots and `docker save -o` /
# `docker load -i` are timed the same way, on the same rootfs tar.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-3}
MB=${MB:-200}
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}  # Debian docker.io: the 20.10 client beside its dockerd
tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
export BERTH_HOST="unix://$tmp/run/berthd.sock" BERTH_DATA_ROOT="$tmp/data" BERTH_EXEC_ROOT="$tmp/run"
BERTHD_PID= DOCKERD_PID=
stop() {  # stop PID: SIGTERM, then SIGKILL after 20 s
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
}
cleanup() {
    set +e
    [ -n "$BERTHD_PID" ] && stop "$BERTHD_PID"
    [ -n "$DOCKERD_PID" ] && stop "$DOCKERD_PID"
    if [ -f "$tmp/run/supervisor.pid" ]; then stop "$(cat "$tmp/run/supervisor.pid")"; fi
    grep " $tmp" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r umount -l
    rm -rf "$tmp"
}
trap cleanup EXIT

# The rootfs: busybox plus $MB MB of random files (10 MB each, so gzip gains nothing).
.venv/bin/python tests/fixtures/busybox_rootfs.py "$tmp/busybox.tar"
mkdir -p "$tmp/rootfs/data"
tar -C "$tmp/rootfs" -xf "$tmp/busybox.tar"
for i in $(seq $((MB / 10))); do head -c 10M /dev/urandom >"$tmp/rootfs/data/f$i"; done
tar -C "$tmp/rootfs" -cf "$tmp/big.tar" .
rm -rf "$tmp/rootfs" "$tmp/busybox.tar"
size_mb=$(( $(stat -c %s "$tmp/big.tar") / 1048576 ))

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
seconds() {  # seconds CMD...: wall time of one run, in ms
    sync
    local s e
    s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
}
bench() {  # bench NAME CLI: median save and load times of CLI against its daemon
    local name=$1 cli=$2 save load
    save=$(for _ in $(seq "$N"); do rm -f "$tmp/out.tar"; seconds "$cli" save -o "$tmp/out.tar" big:latest; done | median)
    load=$(for _ in $(seq "$N"); do "$cli" rmi big:latest >/dev/null; seconds "$cli" load -i "$tmp/out.tar"; done | median)
    printf '%-6s save -o: %6.2f s   load -i: %6.2f s   (image %d MB, archive %d MB, median of %d)\n' \
        "$name" "$(echo "$save" | awk '{print $1/1000}')" "$(echo "$load" | awk '{print $1/1000}')" \
        "$size_mb" $(( $(stat -c %s "$tmp/out.tar") / 1048576 )) "$N"
    rm -f "$tmp/out.tar"
}

.venv/bin/berth version >/dev/null  # starts berthd on the temp socket and roots
BERTHD_PID=$(pgrep -f -- "--host $BERTH_HOST")  # stopped by its pid on exit
.venv/bin/berth import "$tmp/big.tar" big:latest >/dev/null
bench berth .venv/bin/berth

if [ "${DOCKER:-0}" = 1 ] && command -v dockerd >/dev/null; then
    TMPDIR="$tmp" dockerd --host "unix://$tmp/docker.sock" --data-root "$tmp/docker-data" --exec-root "$tmp/docker-run" \
        --pidfile "$tmp/docker.pid" --bridge none --iptables=false >"$tmp/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$tmp/docker.sock"
    for _ in $(seq 100); do "$DOCKER_CLI" version >/dev/null 2>&1 && break; sleep 0.2; done
    "$DOCKER_CLI" import "$tmp/big.tar" big:latest >/dev/null
    bench docker "$DOCKER_CLI"
fi
