#!/usr/bin/env bash
# Wall time of `berth commit` of a container that wrote 100 MB in 1000 files (100 KiB of
# /dev/urandom each, written in the container by busybox's dd): N containers (default 5),
# each committed once, the median reported, on an isolated berthd in a temp dir. With
# DOCKER=1 (and dockerd installed), Debian's dockerd 20.10 does the same in the same run:
# the same busybox rootfs imported, the same files written in N containers, and the
# commits interleaved with berth's (berth, docker, berth, docker...) so that both see the
# same load. Everything (daemons, containers, mounts, the temp dir) is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5}
FILES=${FILES:-1000}
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}  # Debian docker.io: the 20.10 client beside its dockerd
WITH_DOCKER=0
if [ "${DOCKER:-0}" = 1 ] && command -v dockerd >/dev/null; then WITH_DOCKER=1; fi
tmp=$(mktemp -d /tmp/berth-bench-commit.XXXXXX)
export BERTH_HOST="unix://$tmp/run/berthd.sock" BERTH_DATA_ROOT="$tmp/data" BERTH_EXEC_ROOT="$tmp/run"
DOCKER_SOCK="unix://$tmp/docker.sock"
BERTHD_PID= DOCKERD_PID=
dk() { DOCKER_HOST="$DOCKER_SOCK" "$DOCKER_CLI" "$@"; }
cleanup() {
    set +e
    if [ -n "$BERTHD_PID" ]; then
        .venv/bin/berth rm -f $(.venv/bin/berth ps -aq 2>/dev/null) >/dev/null 2>&1
        kill "$BERTHD_PID" 2>/dev/null; wait "$BERTHD_PID" 2>/dev/null
    fi
    if [ -n "$DOCKERD_PID" ]; then
        dk rm -f $(dk ps -aq 2>/dev/null) >/dev/null 2>&1
        kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null
    fi
    grep " $tmp" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r umount -l
    rm -rf "$tmp"
}
trap cleanup EXIT

# In a container: FILES files of 100 KiB of random data under /data.
WRITE="mkdir /data && i=0 && while [ \$i -lt $FILES ]; do dd if=/dev/urandom of=/data/f\$i bs=100k count=1 2>/dev/null; i=\$((i+1)); done"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

.venv/bin/python tests/fixtures/busybox_rootfs.py "$tmp/busybox.tar"
mkdir -p "$tmp/run"
.venv/bin/berthd --host "$BERTH_HOST" --data-root "$tmp/data" --exec-root "$tmp/run" \
    >"$tmp/berthd.log" 2>&1 &
BERTHD_PID=$!
for _ in $(seq 200); do [ -S "$tmp/run/berthd.sock" ] && break; sleep 0.1; done  # (no autostart)
.venv/bin/berth import "$tmp/busybox.tar" busybox:latest >/dev/null
if [ "$WITH_DOCKER" = 1 ]; then
    dockerd --host "$DOCKER_SOCK" --data-root "$tmp/docker-data" --exec-root "$tmp/docker-run" \
        --pidfile "$tmp/docker.pid" --bridge none --iptables=false >"$tmp/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for _ in $(seq 100); do dk version >/dev/null 2>&1 && break; sleep 0.2; done
    dk import "$tmp/busybox.tar" busybox:latest >/dev/null
fi
for i in $(seq "$N"); do
    .venv/bin/berth run --name "src$i" busybox sh -c "$WRITE"
    if [ "$WITH_DOCKER" = 1 ]; then dk run --name "src$i" busybox sh -c "$WRITE"; fi
done
size=$(du -sm "$(ls -d "$tmp"/data/containers/*/upper | head -1)" | awk '{print $1}')
echo "each container's upper dir: ${size} MB in $FILES files; $N commits each"
berth_times=() docker_times=()
for i in $(seq "$N"); do
    sync
    berth_times+=("$(ms .venv/bin/berth commit "src$i" "bench/commit:$i")")
    if [ "$WITH_DOCKER" = 1 ]; then
        sync
        docker_times+=("$(ms dk commit "src$i" "bench/commit:$i")")
    fi
done
b=$(printf '%s\n' "${berth_times[@]}" | median)
echo "berth commit:  ${berth_times[*]} ms; median $b ms"
if [ "$WITH_DOCKER" = 1 ]; then
    d=$(printf '%s\n' "${docker_times[@]}" | median)
    echo "docker commit: ${docker_times[*]} ms; median $d ms"
    awk -v b="$b" -v d="$d" 'BEGIN {printf "berth/docker: %.2fx\n", b / d}'
fi
