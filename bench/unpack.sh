#!/usr/bin/env bash
# Unpack of a gzip layer: a rootfs tar of ~200 MB (half incompressible, half text, in
# ~2000 files) gzipped, imported by berth (`berth import`: verified blob + unpacked
# snapshot) and, with DOCKER=1, by Docker 20.10 (`docker import`) in the same run.
# Prints the seconds and MB/s of uncompressed layer for each (median of 3).
. "$(dirname "$0")/lib.sh"
MB=${MB:-200}
bench_setup

.venv/bin/python - "$tmp/layer.tar" "$MB" <<'PY'
import io, os, random, sys, tarfile
path, mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
         for _ in range(2000)]
with tarfile.open(path, "w") as tar:
    total, i = 0, 0
    while total < mb << 20:
        size = rng.randint(20_000, 180_000)
        data = os.urandom(size) if i % 2 else b" ".join(rng.choices(words, k=size // 6))[:size]
        info = tarfile.TarInfo(f"data/d{i % 50}/f{i}")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        total += len(data)
        i += 1
PY
gzip -1 -k "$tmp/layer.tar"
size_mb=$(( $(stat -c %s "$tmp/layer.tar") / 1000000 ))
timed() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
report() {  # report NAME MS
    awk -v n="$1" -v ms="$2" -v mb="$size_mb" 'BEGIN {printf "%s: %.2f s, %.0f MB/s (%d MB layer, gzip)\n", n, ms/1000, mb/(ms/1000), mb}'
}

.venv/bin/berth version >/dev/null
ms=$(for i in 1 2 3; do timed .venv/bin/berth import "$tmp/layer.tar.gz" "unpack:$i"; done | median)
report "berth import" "$ms"

if want_docker; then
    start_dockerd
    ms=$(for i in 1 2 3; do timed "$DOCKER_CLI" import "$tmp/layer.tar.gz" "unpack:$i"; done | median)
    report "docker import" "$ms"
fi
