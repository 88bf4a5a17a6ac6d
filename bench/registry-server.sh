#!/usr/bin/env bash
# berth's registry server against Debian's docker-registry (CNCF distribution 2.8),
# both on loopback in the same run: push an image with one 200 MB gzip layer
# (random bytes: incompressible) from an OCI layout with skopeo, then serve it to
# `skopeo copy ... dir:` RUNS times (skopeo verifies every digest). MB/s of the
# layer (MB = 10^6 bytes) each way; the pull rate is the best run of RUNS.
# SIZE_MB changes the layer's size.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-200}
RUNS=${RUNS:-3}
tmp=$(mktemp -d /tmp/berth-bench-registry.XXXXXX)
PIDS=()
cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY

free_port() {
    .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_up() {
    for _ in $(seq 100); do curl -fs "http://$1/v2/" >/dev/null && return 0; sleep 0.1; done
    echo "registry at $1 did not start" >&2; return 1
}
now() { date +%s%N; }
rate() {  # rate BYTES START END: MB/s
    awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.1f", b / 1e6 / ((e - s) / 1e9) }'
}

# The OCI layout: one gzip layer of a tar holding SIZE_MB of random bytes.
mkdir -p "$tmp/files" "$tmp/layout/blobs/sha256"
head -c "$((SIZE_MB * 1000 * 1000))" /dev/urandom >"$tmp/files/big"
tar -C "$tmp/files" -cf - big | gzip -1 >"$tmp/layer.tar.gz"
diff_id=$(gzip -dc "$tmp/layer.tar.gz" | sha256sum | cut -d' ' -f1)
rm -rf "$tmp/files"
put_blob() {  # put_blob FILE: prints "sha256:<hex> <size>"
    local hex size
    hex=$(sha256sum "$1" | cut -d' ' -f1); size=$(stat -c %s "$1")
    mv "$1" "$tmp/layout/blobs/sha256/$hex"
    echo "sha256:$hex $size"
}
read -r layer layer_size < <(put_blob "$tmp/layer.tar.gz")
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diff_id" >"$tmp/config.json"
read -r config config_size < <(put_blob "$tmp/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
    "$config" "$config_size" "$layer" "$layer_size" >"$tmp/manifest.json"
read -r manifest manifest_size < <(put_blob "$tmp/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' >"$tmp/layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$manifest" "$manifest_size" >"$tmp/layout/index.json"

# The two registries.
berth_host="127.0.0.1:$(free_port)"
.venv/bin/berth registry serve --addr "$berth_host" --root "$tmp/berth" >"$tmp/berth.log" 2>&1 &
PIDS+=($!)
dist_host="127.0.0.1:$(free_port)"
cat >"$tmp/distribution.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $tmp/distribution
http:
  addr: $dist_host
YML
/usr/bin/docker-registry serve "$tmp/distribution.yml" >"$tmp/distribution.log" 2>&1 &
PIDS+=($!)
wait_up "$berth_host"
wait_up "$dist_host"

skopeo_copy() { skopeo --insecure-policy copy -q --src-tls-verify=false --dest-tls-verify=false "$@"; }
printf '%s MB layer (%s bytes gzip), skopeo %s\n' "$SIZE_MB" "$layer_size" \
    "$(skopeo --version | awk '{print $3}')"
printf '%-28s %12s %12s\n' "registry" "push MB/s" "pull MB/s"
for which in berth distribution; do
    if [ "$which" = berth ]; then host=$berth_host; name="berth registry serve"
    else host=$dist_host; name="docker-registry 2.8"; fi
    start=$(now)
    skopeo_copy "oci:$tmp/layout:latest" "docker://$host/bench/big:latest"
    end=$(now)
    push=$(rate "$layer_size" "$start" "$end")
    best=0
    for run in $(seq "$RUNS"); do
        rm -rf "$tmp/out"
        start=$(now)
        skopeo_copy "docker://$host/bench/big:latest" "dir:$tmp/out"
        end=$(now)
        cmp -s "$tmp/out/${layer#sha256:}" "$tmp/layout/blobs/sha256/${layer#sha256:}" \
            || { echo "$which: pulled layer differs" >&2; exit 1; }
        pull=$(rate "$layer_size" "$start" "$end")
        best=$(awk -v a="$best" -v b="$pull" 'BEGIN { print (b > a) ? b : a }')
    done
    rm -rf "$tmp/out"
    printf '%-28s %12s %12s\n' "$name" "$push" "$best"
done
