# Shared by the bench scripts (sourced): an isolated berthd and, on request, Debian's
# dockerd 20.10 in one temp dir, both stopped and the dir removed on exit.
#   bench_setup              temp dir, berthd's environment, the cleanup trap
#   bench_busybox            the busybox rootfs tar at $tmp/busybox.tar, imported into berth
#   start_dockerd            dockerd on $tmp (no bridge, no iptables); exports DOCKER_HOST
#   median                   the median of numbers on stdin
#   measure CMD...           median wall time in ms of N runs (after two warm-ups)
#   ms_since START_NS        milliseconds since a `date +%s%N`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${N:-20}
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}  # Debian docker.io: the 20.10 client beside its dockerd

bench_cleanup() {
    set +e
    .venv/bin/berth rm -f $(.venv/bin/berth ps -aq 2>/dev/null) >/dev/null 2>&1
    pkill -f -- "--host $BERTH_HOST" 2>/dev/null   # berthd, started by the first command
    for _ in $(seq 50); do pgrep -f -- "--host $BERTH_HOST" >/dev/null || break; sleep 0.1; done
    if [ -n "${DOCKERD_PID:-}" ]; then
        "$DOCKER_CLI" --host "unix://$tmp/docker.sock" rm -f \
            $("$DOCKER_CLI" --host "unix://$tmp/docker.sock" ps -aq 2>/dev/null) >/dev/null 2>&1
        kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null
    fi
    grep " $tmp" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r umount -l
    rm -rf "$tmp"
}

bench_setup() {
    tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
    export BERTH_HOST="unix://$tmp/run/berthd.sock" BERTH_DATA_ROOT="$tmp/data" BERTH_EXEC_ROOT="$tmp/run"
    # no default bridge, as the dockerd beside it (--bridge none); bench/network.sh has one
    export BERTH_BRIDGE=none
    trap bench_cleanup EXIT
}

bench_busybox() {
    .venv/bin/python tests/fixtures/busybox_rootfs.py "$tmp/busybox.tar"
    .venv/bin/berth version >/dev/null  # starts berthd on the temp socket and roots
    .venv/bin/berth import "$tmp/busybox.tar" busybox:latest >/dev/null
}

start_dockerd() {
    dockerd --host "unix://$tmp/docker.sock" --data-root "$tmp/docker-data" --exec-root "$tmp/docker-run" \
        --pidfile "$tmp/docker.pid" --bridge none --iptables=false >"$tmp/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$tmp/docker.sock"
    for _ in $(seq 100); do "$DOCKER_CLI" version >/dev/null 2>&1 && break; sleep 0.2; done
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

measure() {
    "$@" >/dev/null; "$@" >/dev/null
    for _ in $(seq "$N"); do
        s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
        echo $(( (e - s) / 1000 ))
    done | median | awk '{printf "%.1f", $1/1000}'
}

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

want_docker() { [ "${DOCKER:-0}" = 1 ] && command -v dockerd >/dev/null; }
