#!/usr/bin/env bash
# `berth build` beside Docker 20.10's legacy builder (DOCKER_BUILDKIT=0) in the same run, on
# the same context (FROM busybox, a RUN writing 1000 files, a COPY of 20 MB, ENV, WORKDIR,
# CMD), each figure the median of N runs (default 3), berth's and docker's interleaved:
#   cold       --no-cache: every step made
#   cached     the same build again: every step a hit
#   two-stage  --no-cache, two stages that do not depend on each other (each a RUN writing
#              1000 files, then a COPY --from of both into a third)
# Needs DOCKER=1 (and dockerd) for docker's column. Everything is removed on exit.
. "$(dirname "$0")/lib.sh"
N=${N:-3}
bench_setup
bench_busybox

ctx="$tmp/ctx"
mkdir -p "$ctx"
head -c $((20 << 20)) /dev/urandom > "$ctx/blob.bin"
WRITE='mkdir /files && i=0 && while [ $i -lt 1000 ]; do echo $i > /files/f$i; i=$((i+1)); done'
cat > "$ctx/Dockerfile" <<EOF
FROM busybox
RUN $WRITE
COPY blob.bin /data/blob.bin
ENV APP_MODE=bench
WORKDIR /app
CMD ["sh"]
EOF
cat > "$ctx/Dockerfile.stages" <<EOF
FROM busybox AS one
RUN $WRITE && sleep 1
FROM busybox AS two
RUN $WRITE && sleep 1
FROM busybox
COPY --from=one /files /one
COPY --from=two /files /two
EOF

berth_build() { .venv/bin/berth build -q "$@" "$ctx" >/dev/null; }
docker_build() { DOCKER_BUILDKIT=0 "$DOCKER_CLI" build -q "$@" "$ctx" >/dev/null; }
ms() { local s; s=$(date +%s%N); "$@"; ms_since "$s"; }

with_docker=0
if want_docker; then
    start_dockerd
    "$DOCKER_CLI" import "$tmp/busybox.tar" busybox:latest >/dev/null
    with_docker=1
fi
berth_build -t warm  # the first build pays for berthd's imports: not counted
[ "$with_docker" = 1 ] && docker_build -t warm

for case in cold cached stages; do
    case $case in
        cold) args=(--no-cache -t bench:cold) ;;
        cached) args=(-t bench:cold) ;;
        stages) args=(--no-cache -f "$ctx/Dockerfile.stages" -t bench:stages) ;;
    esac
    : >"$tmp/berth.$case"; : >"$tmp/docker.$case"
    for _ in $(seq "$N"); do
        ms berth_build "${args[@]}" >>"$tmp/berth.$case"
        [ "$with_docker" = 1 ] && ms docker_build "${args[@]}" >>"$tmp/docker.$case"
    done
    b=$(median <"$tmp/berth.$case")
    if [ "$with_docker" = 1 ]; then
        d=$(median <"$tmp/docker.$case")
        echo "$case: berth $b ms, docker $d ms, ratio $(awk -v b="$b" -v d="$d" 'BEGIN {printf "%.2f", b / d}')"
    else
        echo "$case: berth $b ms"
    fi
done
