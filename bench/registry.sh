#!/usr/bin/env bash
# Push and pull over loopback against Debian's docker-registry (CNCF distribution
# 2.8), berth and then Docker 20.10's dockerd (temp dirs, no bridge) in the same run,
# against the same registry, of two one-layer images imported from a tar:
#   big:    200 MB of random bytes (no compression helps): MB/s of the layer as the
#           registry stores it (MB = 10^6 bytes);
#   rootfs: a real root filesystem tree, the host's /usr files (under 10 MB each)
#           and links in path order up to ROOTFS_MB (200) MB: pushed compressed
#           (gzip: berth's ISA-L in threads, dockerd's Go compress/gzip), so MB/s
#           of the plain tar (the work done), with the bytes the registry stores.
# A push starts with nothing compressed yet; a pull starts with no layer present
# and includes the unpack. SIZE_MB changes the random layer's size; DOCKER=0 skips
# dockerd. The load average before and after is printed: other work on the machine
# slows both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-200}
ROOTFS_MB=${ROOTFS_MB:-200}
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}  # Debian docker.io: the 20.10 client beside its dockerd
tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
export BERTH_HOST="unix://$tmp/run/berthd.sock" BERTH_DATA_ROOT="$tmp/data" BERTH_EXEC_ROOT="$tmp/run"
cleanup() {
    set +e
    if [ -n "${REGISTRY_PID:-}" ]; then kill "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null; fi
    if [ -n "${DOCKERD_PID:-}" ]; then kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null; fi
    pkill -f -- "--host $BERTH_HOST" 2>/dev/null   # berthd, started by the first command
    for _ in $(seq 50); do pgrep -f -- "--host $BERTH_HOST" >/dev/null || break; sleep 0.1; done
    grep " $tmp" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r umount -l
    rm -rf "$tmp"
}
trap cleanup EXIT

port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
host="127.0.0.1:$port"
cat >"$tmp/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $tmp/registry
http:
  addr: $host
YML
/usr/bin/docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 100); do curl -fs "http://$host/v2/" >/dev/null && break; sleep 0.1; done

mkdir -p "$tmp/layer"
head -c "$((SIZE_MB * 1000 * 1000))" /dev/urandom >"$tmp/layer/big"
tar -C "$tmp/layer" -cf "$tmp/big.tar" big
rm -rf "$tmp/layer"
# the rootfs: regular files and links of /usr, in path order, up to ROOTFS_MB
(cd / && find usr -xdev \( -type f -size -10M -o -type l \) -printf '%s %p\n' | sort -k2 \
    | awk -v max="$((ROOTFS_MB * 1000 * 1000))" '{ s += $1; if (s <= max) print $2 }') \
    >"$tmp/rootfs.list"
tar -C / -cf "$tmp/rootfs.tar" --no-recursion -T "$tmp/rootfs.list"
plain=$(stat -c %s "$tmp/rootfs.tar")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); rootfs tar: $plain bytes, $(wc -l <"$tmp/rootfs.list") files"

now() { date +%s%N; }
rate() {  # rate BYTES START END: MB/s
    awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.1f", b / 1e6 / ((e - s) / 1e9) }'
}
layer_size() {  # layer_size REPO: the bytes of the first layer the registry stores
    curl -fs -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "http://$host/v2/$1/manifests/latest" | .venv/bin/python -c \
        'import json,sys; print(json.load(sys.stdin)["layers"][0]["size"])'
}

rootfs() {  # rootfs CLI NAME: push and pull of the rootfs image, the plain tar's MB/s
    "$1" import "$tmp/rootfs.tar" "$host/$2/rootfs" >/dev/null
    s=$(now); "$1" push "$host/$2/rootfs" >/dev/null; e=$(now)
    size=$(layer_size "$2/rootfs")
    echo "$2 push rootfs: $(rate "$plain" "$s" "$e") MB/s of the tar ($size bytes stored, in $(( (e - s) / 1000000 )) ms)"
    "$1" rmi "$host/$2/rootfs" >/dev/null
    s=$(now); "$1" pull -q "$host/$2/rootfs" >/dev/null; e=$(now)
    echo "$2 pull rootfs: $(rate "$plain" "$s" "$e") MB/s of the tar (in $(( (e - s) / 1000000 )) ms)"
}

.venv/bin/berth version >/dev/null  # starts berthd on the temp socket and roots
.venv/bin/berth import "$tmp/big.tar" "$host/berth/big" >/dev/null
s=$(now); .venv/bin/berth push "$host/berth/big" >/dev/null; e=$(now)
size=$(layer_size berth/big)
echo "berth push: $(rate "$size" "$s" "$e") MB/s ($size bytes in $(( (e - s) / 1000000 )) ms)"
.venv/bin/berth rmi "$host/berth/big" >/dev/null
s=$(now); .venv/bin/berth pull -q "$host/berth/big" >/dev/null; e=$(now)
echo "berth pull: $(rate "$size" "$s" "$e") MB/s ($size bytes in $(( (e - s) / 1000000 )) ms)"
rootfs .venv/bin/berth berth

if [ "${DOCKER:-1}" = 1 ] && command -v dockerd >/dev/null; then
    dockerd --host "unix://$tmp/docker.sock" --data-root "$tmp/docker-data" --exec-root "$tmp/docker-run" \
        --pidfile "$tmp/docker.pid" --bridge none --iptables=false >"$tmp/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$tmp/docker.sock"
    for _ in $(seq 100); do "$DOCKER_CLI" version >/dev/null 2>&1 && break; sleep 0.2; done
    "$DOCKER_CLI" import "$tmp/big.tar" "$host/docker/big" >/dev/null
    s=$(now); "$DOCKER_CLI" push "$host/docker/big" >/dev/null; e=$(now)
    size=$(layer_size docker/big)
    echo "docker push: $(rate "$size" "$s" "$e") MB/s ($size bytes, gzip, in $(( (e - s) / 1000000 )) ms)"
    "$DOCKER_CLI" rmi "$host/docker/big" >/dev/null
    s=$(now); "$DOCKER_CLI" pull -q "$host/docker/big" >/dev/null; e=$(now)
    echo "docker pull: $(rate "$size" "$s" "$e") MB/s ($size bytes in $(( (e - s) / 1000000 )) ms)"
    rootfs "$DOCKER_CLI" docker
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
