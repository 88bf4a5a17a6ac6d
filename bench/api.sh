#!/usr/bin/env bash
# The Docker Engine API side by side, in one run (DOCKER=1 adds Docker 20.10):
#   - `docker run --rm busybox true` with the docker CLI against berthd and against dockerd
#   - the berth CLI's own cost: `berth version` minus a bare interpreter start
#   - GET /_ping and GET /containers/json (10 containers listed) with 8 clients, req/s
#   - 100 clients for 30 s on /containers/json: errors must be 0
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20}
SECONDS_LOAD=${SECONDS_LOAD:-5}
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}
tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
export BERTH_HOST="unix://$tmp/run/berthd.sock" BERTH_DATA_ROOT="$tmp/data" BERTH_EXEC_ROOT="$tmp/run"
cleanup() {
    set +e
    .venv/bin/berth rm -f $(.venv/bin/berth ps -aq 2>/dev/null) >/dev/null 2>&1
    pkill -f -- "--host $BERTH_HOST" 2>/dev/null
    for _ in $(seq 50); do pgrep -f -- "--host $BERTH_HOST" >/dev/null || break; sleep 0.1; done
    if [ -n "${DOCKERD_PID:-}" ]; then
        DOCKER_HOST="unix://$tmp/docker.sock" "$DOCKER_CLI" rm -f $(DOCKER_HOST="unix://$tmp/docker.sock" "$DOCKER_CLI" ps -aq) >/dev/null 2>&1
        kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null
    fi
    grep " $tmp" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r umount -l
    rm -rf "$tmp"
}
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
measure() {  # measure CMD...: the median wall time in ms
    "$@" >/dev/null; "$@" >/dev/null
    for _ in $(seq "$N"); do
        s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
        echo $(( (e - s) / 1000 ))
    done | median | awk '{printf "%.1f", $1/1000}'
}

.venv/bin/python tests/fixtures/busybox_rootfs.py "$tmp/busybox.tar"
.venv/bin/berth version >/dev/null
.venv/bin/berth import "$tmp/busybox.tar" busybox:latest >/dev/null
for i in $(seq 10); do .venv/bin/berth create --name "listed$i" busybox true >/dev/null; done
sock="$tmp/run/berthd.sock"
echo "docker CLI -> berthd: run --rm busybox true: $(DOCKER_HOST="unix://$sock" measure "$DOCKER_CLI" run --rm busybox true) ms"
echo "berth version: $(measure .venv/bin/berth version) ms; python -c pass: $(measure .venv/bin/python -c pass) ms"
echo "berthd /_ping: $(.venv/bin/python bench/api_load.py "$sock" /_ping 8 "$SECONDS_LOAD")"
echo "berthd /containers/json: $(.venv/bin/python bench/api_load.py "$sock" '/containers/json?all=1' 8 "$SECONDS_LOAD")"
berthd_pid=$(pgrep -f -- "berth.api.main --host $BERTH_HOST")
fds_before=$(ls /proc/"$berthd_pid"/fd | wc -l)
echo "berthd 100 clients 30 s: $(.venv/bin/python bench/api_load.py "$sock" '/containers/json?all=1' 100 "${SECONDS_SOAK:-30}")"
sleep 1
echo "berthd open fds: $fds_before before the soak, $(ls /proc/"$berthd_pid"/fd | wc -l) after"

if [ "${DOCKER:-0}" = 1 ] && command -v dockerd >/dev/null; then
    dockerd --host "unix://$tmp/docker.sock" --data-root "$tmp/docker-data" --exec-root "$tmp/docker-run" \
        --pidfile "$tmp/docker.pid" --bridge none --iptables=false >"$tmp/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$tmp/docker.sock"
    for _ in $(seq 100); do "$DOCKER_CLI" version >/dev/null 2>&1 && break; sleep 0.2; done
    "$DOCKER_CLI" import "$tmp/busybox.tar" busybox:latest >/dev/null
    for i in $(seq 10); do "$DOCKER_CLI" create --network none --name "listed$i" busybox true >/dev/null; done
    echo "docker CLI -> dockerd: run --rm busybox true: $(measure "$DOCKER_CLI" run --rm --network none busybox true) ms"
    echo "dockerd /_ping: $(.venv/bin/python bench/api_load.py "$tmp/docker.sock" /_ping 8 "$SECONDS_LOAD")"
    echo "dockerd /containers/json: $(.venv/bin/python bench/api_load.py "$tmp/docker.sock" '/containers/json?all=1' 8 "$SECONDS_LOAD")"
fi
