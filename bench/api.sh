#!/usr/bin/env bash
# The Docker Engine API side by side, in one run (DOCKER=1 adds Docker 20.10):
#   - `docker run --rm busybox true` with the docker CLI against berthd and against dockerd
#   - the berth CLI's own cost: `berth version` minus a bare interpreter start
#   - GET /_ping and GET /containers/json (10 containers listed) with 8 clients, req/s
#   - 100 clients for 30 s on /containers/json: errors must be 0
. "$(dirname "$0")/lib.sh"
SECONDS_LOAD=${SECONDS_LOAD:-5}
bench_setup
bench_busybox
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

if want_docker; then
    start_dockerd
    "$DOCKER_CLI" import "$tmp/busybox.tar" busybox:latest >/dev/null
    for i in $(seq 10); do "$DOCKER_CLI" create --network none --name "listed$i" busybox true >/dev/null; done
    echo "docker CLI -> dockerd: run --rm busybox true: $(measure "$DOCKER_CLI" run --rm --network none busybox true) ms"
    echo "dockerd /_ping: $(.venv/bin/python bench/api_load.py "$tmp/docker.sock" /_ping 8 "$SECONDS_LOAD")"
    echo "dockerd /containers/json: $(.venv/bin/python bench/api_load.py "$tmp/docker.sock" '/containers/json?all=1' 8 "$SECONDS_LOAD")"
fi
