#!/usr/bin/env bash
# Median wall time of `berth run --rm busybox true` (20 runs after 2 warm-ups),
# on an isolated berthd in a temp dir. With DOCKER=1 (and dockerd installed),
# Docker 20.10's `docker run --rm busybox true` is measured in the same run,
# on a dockerd without a bridge (its default network, its fastest path: an explicit
# `--network none` takes a slower one, ~245 ms against ~140 ms here), same busybox rootfs.
. "$(dirname "$0")/lib.sh"
bench_setup
bench_busybox
echo "berth run --rm busybox true: median $(measure .venv/bin/berth run --rm busybox true) ms over $N runs"

if want_docker; then
    start_dockerd
    "$DOCKER_CLI" import "$tmp/busybox.tar" busybox:latest >/dev/null
    echo "docker run --rm busybox true: median $(measure "$DOCKER_CLI" run --rm busybox true) ms over $N runs"
fi
