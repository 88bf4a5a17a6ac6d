#!/usr/bin/env bash
# Many containers at once, berth against Docker 20.10 in the same run:
#   - 50 `sleep` containers started with `run -d`: the wall time, and the memory the
#     engine's own processes gain per running container (PSS of berthd and the supervisor
#     for berth, whose containers' PID 1 is the program itself; dockerd, containerd and
#     one containerd-shim per container for Docker). The programs' own memory is not counted.
#   - removing those 50 (`rm -f` of all at once): the wall time
#   - 20 `run --rm busybox true` launched concurrently: the wall time until all are done.
# Isolated engines in a temp dir; everything removed on exit. DOCKER=1 adds Docker.
. "$(dirname "$0")/lib.sh"
COUNT=${COUNT:-50}
CONCURRENT=${CONCURRENT:-20}
bench_setup

pss_kib() {  # pss_kib PID...: the summed proportional set size, KiB
    local total=0 pid v
    for pid in "$@"; do
        v=$(awk '/^Pss:/ {s += $2} END {print s + 0}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        total=$((total + v))
    done
    echo "$total"
}

run_many() {  # run_many CLI...: start COUNT sleepers, print the ms it took
    local s; s=$(date +%s%N)
    for i in $(seq "$COUNT"); do "$@" run -d --name "many$i" busybox sleep 600 >/dev/null; done
    ms_since "$s"
}
run_concurrent() {  # run_concurrent CLI...: CONCURRENT `run --rm true` at once, ms
    local s; s=$(date +%s%N)
    for _ in $(seq "$CONCURRENT"); do "$@" run --rm busybox true >/dev/null & done
    wait
    ms_since "$s"
}

bench_busybox
engine() { pgrep -f -- "--host $BERTH_HOST|--exec-root $tmp/run" | tr '\n' ' '; }
base=$(pss_kib $(engine))
echo "berth: $COUNT x run -d: $(run_many .venv/bin/berth) ms"
after=$(pss_kib $(engine))
echo "berth: berthd + supervisor PSS: $after KiB with $COUNT running (idle: $base KiB): $(( (after - base) / COUNT )) KiB per container"
s=$(date +%s%N); .venv/bin/berth rm -f $(.venv/bin/berth ps -aq) >/dev/null
echo "berth: rm -f of $COUNT running: $(ms_since "$s") ms"
echo "berth: $CONCURRENT concurrent run --rm true: $(run_concurrent .venv/bin/berth) ms"

if want_docker; then
    start_dockerd
    "$DOCKER_CLI" import "$tmp/busybox.tar" busybox:latest >/dev/null
    engine() { echo "$DOCKERD_PID $(pgrep -f -- "containerd.*$tmp/docker" || true) $(pgrep -f "containerd-shim" || true)"; }
    base=$(pss_kib $(engine))
    echo "docker: $COUNT x run -d: $(run_many "$DOCKER_CLI" --host "$DOCKER_HOST") ms"
    after=$(pss_kib $(engine))
    echo "docker: dockerd + containerd + shims PSS: $after KiB with $COUNT running (idle: $base KiB): $(( (after - base) / COUNT )) KiB per container"
    s=$(date +%s%N); "$DOCKER_CLI" rm -f $("$DOCKER_CLI" ps -aq) >/dev/null
    echo "docker: rm -f of $COUNT running: $(ms_since "$s") ms"
    echo "docker: $CONCURRENT concurrent run --rm true: $(run_concurrent "$DOCKER_CLI") ms"
fi
