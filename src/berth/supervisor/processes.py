"""What the supervisor holds of a process it runs: a container's PID 1 or an exec,
its stdio, and the forks that start an exec or serve an archive in a container."""

import contextlib
import json
import os
import signal
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from berth.errors import FailedPrecondition
from berth.runtime import archive
from berth.runtime.cgroups import Cgroup
from berth.runtime.exec import start as exec_start
from berth.runtime.seccomp import compile_filter
from berth.runtime.spawn import NULL_STDIN, Launch
from berth.runtime.terminal import receive_master
from berth.supervisor.logs import JsonFileLog
from berth.supervisor.protocol import FrameBuffer, encode_json

Fds = tuple[int, int, int]


@dataclass(eq=False)
class Conn:
    sock: socket.socket
    frames: FrameBuffer = field(default_factory=FrameBuffer)
    out: bytearray = field(default_factory=bytearray)
    container: "Container | None" = None
    close_when_flushed: bool = False
    handled_request: bool = False
    events: int = 0  # what the selector watches on the socket
    callback: Any = None


@dataclass(eq=False)
class Container:
    """A container's PID 1, or a process exec'd in one (no log, no cgroup of its own)."""

    id: str
    pid: int
    log: JsonFileLog | None
    pipes: dict[int, int]  # fd -> stream
    stdin: int | None
    started_at: str
    attached: list[Conn] = field(default_factory=list)
    stdin_out: bytearray = field(default_factory=bytearray)
    stdin_eof: bool = False
    stdin_waiting: bool = False  # stdin registered for EVENT_WRITE
    paused: bool = False  # output not read while an attached client lags
    status: str = "running"
    exit_code: int | None = None
    finished_at: str | None = None
    reaped: bool = False
    cgroup: Cgroup | None = None
    oom_killed: bool = False
    pty: int | None = None  # the pty master, for resize

    def state(self) -> dict[str, Any]:
        return {"pid": self.pid, "status": self.status, "exit_code": self.exit_code,
                "started_at": self.started_at, "finished_at": self.finished_at,
                "oom_killed": self.oom_killed}


def pipes(open_stdin: bool) -> tuple[Fds, Fds]:
    """(our ends: out, err, in) and (the program's stdin, stdout, stderr); -1: none."""
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    if open_stdin:
        in_r, in_w = os.pipe2(os.O_CLOEXEC)
    else:
        in_r, in_w = NULL_STDIN, -1
    return (out_r, err_r, in_w), (in_r, out_w, err_w)


def close_all(fds: Iterable[int]) -> None:
    """Close the fds that are set (-1: none), ignoring ones already closed."""
    for fd in fds:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


@dataclass(eq=False)
class Starting:
    """A container's init or an exec, forked and not yet known to have reached its
    program: our ends of its pipes, or the socket its terminal's master comes on."""

    launch: Launch
    ours: Fds
    console: socket.socket | None
    open_stdin: bool

    def ready(self) -> Fds:
        """Our ends (out, err, in) once it has exec'd. With a terminal (made inside the
        container, ``berth.runtime.terminal``) the master was sent before the exec, so
        it waits on the socket or never comes: it is the one output stream (docker
        sends a tty's output as stdout) and a dup of it takes stdin, so closing stdin
        leaves the output open."""
        if self.console is None:
            return self.ours
        try:
            self.console.setblocking(False)
            master = receive_master(self.console)
        except BlockingIOError:
            raise FailedPrecondition(
                "terminal: no terminal came back from the container") from None
        except OSError as e:
            raise FailedPrecondition(f"terminal: {e.strerror or e}") from e
        finally:
            self.console.close()
        return master, -1, os.dup(master) if self.open_stdin else -1

    def abandon(self) -> None:
        close_all(self.ours)
        if self.console is not None:
            self.console.close()


def launching(start: Callable[[socket.socket | None, Fds], Launch], tty: bool,
              open_stdin: bool) -> Starting:
    """Run ``start(console, stdio)`` (it forks a container's init or an exec: pipes for
    its stdio, or with a terminal a socket for the pty's master)."""
    if not tty:
        ours, theirs = pipes(open_stdin)
        try:
            return Starting(start(None, theirs), ours, None, open_stdin)
        except BaseException:
            close_all(ours)
            raise
        finally:
            close_all(set(theirs))
    console, their_console = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        return Starting(start(their_console, (-1, -1, -1)), (-1, -1, -1), console,
                        open_stdin)
    except BaseException:
        console.close()
        raise
    finally:
        their_console.close()


def start_exec(init_pid: int, spec: dict[str, Any], proc: dict[str, Any],
               open_stdin: bool) -> Starting:
    """Fork an exec (``berth.runtime.exec``); the caller waits for its ``execve``."""
    seccomp_spec = (spec.get("linux") or {}).get("seccomp")
    program = compile_filter(seccomp_spec) if seccomp_spec else None
    return launching(
        lambda console, theirs: exec_start(init_pid, spec, proc, program, theirs, console),
        bool(proc.get("terminal")), open_stdin)


def archive_child(sock: socket.socket, init_pid: int | None, root: str,
                  binds: list[dict[str, Any]], req: dict[str, Any]) -> None:
    """The forked child of an archive request: answer, enter the container's root,
    serve the request over ``sock``, exit. Never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        sock.setblocking(True)
        sock.sendall(encode_json({"ok": True}))
        archive.enter(init_pid, list(req.get("rootfs_mounts") or []), root, binds)
        archive.serve(sock, str(req.get("mode")), str(req.get("path") or "/"),
                      bool(req.get("no_overwrite_dir_non_dir")), str(req.get("owner") or ""))
        code = 0
    except BaseException as e:
        with contextlib.suppress(OSError):
            sock.sendall(json.dumps({"error": "failed", "message": str(e)}).encode() + b"\n")
    finally:
        os._exit(code)
