"""A -t container or exec starts with the client's terminal size (ConsoleSize, set
before the program runs), from berth and from the docker CLI."""

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

BERTH = [sys.executable, "-m", "berth.cli.main"]


def _on_terminal(argv, env, rows=33, cols=111):
    pid, fd = pty.fork()
    if pid == 0:  # never return into pytest from here
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    out = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out.replace(b"\r", b"").strip()


def test_run_and_exec_start_at_the_terminals_size(berth_cli, daemon):
    docker_env = {**daemon.env, "DOCKER_HOST": f"unix://{daemon.socket}"}
    assert _on_terminal([*BERTH, "run", "--rm", "-t", "busybox", "stty", "size"],
                        daemon.env) == b"33 111"
    assert _on_terminal(["/usr/local/bin/docker", "run", "--rm", "-t", "busybox", "stty",
                         "size"], docker_env) == b"33 111"
    assert berth_cli("run", "-d", "-t", "--name", "sized", "busybox", "sleep", "60")[0] == 0
    try:
        assert _on_terminal([*BERTH, "exec", "-t", "sized", "stty", "size"],
                            daemon.env, 40, 120) == b"40 120"
        assert _on_terminal(["/usr/local/bin/docker", "exec", "-t", "sized", "stty", "size"],
                            docker_env, 41, 121) == b"41 121"
    finally:
        berth_cli("rm", "-f", "sized")
