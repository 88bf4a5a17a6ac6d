"""ctrl-p ctrl-q leaves an -it container running: berth run -it returns 0, attach says
docker's "read escape sequence" and fails, the docker CLI detaches the same way."""

import os
import pty
import select
import sys
import time

BERTH = [sys.executable, "-m", "berth.cli.main"]


def _session(argv, env, prompt_wait=20.0, keys=b"\x10\x11"):
    """Run ``argv`` on a terminal: type a command, wait for its answer, then detach
    with ``keys``."""
    pid, fd = pty.fork()
    if pid == 0:  # never return into pytest from here
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    out = b""

    def read_until(marker, timeout):
        nonlocal out
        deadline = time.monotonic() + timeout
        while marker not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                out += chunk

    try:
        read_until(b"/ # ", prompt_wait)  # the shell's prompt: the terminal is raw by now
        os.write(fd, b"echo typed-and-seen\r")
        read_until(b"\r\ntyped-and-seen\r\n", 10)
        os.write(fd, keys)
        read_until(b"\x00never", 2.0)
    finally:
        for _ in range(100):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.1)
        else:  # still attached: a failure, not a hang
            os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out


def _up(berth_cli, name):
    return berth_cli("inspect", "--format", "{{.State.Status}}", name)[1].strip()


def test_detach_from_run_and_attach(berth_cli, daemon):
    try:
        code, out = _session([*BERTH, "run", "-it", "--name", "detached", "busybox", "sh"],
                             daemon.env)
        assert code == 0, out
        assert _up(berth_cli, "detached") == "running"
        code, out = _session([*BERTH, "attach", "detached"], daemon.env, 2.0)
        assert code == 1 and b"read escape sequence" in out
        assert _up(berth_cli, "detached") == "running"
        env = {**daemon.env, "DOCKER_HOST": f"unix://{daemon.socket}"}
        code, out = _session(["/usr/local/bin/docker", "attach", "detached"], env, 2.0)
        assert code == 1 and b"read escape sequence" in out
        assert _up(berth_cli, "detached") == "running"
    finally:
        berth_cli("rm", "-f", "detached")


def test_detach_keys_from_the_flag_and_from_config_json(berth_cli, daemon, tmp_path):
    try:
        code, out = _session([*BERTH, "run", "-it", "--detach-keys", "ctrl-x,y", "--name",
                              "keyed", "busybox", "sh"], daemon.env, keys=b"\x18y")
        assert code == 0, out
        assert _up(berth_cli, "keyed") == "running"
        (tmp_path / "config.json").write_text('{"detachKeys": "ctrl-a"}')
        env = {**daemon.env, "DOCKER_CONFIG": str(tmp_path)}
        code, out = _session([*BERTH, "attach", "keyed"], env, 2.0, keys=b"\x01")
        assert code == 1 and b"read escape sequence" in out
        code, out = _session([*BERTH, "exec", "-it", "--detach-keys", "ctrl-x", "keyed", "sh"],
                             daemon.env, keys=b"\x18")
        assert code == 126 and b"read escape sequence" in out, out  # dockerd 20.10's end
        assert _up(berth_cli, "keyed") == "running"
        code, out, err = berth_cli("attach", "--detach-keys", "bogus-key", "keyed")
        assert code == 1 and "Invalid escape keys (bogus-key) provided" in err
    finally:
        berth_cli("rm", "-f", "keyed")
