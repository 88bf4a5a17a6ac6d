"""Running a container through the supervisor: output, exit codes, errors, logs, stdin."""

import json
import threading
import time
from pathlib import Path

import pytest
from rt_support import Supervisor, collect

from berth.errors import CommandNotFound, CommandNotInvokable, Conflict, NotFound


def test_output_and_exit_zero(supervisor: Supervisor) -> None:
    r = supervisor.run(["echo", "hello"])
    assert (r.exit_code, r.stdout, r.stderr) == (0, b"hello\n", b"")


def test_exit_code_and_stderr(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (r.exit_code, r.stdout, r.stderr) == (3, b"out\n", b"err\n")


def test_command_not_found_is_127(supervisor: Supervisor) -> None:
    with pytest.raises(CommandNotFound) as info:
        supervisor.start(["nosuchcommand"])
    assert info.value.message == 'exec: "nosuchcommand": executable file not found in $PATH'
    with pytest.raises(CommandNotFound):
        supervisor.start(["/bin/nosuchcommand"])
    # The failed start leaves no record behind.
    assert supervisor.client.state() == {}


def test_not_executable_is_126(supervisor: Supervisor) -> None:
    with pytest.raises(CommandNotInvokable) as info:
        supervisor.start(["/etc/passwd"])
    assert "permission denied" in info.value.message
    with pytest.raises(CommandNotInvokable):
        supervisor.start(["/tmp"])


def test_exec_and_path_lookup_use_the_container_env(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", 'echo "$PATH|$FOO|$HOSTNAME"; pwd'], env=["FOO=bar"],
                       cwd="/var/new/dir", hostname="web")
    assert r.stdout == (b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                        b"|bar|web\n/var/new/dir\n")


def test_signals_are_default_and_fds_closed(supervisor: Supervisor) -> None:
    # CPython ignores SIGPIPE; the program must not inherit that (SigIgn all zero).
    r = supervisor.run(["sh", "-c", "grep -E '^Sig(Ign|Blk)' /proc/self/status; ls /proc/self/fd"])
    lines = r.stdout.decode().split("\n")
    assert lines[0] == "SigBlk:\t0000000000000000"
    assert lines[1] == "SigIgn:\t0000000000000000"
    # ls itself opens one fd for the directory it lists.
    assert sorted(filter(None, lines[2:])) == ["0", "1", "2", "3"]


def test_json_file_log(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "echo one; echo two >&2; printf partial"])
    entries = [json.loads(line) for line in supervisor.log_path(r.id).read_text().splitlines()]
    assert {(e["stream"], e["log"]) for e in entries} == {
        ("stdout", "one\n"), ("stderr", "two\n"), ("stdout", "partial")}
    for e in entries:
        assert set(e) == {"log", "stream", "time"}
        assert e["time"].endswith("Z") and len(e["time"]) == len("2026-11-22T22:44:50.123456789Z")


def test_stdin(supervisor: Supervisor) -> None:
    r = supervisor.run(["cat"], stdin=b"to the container\n")
    assert (r.exit_code, r.stdout) == (0, b"to the container\n")


def test_stdin_closed_without_open_stdin(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "cat; readlink /proc/self/fd/0"])
    assert (r.exit_code, r.stdout) == (0, b"/dev/null\n")


def test_tty(supervisor: Supervisor) -> None:
    _, _, conn = supervisor.start(["sh", "-c", "test -t 0 && test -t 1 && echo tty"],
                                    tty=True)
    out, err, exit_event = collect(conn)
    assert (exit_event["exit_code"], out, err) == (0, b"tty\r\n", b"")


def test_state_attach_forget(supervisor: Supervisor) -> None:
    cid, reply, conn = supervisor.start(["sh", "-c", "read line; echo got $line"],
                                        open_stdin=True, stream=False)
    conn.close()
    state = supervisor.client.state()[cid]
    assert state["status"] == "running" and state["pid"] == reply["pid"]
    assert state["exit_code"] is None and state["started_at"] == reply["started_at"]
    with pytest.raises(Conflict):
        supervisor.client.forget(cid)
    with pytest.raises(Conflict):
        supervisor.client.start(supervisor.prepare(["true"], cid=cid)[1])
    attached = supervisor.client.attach(cid)
    attached.write_stdin(b"hi\n")
    out, _, exit_event = collect(attached)
    assert (out, exit_event["exit_code"]) == (b"got hi\n", 0)
    state = supervisor.client.state()[cid]
    assert state["status"] == "exited" and state["exit_code"] == 0 and state["finished_at"]
    # Attaching to an exited container gives the exit event at once.
    assert collect(supervisor.client.attach(cid))[2]["exit_code"] == 0
    supervisor.remove(cid)
    assert cid not in supervisor.client.state()
    with pytest.raises(NotFound):
        supervisor.client.attach(cid)


def test_restart_with_same_id(supervisor: Supervisor) -> None:
    first = supervisor.run(["sh", "-c", "echo 1 >> /count; cat /count"])
    second = supervisor.run(["sh", "-c", "echo 1 >> /count; cat /count"], cid=first.id)
    assert (first.stdout, second.stdout) == (b"1\n", b"1\n1\n")


def test_output_is_complete_before_the_exit_event(supervisor: Supervisor) -> None:
    # A large burst right before exit: the exit event still comes after all of it.
    r = supervisor.run(["sh", "-c", "head -c 1000000 /dev/zero; exit 5"])
    assert (r.exit_code, len(r.stdout)) == (5, 1000000)


def test_many_containers_at_once(supervisor: Supervisor) -> None:
    started = [supervisor.start(["sh", "-c", f"sleep 0.2; echo {i}"]) for i in range(8)]
    for i, (_, _, conn) in enumerate(started):
        out, _, exit_event = collect(conn)
        assert (out, exit_event["exit_code"]) == (f"{i}\n".encode(), 0)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_slow_client_pauses_output_instead_of_buffering(supervisor: Supervisor) -> None:
    before = _rss_kib(supervisor.process.pid)
    cid, _, conn = supervisor.start(["sh", "-c", "head -c 50000000 /dev/zero; echo end >&2"])
    time.sleep(0.5)  # the client reads nothing meanwhile
    assert supervisor.client.state()[cid]["status"] == "running"
    assert _rss_kib(supervisor.process.pid) - before < 16 * 1024
    out, err, exit_event = collect(conn)
    assert (len(out), err, exit_event["exit_code"]) == (50000000, b"end\n", 0)


def test_large_stdin_is_not_buffered_without_bound(supervisor: Supervisor) -> None:
    before = _rss_kib(supervisor.process.pid)
    _, _, conn = supervisor.start(["sh", "-c", "sleep 0.5; wc -c"], open_stdin=True)

    def feed() -> None:
        conn.write_stdin(b"x" * 30_000_000)
        conn.write_stdin(b"")

    sender = threading.Thread(target=feed)
    sender.start()
    time.sleep(0.3)  # the program reads nothing yet: the sender must be held back
    assert _rss_kib(supervisor.process.pid) - before < 16 * 1024
    out, _, exit_event = collect(conn)
    sender.join()
    assert (exit_event["exit_code"], out.strip()) == (0, b"30000000")
