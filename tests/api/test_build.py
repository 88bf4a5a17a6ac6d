"""``berth build`` against berthd: every instruction checked in the built image (its config
as ``inspect`` shows it, its history, and the image run), multi-stage builds, the cache,
and the failure paths (docker's messages, nothing left behind, nothing tagged)."""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

CORPUS = """\
ARG BASE=busybox
FROM $BASE AS base
ARG GREETING=hello
LABEL org.example.name="berth test" version=1
MAINTAINER someone
ENV PATH=/opt/bin:$PATH APP=/app
USER root
WORKDIR $APP
WORKDIR sub
COPY --chown=1:2 --chmod=640 sub/ ./copied/
ADD files.tar /extracted/
RUN echo "$GREETING" > /greeting && mkdir -p /opt/bin
SHELL ["/bin/sh", "-ec"]
EXPOSE 80 443/udp
VOLUME /data
HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD true
STOPSIGNAL SIGINT
ONBUILD RUN echo triggered > /onbuild
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /greeting"]

FROM base AS child
RUN test -f /onbuild && echo onbuild-ran
"""


def _context(root: Path, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text(dockerfile)
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _build(daemon: Any, ctx: Path, *args: str, timeout: float = 120
           ) -> subprocess.CompletedProcess[str]:
    return daemon.cli("build", "--progress", "plain", *args, str(ctx), timeout=timeout)


def _inspect(daemon: Any, ref: str) -> dict[str, Any]:
    r = daemon.cli("image", "inspect", ref)
    assert r.returncode == 0, r.stderr
    return dict(json.loads(r.stdout)[0])


def _history(daemon: Any, ref: str) -> list[tuple[str, str]]:
    r = daemon.cli("history", "--no-trunc", "--format", "{{.CreatedBy}}\t{{.Size}}", ref)
    assert r.returncode == 0, r.stderr
    return [tuple(line.split("\t")) for line in r.stdout.splitlines()]  # type: ignore[misc]


def _corpus(tmp_path: Path) -> Path:
    ctx = _context(tmp_path / "corpus", CORPUS, {"sub/a.txt": "a\n", "sub/b.txt": "b\n"})
    subprocess.run(["tar", "-cf", str(ctx / "files.tar"), "-C", str(ctx / "sub"), "."],
                   check=True)
    return ctx


def test_every_instruction_lands_in_the_config_the_history_and_the_files(daemon, tmp_path):
    ctx = _corpus(tmp_path)
    r = _build(daemon, ctx, "-t", "corpus:every", "--target", "base")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Step 1/20 : ARG BASE=busybox\nStep 2/20 : FROM $BASE AS base\n" in r.stdout
    assert r.stdout.rstrip().endswith("Successfully tagged corpus:every")
    image = _inspect(daemon, "corpus:every")
    config = image["Config"]
    assert config["Env"] == ["PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                             "/usr/bin:/sbin:/bin", "APP=/app"]
    assert config["Cmd"] == ["cat /greeting"]
    assert config["Entrypoint"] == ["/bin/sh", "-c"]
    assert config["User"] == "root"
    assert config["WorkingDir"] == "/app/sub"
    assert config["Labels"] == {"org.example.name": "berth test", "version": "1"}
    assert config["ExposedPorts"] == {"80/tcp": {}, "443/udp": {}}
    assert config["Volumes"] == {"/data": {}}
    assert config["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 5_000_000_000,
                                     "Timeout": 3_000_000_000, "Retries": 3}
    assert config["StopSignal"] == "SIGINT"
    assert config["Shell"] == ["/bin/sh", "-ec"]
    assert config["OnBuild"] == ["RUN echo triggered > /onbuild"]
    assert image["Author"] == "someone"
    history = _history(daemon, "corpus:every")
    by = [h[0] for h in history]
    assert "/bin/sh -c #(nop)  ENV PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
           "/usr/bin:/sbin:/bin APP=/app" in by
    assert "|1 GREETING=hello /bin/sh -c echo \"$GREETING\" > /greeting && mkdir -p /opt/bin" in by
    assert "/bin/sh -ec #(nop)  EXPOSE 443/udp 80" in by
    assert "/bin/sh -ec #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"true\"] \"5s\" \"3s\" \"0s\" " \
           "'\\x03'}" in by
    assert any(b.startswith("/bin/sh -c #(nop) COPY --chown=1:2dir:") and
               b.endswith(" in ./copied/ ") for b in by)
    # metadata steps add no layer: docker's empty_layer entries
    layers = len(image["RootFS"]["Layers"])
    assert layers == 1 + 2 + 3  # busybox, two WORKDIRs that made dirs, COPY, ADD, RUN
    out = daemon.cli("run", "--rm", "corpus:every")
    assert out.stdout == "hello\n", out.stderr
    files = daemon.cli("run", "--rm", "--entrypoint", "sh", "corpus:every", "-c",
                       "stat -c '%n %u:%g %a' copied/a.txt /extracted/b.txt; pwd")
    assert files.stdout == "copied/a.txt 1:2 640\n/extracted/b.txt 0:0 644\n/app/sub\n"


def test_onbuild_triggers_run_in_the_child_and_are_not_inherited(daemon, tmp_path):
    ctx = _corpus(tmp_path)
    r = _build(daemon, ctx, "-t", "corpus:child")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "# Executing 1 build trigger\n" in r.stdout and "onbuild-ran\n" in r.stdout
    assert _inspect(daemon, "corpus:child")["Config"]["OnBuild"] is None


def test_a_second_build_is_all_hits_and_makes_the_same_image(daemon, tmp_path):
    token = secrets.token_hex(4)
    ctx = _context(tmp_path / "c", f"FROM busybox\nCOPY a.txt /a\nRUN echo {token} > /t\n"
                   "COPY b.txt /b\nRUN cat /a /b /t\nENV X=1\n",
                   {"a.txt": "a\n", "b.txt": "b\n", ".dockerignore": "ignored\n",
                    "ignored": "x"})
    first = _build(daemon, ctx, "-t", f"cache:{token}")
    assert first.returncode == 0, first.stderr
    assert "Using cache" not in first.stdout
    image = _inspect(daemon, f"cache:{token}")["Id"]
    again = _build(daemon, ctx, "-t", f"cache:{token}")
    assert again.stdout.count(" ---> Using cache") == 5 and "Running in" not in again.stdout
    assert _inspect(daemon, f"cache:{token}")["Id"] == image
    # an ignored file changes nothing
    (ctx / "ignored").write_text("changed")
    ignored = _build(daemon, ctx, "-t", f"cache:{token}")
    assert ignored.stdout.count(" ---> Using cache") == 5
    # the second copied file changes: its step and those after it run again
    (ctx / "b.txt").write_text("b2\n")
    changed = _build(daemon, ctx, "-t", f"cache:{token}")
    steps = changed.stdout.split("Step ")[1:]
    assert [" ---> Using cache" in s for s in steps] == [False, True, True, False, False, False]
    assert "b2\n" in changed.stdout
    nocache = _build(daemon, ctx, "--no-cache")
    assert "Using cache" not in nocache.stdout and nocache.returncode == 0
    # dockerd: with --cache-from, only what those images hold is a hit
    assert "Using cache" not in _build(daemon, ctx, "--cache-from", "nosuch:tag").stdout
    assert _build(daemon, ctx, "--cache-from", f"cache:{token}").stdout.count(
        " ---> Using cache") == 5


def test_a_dockerfile_from_outside_the_context_is_not_part_of_it(daemon, tmp_path):
    ctx = _context(tmp_path / "ctx", "unused", {"file.txt": "x", ".dockerignore": "nothing\n"})
    outside = tmp_path / "elsewhere.Dockerfile"
    outside.write_text("FROM busybox\nCOPY . /src\n")
    r = daemon.cli("build", "-q", "-f", str(outside), "-t", "outside:t", str(ctx))
    assert r.returncode == 0, r.stderr
    listed = daemon.cli("run", "--rm", "outside:t", "ls", "-a", "/src").stdout.split()
    assert listed == [".", "..", ".dockerignore", "Dockerfile", "file.txt"]


def test_a_cache_mount_survives_between_builds_and_is_not_in_the_image(daemon, tmp_path):
    token = secrets.token_hex(4)
    dockerfile = (f"FROM busybox\nRUN --mount=type=cache,target=/var/cache/x,id={token} "
                  "echo run >> /var/cache/x/log; wc -l < /var/cache/x/log > /count\n")
    ctx = _context(tmp_path / "c", dockerfile)
    assert _build(daemon, ctx, "-t", f"cm:{token}").returncode == 0
    assert _build(daemon, ctx, "--no-cache", "-t", f"cm:{token}").returncode == 0
    out = daemon.cli("run", "--rm", f"cm:{token}", "sh", "-c",
                     "cat /count; ls /var/cache/x 2>&1; ls -d /var/cache 2>&1")
    assert out.stdout.split("\n")[0] == "2"
    assert "No such file or directory" in out.stdout  # no mount point left in the layer
    df = json.loads(daemon.cli("system", "df", "--format", "{{json .}}").stdout.splitlines()[-1])
    assert df["Type"] == "Build Cache" and df["TotalCount"] != "0"


def test_builder_prune_empties_the_cache_and_the_cache_mounts(daemon, tmp_path):
    token = secrets.token_hex(4)
    ctx = _context(tmp_path / "pr", f"FROM busybox\nRUN --mount=type=cache,target=/c,id={token} "
                                    f"echo {token} > /c/f && echo {token} > /made\n")
    assert _build(daemon, ctx, "-t", f"prune:{token}").returncode == 0
    mounts = daemon.data_root / "builder" / "cache-mounts"
    assert os.listdir(mounts)
    r = daemon.cli("builder", "prune", "-f")
    assert r.returncode == 0 and "Total reclaimed space:" in r.stdout, r.stderr
    assert not os.listdir(mounts)
    df = daemon.cli("system", "df", "--format", "{{.Type}} {{.TotalCount}}").stdout
    assert "Build Cache 0" in df
    again = _build(daemon, ctx, "-t", f"prune:{token}")
    assert "Using cache" not in again.stdout  # nothing left to hit
    assert daemon.cli("run", "--rm", f"prune:{token}", "cat", "/made").stdout == token + "\n"


def test_a_secret_reaches_the_run_but_no_layer_and_no_history(daemon, tmp_path):
    secret = tmp_path / "token"
    secret.write_text("s3cr3t-value")
    ctx = _context(tmp_path / "c", "FROM busybox\nRUN --mount=type=secret,id=tok "
                                   "cat /run/secrets/tok > /seen-length && "
                                   "wc -c < /run/secrets/tok > /len\n")
    r = _build(daemon, ctx, "-t", "secret:t", "--secret", f"id=tok,src={secret}")
    assert r.returncode == 0, r.stderr
    out = daemon.cli("run", "--rm", "secret:t", "sh", "-c", "cat /len; ls /run/secrets 2>&1")
    assert out.stdout.startswith("12\n") and "No such file" in out.stdout
    saved = daemon.cli("save", "secret:t")
    assert saved.returncode == 0
    assert "s3cr3t-value" not in json.dumps(_inspect(daemon, "secret:t"))


def test_multi_stage_copies_a_binary_into_scratch_and_target_builds_only_what_it_needs(
        daemon, tmp_path):
    dockerfile = """\
FROM busybox AS build
RUN mkdir /out && cp /bin/busybox /out/busybox && echo built > /out/marker
FROM busybox AS broken
RUN exit 7
FROM scratch AS final
COPY --from=build /out/busybox /bin/busybox
COPY --from=0 /out/marker /marker
CMD ["/bin/busybox", "cat", "/marker"]
"""
    ctx = _context(tmp_path / "m", dockerfile)
    r = _build(daemon, ctx, "-t", "multi:final", "--target", "final")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "exit 7" not in r.stdout  # the broken stage is not needed
    assert daemon.cli("run", "--rm", "multi:final").stdout == "built\n"
    image = _inspect(daemon, "multi:final")
    assert len(image["RootFS"]["Layers"]) == 2
    failing = _build(daemon, ctx, "--target", "broken")
    assert failing.returncode == 7  # docker build exits with the failed RUN's code
    assert "The command '/bin/sh -c exit 7' returned a non-zero code: 7" in failing.stderr


def test_independent_stages_run_at_once(daemon, tmp_path):
    """Two stages that each wait for the other's marker finish only when they overlap."""
    dockerfile = """\
FROM busybox AS a
RUN --mount=type=cache,target=/shared,id=PAR touch /shared/a && \
    for i in $(seq 100); do [ -e /shared/b ] && exit 0; sleep 0.1; done; exit 1
FROM busybox AS b
RUN --mount=type=cache,target=/shared,id=PAR touch /shared/b && \
    for i in $(seq 100); do [ -e /shared/a ] && exit 0; sleep 0.1; done; exit 1
FROM busybox
COPY --from=a /bin/busybox /a
COPY --from=b /bin/busybox /b
"""
    token = secrets.token_hex(4)
    ctx = _context(tmp_path / "p", dockerfile.replace("PAR", token))
    r = _build(daemon, ctx, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    steps = [line for line in r.stdout.splitlines() if line.startswith("Step ")]
    assert steps[0].startswith("Step 1/7 : FROM busybox AS a")  # shown in file order


def test_copy_from_an_image_and_docker_s_destination_rules(daemon, tmp_path):
    dockerfile = """\
FROM busybox
COPY --from=busybox /bin/busybox /copied/bb
COPY a.txt b.txt /multi/
COPY a.txt /renamed
COPY dir /into/
COPY d* /glob/
WORKDIR /w
COPY a.txt rel
"""
    ctx = _context(tmp_path / "d", dockerfile, {"a.txt": "a", "b.txt": "b",
                                                 "dir/x/y.txt": "y"})
    assert _build(daemon, ctx, "-t", "rules:t").returncode == 0
    out = daemon.cli("run", "--rm", "rules:t", "sh", "-c",
                     "find /copied /multi /into /glob -type f | sort; cat /renamed /w/rel")
    assert out.stdout.split() == ["/copied/bb", "/glob/x/y.txt", "/into/x/y.txt", "/multi/a.txt",
                                  "/multi/b.txt", "aa"], out.stdout


def test_heredocs_run_scripts_and_make_files(daemon, tmp_path):
    dockerfile = """\
FROM busybox
ARG NAME=world
RUN <<EOF
echo "shell $NAME" > /shell.txt
EOF
RUN <<EOF
#!/bin/sh
echo "program $0" > /program.txt
EOF
COPY <<EOF /copied.txt
hello $NAME
EOF
COPY <<"EOF" /literal.txt
hello $NAME
EOF
"""
    ctx = _context(tmp_path / "hd", dockerfile)
    r = _build(daemon, ctx, "-t", "heredoc:t")
    assert r.returncode == 0, r.stdout + r.stderr
    out = daemon.cli("run", "--rm", "heredoc:t", "cat", "/shell.txt", "/program.txt",
                     "/copied.txt", "/literal.txt")
    assert out.stdout == ("shell world\nprogram /dev/pipes/EOF\nhello world\n"
                          "hello $NAME\n"), out.stderr


@pytest.mark.parametrize(("dockerfile", "files", "message"), [
    ("FROM busybox\nRUNN x\n", {}, "Dockerfile:2: unknown instruction: RUNN"),
    ("FROM busybox\nCOPY nope /x\n", {},
     "COPY failed: file not found in build context or excluded by .dockerignore: "
     "stat nope: file does not exist"),
    ("FROM busybox\nCOPY a b /x\n", {"a": "", "b": ""},
     "When using COPY with more than one source file, the destination must be a directory "
     "and end with a /"),
    ("FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /x /x\n", {},
     "circular dependency detected on stage: "),
    ("FROM $NOPE\n", {}, "base name ($NOPE) should not be blank"),
    ("FROM busybox\nCOPY --chown=nosuch a /a\n", {"a": ""},
     "can't find uid for user nosuch: no such user: nosuch"),
    ("FROM --platform=linux/s390x busybox\n", {}, "is not supported: berth builds for"),
])
def test_errors_are_docker_s_and_nothing_is_tagged(daemon, tmp_path, dockerfile, files, message):
    ctx = _context(tmp_path / "e", dockerfile, files)
    tag = f"err:{secrets.token_hex(4)}"
    r = _build(daemon, ctx, "-t", tag)
    assert r.returncode == 1
    assert message in r.stderr, r.stdout + r.stderr
    assert daemon.cli("image", "inspect", tag).returncode == 1


def test_a_failing_run_shows_its_output_and_leaves_no_container(daemon, tmp_path):
    ctx = _context(tmp_path / "f", "FROM busybox\nRUN echo out; echo err >&2; exit 3\n")
    before = set(os.listdir(daemon.data_root / "containers"))
    r = _build(daemon, ctx, "-t", "fails:t")
    assert r.returncode == 3
    assert "out\n\x1b[91merr\n\x1b[0m" in r.stdout  # stderr in red, as dockerd sends it
    assert "The command '/bin/sh -c echo out; echo err >&2; exit 3' returned a non-zero " \
           "code: 3" in r.stderr
    assert set(os.listdir(daemon.data_root / "containers")) == before
    assert not os.listdir(daemon.data_root / "builder" / "steps")
    assert daemon.cli("image", "inspect", "fails:t").returncode == 1
    assert daemon.cli("ps", "-aq").stdout == ""


def test_a_client_that_leaves_cancels_the_running_step(daemon, tmp_path):
    token = secrets.token_hex(6)
    ctx = _context(tmp_path / "x", f"FROM busybox\nRUN sleep 60; echo {token}\n")
    proc = subprocess.Popen([sys.executable, "-m", "berth.cli.main", "build", "--progress",
                             "plain", "-t", "cancelled:t", str(ctx)], env=daemon.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    steps = daemon.data_root / "builder" / "steps"
    deadline = time.monotonic() + 30
    while not os.listdir(steps) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    while os.listdir(steps) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.listdir(steps)
    assert token not in os.popen("ps -eo args").read()  # the step's shell is gone
    assert daemon.cli("image", "inspect", "cancelled:t").returncode == 1


def test_copy_through_an_image_s_symlink_stays_in_the_image(daemon, tmp_path):
    token = secrets.token_hex(6)
    host_target = Path("/tmp") / f"berth-escape-{token}"
    ctx = _context(tmp_path / "sl", f"FROM busybox\nRUN ln -s ../../../../..{host_target} /link "
                                    "&& ln -s /etc /etclink\nCOPY a.txt /link/a.txt\n"
                                    "WORKDIR /link/sub\n", {"a.txt": "inside\n"})
    r = _build(daemon, ctx, "-t", f"symlink:{token}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not host_target.exists()  # resolved inside the step's root, never the host's
    out = daemon.cli("run", "--rm", f"symlink:{token}", "sh", "-c",
                     f"cat {host_target}/a.txt; ls -d {host_target}/sub; pwd")
    assert out.stdout == f"inside\n{host_target}/sub\n{host_target}/sub\n", out.stderr
    assert _inspect(daemon, f"symlink:{token}")["Config"]["WorkingDir"] == "/link/sub"


def test_a_hostile_context_cannot_reach_outside(daemon, tmp_path):
    outside = tmp_path / "outside-secret"
    outside.write_text("host secret")
    ctx = _context(tmp_path / "h", "FROM busybox\nCOPY link /got\nCOPY dirlink/ /dir/\n")
    (ctx / "link").symlink_to(outside)
    (ctx / "dirlink").symlink_to("/etc")
    r = _build(daemon, ctx, "-t", "hostile:t")
    # the CLI sends the links as links; berthd follows them inside the context only
    assert r.returncode == 1
    assert "file not found in build context" in r.stderr
    api_tar = tmp_path / "evil.tar"
    subprocess.run(["tar", "-cf", str(api_tar), "-C", str(ctx), "Dockerfile"], check=True)
    with tarfile.open(api_tar, "a") as tar:
        info = tarfile.TarInfo("../escape")
        info.size = 0
        tar.addfile(info)
    conn = http.client.HTTPConnection("localhost")
    conn.sock = socket.socket(socket.AF_UNIX)
    conn.sock.connect(str(daemon.socket))
    conn.request("POST", "/v1.44/build?t=hostile:t", body=api_tar.read_bytes(),
                 headers={"Content-Type": "application/x-tar"})
    resp = conn.getresponse()
    body = resp.read().decode()
    assert resp.status == 400 and "unsafe entry" in body
    assert not (daemon.data_root / "builder" / "escape").exists()
