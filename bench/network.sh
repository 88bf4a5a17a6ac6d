#!/usr/bin/env bash
# Networks: `run --rm busybox true` on the default bridge, and creating then removing
# 20 bridge networks, berth beside Docker 20.10 (DOCKER=1) in the same run. Each
# engine has a bridge of its own with a subnet of 10.231.0.0/16 (berth: --bridge
# bbench0 --bip; dockerd: -b dbench0, a bridge made here, with its iptables rules,
# which are deleted after); the networks get 10.231.100+i.0/24.
. "$(dirname "$0")/lib.sh"
bench_setup
.venv/bin/python tests/fixtures/busybox_rootfs.py "$tmp/busybox.tar"
.venv/bin/berthd --host "$BERTH_HOST" --data-root "$BERTH_DATA_ROOT" --exec-root "$BERTH_EXEC_ROOT" \
    --bridge bbench0 --bip 10.231.90.1/24 >"$tmp/berthd.log" 2>&1 &
for _ in $(seq 100); do .venv/bin/berth version >/dev/null 2>&1 && break; sleep 0.2; done
.venv/bin/berth import "$tmp/busybox.tar" busybox:latest >/dev/null

networks() {  # create 20 networks, then remove them: total ms
    local cli=$1 prefix=$2 s
    s=$(date +%s%N)
    for i in $(seq 0 19); do
        $cli network create --subnet "10.231.$((100 + i)).0/24" \
            -o "com.docker.network.bridge.name=$prefix$i" "bench$i" >/dev/null
    done
    for i in $(seq 0 19); do $cli network rm "bench$i" >/dev/null; done
    ms_since "$s"
}

echo "berth run --rm busybox true (default bridge): median $(measure .venv/bin/berth run --rm busybox true) ms over $N runs"
echo "berth: 20 networks created and removed: $(networks .venv/bin/berth bb) ms"

docker_iptables_cleanup() {
    set +e
    for chain in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do
        for table in filter nat; do
            while iptables -w -t "$table" -S | grep -q -- "-j $chain\$"; do
                rule=$(iptables -w -t "$table" -S | grep -- "-j $chain\$" | grep -v "^-A $chain " | head -1)
                [ -z "$rule" ] && break
                iptables -w -t "$table" ${rule/-A/-D}
            done
            iptables -w -t "$table" -F "$chain" 2>/dev/null
        done
    done
    for chain in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do
        for table in filter nat; do iptables -w -t "$table" -X "$chain" 2>/dev/null; done
    done
    for table in filter nat; do  # dockerd's own rules for its bridges, outside its chains
        iptables -w -t "$table" -S | grep -E -- "dbench0|db[0-9]+ |-s 10\.231\." | grep "^-A" |
            sed 's/^-A/-D/' | while read -r rule; do eval iptables -w -t "$table" "$rule"; done
    done
    ip link del dbench0 2>/dev/null
}

if want_docker; then
    ip link add dbench0 type bridge
    ip addr add 10.231.91.1/24 dev dbench0
    ip link set dbench0 up
    dockerd --host "unix://$tmp/docker.sock" --data-root "$tmp/docker-data" --exec-root "$tmp/docker-run" \
        --pidfile "$tmp/docker.pid" --bridge dbench0 >"$tmp/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$tmp/docker.sock"
    trap 'bench_cleanup; docker_iptables_cleanup' EXIT
    for _ in $(seq 100); do "$DOCKER_CLI" version >/dev/null 2>&1 && break; sleep 0.2; done
    "$DOCKER_CLI" import "$tmp/busybox.tar" busybox:latest >/dev/null
    echo "docker run --rm busybox true (default bridge): median $(measure "$DOCKER_CLI" run --rm busybox true) ms over $N runs"
    echo "docker: 20 networks created and removed: $(networks "$DOCKER_CLI" db) ms"
fi
