"""The supervisor: owns running containers and outlives berthd.

Single-threaded, one ``selectors`` loop: forking a container's PID 1 from
here is safe and costs about a millisecond (no interpreter per container).
It reaps its containers (it is a child subreaper), records their exit codes,
writes their json-file logs, holds their stdio and streams it to whoever is
attached. Protocol: docs/interfaces.md.
"""

import contextlib
import fcntl
import json
import os
import selectors
import signal
import socket
import struct
import sys
import termios
from collections.abc import Callable
from pathlib import Path
from typing import Any

from berth.errors import BerthError, Conflict, FailedPrecondition, NotFound
from berth.paths import Paths
from berth.runtime.cgroups import Cgroup
from berth.runtime.linux import sys as lx
from berth.runtime.spawn import Launch
from berth.runtime.spawn import start as spawn_start
from berth.supervisor.launches import DEFAULT_TIMEOUT, Launches, Pending
from berth.supervisor.logs import JsonFileLog
from berth.supervisor.processes import (
    Conn,
    Container,
    Starting,
    archive_child,
    launching,
    start_exec,
)
from berth.supervisor.protocol import (
    JSON,
    STDERR,
    STDIN,
    STDOUT,
    FrameError,
    decode_json,
    encode,
    encode_json,
    error_reply,
)
from berth.util import lockfile
from berth.util.sockets import answers
from berth.util.timefmt import now_rfc3339

OUTPUT_HIGH = 1 << 20  # bytes queued for one client before the output is paused
OUTPUT_LOW = 64 * 1024  # ... and resumed


class Supervisor:
    def __init__(self, exec_root: Path) -> None:
        self.exec_root = exec_root
        self.sel = selectors.DefaultSelector()
        self.containers: dict[str, Container] = {}
        self.execs: dict[str, Container] = {}
        self.by_pid: dict[int, Container] = {}
        self.by_fd: dict[int, Container] = {}
        self.stopping = False
        self.launches = Launches(self.sel, float(os.environ.get("BERTH_LAUNCH_TIMEOUT")
                                                 or DEFAULT_TIMEOUT))
        self.starting: set[str] = set()  # ids whose start is pending
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    # -- set-up -----------------------------------------------------------

    def listen(self) -> None:
        path = self.exec_root / "supervisor.sock"
        tmp = self.exec_root / f"supervisor.sock.{os.getpid()}"
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(tmp))
        os.chmod(tmp, 0o600)
        self.listener.listen(128)
        self.listener.setblocking(False)
        os.replace(tmp, path)
        (self.exec_root / "supervisor.pid").write_text(str(os.getpid()))
        self.sel.register(self.listener, selectors.EVENT_READ, self._accept)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        # SIGTERM and SIGINT ask for what "shutdown" does: exit once none runs.
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        self.sel.register(self.wake_r, selectors.EVENT_READ, self._on_signal)

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def run(self) -> None:
        while not (self.stopping and not self._running()):
            for key, mask in self.sel.select(timeout=1.0):
                key.data(key, mask)
            self._reap()
            self.launches.expire()
        self._cleanup()

    def _cleanup(self) -> None:
        for path in (self.exec_root / "supervisor.sock", self.exec_root / "supervisor.pid"):
            try:
                if path.name != "supervisor.pid" or path.read_text() == str(os.getpid()):
                    path.unlink()
            except FileNotFoundError:
                pass

    def _running(self) -> bool:
        return bool(self.launches) or any(c.status == "running"
                                          for c in self.containers.values())

    # -- connections ------------------------------------------------------

    def _accept(self, key: selectors.SelectorKey, mask: int) -> None:
        try:
            sock, _ = self.listener.accept()
        except BlockingIOError:
            return
        sock.setblocking(False)
        conn = Conn(sock)
        conn.callback = lambda k, m: self._conn_event(conn, m)
        self.sel.register(sock, selectors.EVENT_READ, conn.callback)
        conn.events = selectors.EVENT_READ

    def _conn_event(self, conn: Conn, mask: int) -> None:
        if mask & selectors.EVENT_WRITE:
            self._flush(conn)
        if mask & selectors.EVENT_READ:
            try:
                data = conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._close(conn)
                return
            try:
                frames = conn.frames.feed(data)
            except FrameError:
                self._close(conn)
                return
            for kind, payload in frames:
                self._on_frame(conn, kind, payload)

    def _on_frame(self, conn: Conn, kind: int, payload: bytes) -> None:
        if kind == JSON and not conn.handled_request:
            conn.handled_request = True
            try:
                self._handle(conn, decode_json(payload))
            except BerthError as e:
                self._reply_error(conn, e)
            except Exception as e:
                # The loop must survive any request; the daemon gets the reason.
                self._reply_error(conn, FailedPrecondition(f"{type(e).__name__}: {e}"))
        elif kind == STDIN and conn.container is not None:
            self._stdin(conn.container, payload)
            if conn.sock.fileno() >= 0:
                self._watch(conn)

    def _send(self, conn: Conn, data: bytes) -> None:
        if conn.sock.fileno() < 0:
            return
        conn.out += data
        self._flush(conn)

    def _flush(self, conn: Conn) -> None:
        if conn.sock.fileno() < 0:
            return
        while conn.out:
            try:
                sent = conn.sock.send(conn.out)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._close(conn)
                return
            del conn.out[:sent]
        if conn.container is not None and conn.container.paused:
            self._resume(conn.container)
        if not conn.out and conn.close_when_flushed:
            self._close(conn)
            return
        self._watch(conn)

    def _watch(self, conn: Conn) -> None:
        """Select the connection for writing while output waits, and for reading
        unless the container's stdin queue is full (then the client's sends block)."""
        c = conn.container
        reading = c is None or len(c.stdin_out) <= OUTPUT_HIGH
        events = (selectors.EVENT_READ if reading else 0) | (
            selectors.EVENT_WRITE if conn.out else 0)
        if events != conn.events:
            if conn.events and events:
                self.sel.modify(conn.sock, events, conn.callback)
            elif events:
                self.sel.register(conn.sock, events, conn.callback)
            else:
                self.sel.unregister(conn.sock)
            conn.events = events

    def _close(self, conn: Conn) -> None:
        if conn.sock.fileno() < 0:
            return
        if conn.events:
            self.sel.unregister(conn.sock)
            conn.events = 0
        conn.sock.close()
        c = conn.container
        if c is not None and conn in c.attached:
            c.attached.remove(conn)
            self._resume(c)

    def _reply(self, conn: Conn, **fields: Any) -> None:
        self._send(conn, encode_json({"ok": True, **fields}))

    def _reply_error(self, conn: Conn, error: BerthError) -> None:
        self._send(conn, encode_json(error_reply(error)))
        self._finish(conn)

    def _finish(self, conn: Conn) -> None:
        """Close the connection once everything queued on it is sent."""
        conn.close_when_flushed = True
        self._flush(conn)

    # -- requests ---------------------------------------------------------

    def _handle(self, conn: Conn, req: dict[str, Any]) -> None:
        op = req.get("op")
        if op == "start":
            self._start(conn, req)
        elif op == "attach":
            c = self._get(req)
            self._reply(conn)
            self._attach(conn, c)
        elif op == "kill":
            c = self._get(req, self.execs if req.get("exec") else None)
            if c.status == "running":
                with contextlib.suppress(ProcessLookupError):
                    os.kill(c.pid, int(req.get("signal", signal.SIGKILL)))
            self._reply(conn)
            self._finish(conn)
        elif op == "state":
            self._reply(conn, containers={cid: c.state() for cid, c in self.containers.items()})
            self._finish(conn)
        elif op == "exec":
            self._exec(conn, req)
        elif op == "archive":
            self._archive(conn, req)
        elif op == "resize":
            self._resize(self._get(req, self.execs if req.get("exec") else None), req)
            self._reply(conn)
            self._finish(conn)
        elif op == "forget":
            rid = str(req.get("id", ""))
            table = self.execs if rid in self.execs else self.containers
            gone = table.get(rid)
            if gone is not None:
                if gone.status == "running":
                    raise Conflict(f"container {gone.id} is running")
                del table[gone.id]
            self._reply(conn)
            self._finish(conn)
        elif op == "shutdown":
            self.stopping = True
            self._reply(conn)
            self._finish(conn)
        else:
            raise FailedPrecondition(f"unknown op {op!r}")

    def _get(self, req: dict[str, Any], table: dict[str, Container] | None = None) -> Container:
        c = (self.containers if table is None else table).get(str(req.get("id", "")))
        if c is None:
            raise NotFound(f"no such container: {req.get('id')}")
        return c

    def _resize(self, c: Container, req: dict[str, Any]) -> None:
        if c.pty is None:
            raise Conflict(f"{c.id} has no terminal to resize")
        size = struct.pack("HHHH", int(req.get("height", 0)), int(req.get("width", 0)), 0, 0)
        fcntl.ioctl(c.pty, termios.TIOCSWINSZ, size)

    def _exec(self, conn: Conn, req: dict[str, Any]) -> None:
        """Start a process in a running container; its stream like ``start``'s. The
        reply waits, on the loop, for the process to reach its program."""
        owner = self._get({"id": req.get("container")})
        if owner.status != "running":
            raise Conflict(f"container {owner.id} is not running")
        with open(Path(req["bundle"]) / "config.json") as f:
            spec = json.load(f)
        proc = dict(req["process"])
        tty = bool(proc.get("terminal"))
        starting = start_exec(owner.pid, spec, proc, bool(req.get("open_stdin")))

        def started(p: Pending) -> None:
            pid, ours = self._ready(p, starting)
            c = self._track(str(req["id"]), pid, None, ours, tty, None, p.status)
            self.execs[c.id] = c
            self._started(conn, c, bool(req.get("stream")))

        self.launches.watch(starting.launch, self._answering(conn, started))

    def _ready(self, p: Pending, starting: Starting) -> tuple[int, tuple[int, int, int]]:
        """The pid and our ends of a process that reached its program; else raise why
        not, once the process is gone (one left with no terminal to hold is killed)."""
        try:
            pid = p.result()
        except BaseException:
            starting.abandon()
            p.settle()
            raise
        try:
            return pid, starting.ready()
        except BaseException:
            starting.abandon()
            if p.status is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            p.settle()
            raise

    def _answering(self, conn: Conn, done: Callable[[Pending], None]
                   ) -> Callable[[Pending], None]:
        """``done``, its error (any: the loop must survive it) the request's answer."""
        def answer(p: Pending) -> None:
            try:
                done(p)
            except BerthError as e:
                self._reply_error(conn, e)
            except Exception as e:
                self._reply_error(conn, FailedPrecondition(f"{type(e).__name__}: {e}"))
        return answer

    def _archive(self, conn: Conn, req: dict[str, Any]) -> None:
        """Hand the connection to a child that works in the container's root
        (``berth.runtime.archive``): it answers and streams, then exits."""
        c = self.containers.get(str(req.get("id", "")))
        running = c is not None and c.status == "running"
        with open(Path(req["bundle"]) / "config.json") as f:
            spec = json.load(f)
        binds = [m for m in spec.get("mounts", []) if m.get("type") == "bind"
                 or "bind" in m.get("options", []) or "rbind" in m.get("options", [])]
        root = spec["root"]["path"]
        if conn.events:
            self.sel.unregister(conn.sock)
            conn.events = 0
        if os.fork() == 0:
            archive_child(conn.sock, c.pid if running and c else None, root, binds, req)
        conn.sock.close()  # the child has it

    def _track(self, cid: str, pid: int, log: JsonFileLog | None, ours: tuple[int, int, int],
               tty: bool, cgroup: Cgroup | None, status: int | None = None) -> Container:
        """Watch a started process: its output pipes, and its pid for the reaper (or
        its wait ``status``, when the reaper has had it already)."""
        out_fd, err_fd, in_fd = ours
        pipes = {out_fd: STDOUT} if tty else {out_fd: STDOUT, err_fd: STDERR}
        for fd in {*pipes, in_fd} - {-1}:
            os.set_blocking(fd, False)
        c = Container(id=cid, pid=pid, log=log, pipes=pipes,
                      stdin=in_fd if in_fd >= 0 else None, started_at=now_rfc3339(),
                      cgroup=cgroup, pty=out_fd if tty else None)
        for fd in c.pipes:
            self.by_fd[fd] = c
            self.sel.register(fd, selectors.EVENT_READ, self._on_output)
        if status is None:
            self.by_pid[pid] = c
        else:
            self._exited(c, status)
        return c

    def _start(self, conn: Conn, req: dict[str, Any]) -> None:
        """Start a container; the reply waits, on the loop, for its program's exec."""
        cid = str(req["id"])
        old = self.containers.get(cid)
        if cid in self.starting or (old is not None and old.status == "running"):
            raise Conflict(f"container {cid} is already running")
        with open(Path(req["bundle"]) / "config.json") as f:
            spec = json.load(f)
        tty = bool(req.get("tty"))
        # The request decides: the init makes the pty its controlling terminal.
        spec.setdefault("process", {})["terminal"] = tty
        # The log is opened first: once the program runs, nothing may fail.
        attrs = req.get("log_attrs")
        attrs = attrs if isinstance(attrs, dict) else {}
        log = JsonFileLog(Path(req["log_path"]), int(req.get("log_max_size") or 0),
                          int(req.get("log_max_file") or 1),
                          {str(k): str(v) for k, v in attrs.items()}) \
            if req.get("log_path") else None
        mounts = list(req.get("rootfs_mounts", []))
        cgroups: list[Cgroup | None] = []

        def fork(console: socket.socket | None, theirs: tuple[int, int, int]) -> Launch:
            started, cgroup = spawn_start(spec, mounts, *theirs, console=console)
            cgroups.append(cgroup)
            return started

        try:
            starting = launching(fork, tty, bool(req.get("open_stdin")))
        except BaseException:
            if log is not None:
                log.close()
            raise
        cgroup = cgroups[0]
        self.starting.add(cid)

        def started(p: Pending) -> None:
            self.starting.discard(cid)
            try:
                pid, ours = self._ready(p, starting)
            except BaseException:
                if log is not None:
                    log.close()
                if cgroup is not None:
                    cgroup.remove()
                raise
            if old is not None:
                self.containers.pop(cid, None)
            c = self._track(cid, pid, log, ours, tty, cgroup, p.status)
            self.containers[cid] = c
            self._started(conn, c, bool(req.get("stream")))

        self.launches.watch(starting.launch, self._answering(conn, started))

    def _started(self, conn: Conn, c: Container, stream: bool) -> None:
        """Answer a start or exec: its pid, then its stream or the end."""
        self._reply(conn, pid=c.pid, started_at=c.started_at)
        if stream:
            self._attach(conn, c)
        else:
            self._finish(conn)

    def _attach(self, conn: Conn, c: Container) -> None:
        conn.container = c
        if c.status == "exited":
            self._send(conn, encode_json(self._exit_event(c)))
            self._finish(conn)
        else:
            c.attached.append(conn)

    # -- container output and exit -----------------------------------------

    def _on_output(self, key: selectors.SelectorKey, mask: int) -> None:
        fd = key.fd
        c = self.by_fd[fd]
        try:
            data = os.read(fd, 65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        stream = c.pipes[fd]
        if not data:
            self.sel.unregister(fd)
            os.close(fd)
            del c.pipes[fd]
            del self.by_fd[fd]
            if c.log is not None:
                c.log.finish(stream)
            self._maybe_finish(c)
            return
        if c.log is not None:
            c.log.write(stream, data)
        frame = encode(stream, data)
        for conn in list(c.attached):
            self._send(conn, frame)
        if any(len(conn.out) > OUTPUT_HIGH for conn in c.attached):
            self._pause(c)

    def _pause(self, c: Container) -> None:
        """Stop reading the container's output: its pipes fill and its writes block.

        Keeps the supervisor's memory bounded when an attached client reads
        slower than the container writes (a terminal behaves the same).
        """
        if not c.paused:
            for fd in c.pipes:
                self.sel.unregister(fd)
            c.paused = True

    def _resume(self, c: Container) -> None:
        if c.paused and all(len(conn.out) <= OUTPUT_LOW for conn in c.attached):
            for fd in c.pipes:
                self.sel.register(fd, selectors.EVENT_READ, self._on_output)
            c.paused = False

    def _stdin(self, c: Container, data: bytes) -> None:
        """Queue bytes for the container's stdin; empty closes it once the queue drains."""
        if c.stdin is None:
            return
        if data:
            c.stdin_out += data
        else:
            c.stdin_eof = True
        self._flush_stdin(c)

    def _flush_stdin(self, c: Container) -> None:
        fd = c.stdin
        if fd is None:
            return
        while c.stdin_out:
            try:
                n = os.write(fd, c.stdin_out)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:  # the program closed its stdin: drop what is left
                c.stdin_out.clear()
                c.stdin_eof = True
                break
            del c.stdin_out[:n]
        waiting = bool(c.stdin_out)
        if len(c.stdin_out) <= OUTPUT_LOW:
            for conn in c.attached:
                self._watch(conn)
        if waiting != c.stdin_waiting:
            if waiting:
                self.sel.register(fd, selectors.EVENT_WRITE, lambda k, m: self._flush_stdin(c))
            else:
                self.sel.unregister(fd)
            c.stdin_waiting = waiting
        if not waiting and c.stdin_eof:
            self._close_stdin(c)

    def _close_stdin(self, c: Container) -> None:
        if c.stdin is None:
            return
        if c.stdin_waiting:
            self.sel.unregister(c.stdin)
            c.stdin_waiting = False
        os.close(c.stdin)
        c.stdin = None
        c.stdin_out.clear()

    def _on_signal(self, key: selectors.SelectorKey, mask: int) -> None:
        try:
            while os.read(self.wake_r, 512):
                pass
        except BlockingIOError:
            pass

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            c = self.by_pid.pop(pid, None)
            if c is None:
                self.launches.reaped(pid, status)
                continue
            self._exited(c, status)

    def _exited(self, c: Container, status: int) -> None:
        code = os.waitstatus_to_exitcode(status)
        c.exit_code = 128 - code if code < 0 else code
        c.reaped = True
        self._maybe_finish(c)

    def _maybe_finish(self, c: Container) -> None:
        """Exited: reaped, and every byte of its output read."""
        if not c.reaped or c.pipes or c.status == "exited":
            return
        c.status = "exited"
        c.finished_at = now_rfc3339()
        if c.log is not None:
            c.log.close()
        if c.cgroup is not None:
            c.oom_killed = c.cgroup.oom_killed()
            try:
                c.cgroup.remove()
            except (OSError, BerthError) as e:
                print(f"berth-supervisor: {c.id}: {e}", file=sys.stderr)
        self._close_stdin(c)
        event = encode_json(self._exit_event(c))
        for conn in list(c.attached):
            self._send(conn, event)
            conn.close_when_flushed = True
            self._flush(conn)
        c.attached.clear()

    def _exit_event(self, c: Container) -> dict[str, Any]:
        return {"event": "exit", "exit_code": c.exit_code, "finished_at": c.finished_at,
                "oom_killed": c.oom_killed}


def serve(exec_root: Path) -> int:
    exec_root.mkdir(mode=0o710, parents=True, exist_ok=True)  # as berthd makes it
    # Held for life, before listening: two started at once (by a berthd, and the next
    # one after it was killed) would each take the socket, and one would live on unseen.
    try:
        lock = lockfile.acquire(Paths(exec_root=exec_root).supervisor_lock)
    except lockfile.LockHeld as e:
        print(f"berth-supervisor: one already runs on {exec_root} (pid {e.pid})",
              file=sys.stderr)
        return 1
    if answers(exec_root / "supervisor.sock"):  # one of a berth before the lock
        print(f"berth-supervisor: one already runs on {exec_root}/supervisor.sock",
              file=sys.stderr)
        return 1
    if os.getpid() != os.getsid(0):
        os.setsid()
    lx.prctl(lx.PR_SET_CHILD_SUBREAPER, 1)
    lx.last_cap()  # read once here, so no init reads the container's /proc for it
    sup = Supervisor(exec_root)
    sup.listen()
    sup.run()
    lock.close()
    return 0
