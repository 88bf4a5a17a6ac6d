#!/usr/bin/env bash
# The Docker Engine API side by side, in one run (DOCKER=1 adds Docker 20.10):
#   - `docker run --rm busybox true` with the docker CLI against berthd and against dockerd
#   - the berth CLI's own cost: `berth version` minus a bare interpreter start
#   - GET /_ping and GET /containers/json (10 containers listed) with 8 clients, req/s,
#     and the daemon's CPU time per request (the load client, one Python process, can be
#     the limit of both daemons on 2 cores: then the CPU figure still tells them apart)
#   - 100 clients for 30 s on /containers/json: errors must be 0
. "$(dirname "$0")/lib.sh"
SECONDS_LOAD=${SECONDS_LOAD:-5}
bench_setup
bench_busybox
for i in $(seq 10); do .venv/bin/berth create --name "listed$i" busybox true >/dev/null; done
sock="$tmp/run/berthd.sock"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
load() {  # load PID SOCKET PATH: api_load's line, then the daemon's CPU per request
    local before line rate
    before=$(cpu_ticks "$1")
    line=$(.venv/bin/python bench/api_load.py "$2" "$3" 8 "$SECONDS_LOAD")
    rate=${line%% req/s*}
    echo "$line; daemon CPU $(awk -v t=$(( $(cpu_ticks "$1") - before )) -v hz="$(getconf CLK_TCK)" \
        -v n="$rate" -v s="$SECONDS_LOAD" 'BEGIN {printf "%.1f", t / hz * 1e6 / (n * s)}') us/request"
}
berthd_pid=$(pgrep -f -- "berth.api.main --host $BERTH_HOST")
echo "docker CLI -> berthd: run --rm busybox true: $(DOCKER_HOST="unix://$sock" measure "$DOCKER_CLI" run --rm busybox true) ms"
echo "berth version: $(measure .venv/bin/berth version) ms; python -c pass: $(measure .venv/bin/python -c pass) ms"
echo "berthd /_ping: $(load "$berthd_pid" "$sock" /_ping)"
echo "berthd /containers/json: $(load "$berthd_pid" "$sock" '/containers/json?all=1')"
fds_before=$(ls /proc/"$berthd_pid"/fd | wc -l)
echo "berthd 100 clients 30 s: $(.venv/bin/python bench/api_load.py "$sock" '/containers/json?all=1' 100 "${SECONDS_SOAK:-30}")"
sleep 1
echo "berthd open fds: $fds_before before the soak, $(ls /proc/"$berthd_pid"/fd | wc -l) after"

if want_docker; then
    start_dockerd
    "$DOCKER_CLI" import "$tmp/busybox.tar" busybox:latest >/dev/null
    for i in $(seq 10); do "$DOCKER_CLI" create --name "listed$i" busybox true >/dev/null; done
    echo "docker CLI -> dockerd: run --rm busybox true: $(measure "$DOCKER_CLI" run --rm busybox true) ms"
    echo "dockerd /_ping: $(load "$DOCKERD_PID" "$tmp/docker.sock" /_ping)"
    echo "dockerd /containers/json: $(load "$DOCKERD_PID" "$tmp/docker.sock" '/containers/json?all=1')"
fi
