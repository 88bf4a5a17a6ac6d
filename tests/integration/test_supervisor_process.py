"""The supervisor process itself: socket, pid file, session, subreaper, shutdown, asyncio client."""

import asyncio
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from rt_support import Supervisor, collect

from berth.supervisor.aioclient import SupervisorClient


def test_socket_pid_file_and_session(supervisor: Supervisor) -> None:
    sock = supervisor.exec_root / "supervisor.sock"
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    pid = int((supervisor.exec_root / "supervisor.pid").read_text())
    assert pid == supervisor.process.pid
    assert os.getsid(pid) == pid
    status = Path(f"/proc/{pid}/status").read_text()
    assert "\nThreads:\t1\n" in status


def test_a_second_supervisor_refuses(supervisor: Supervisor) -> None:
    r = subprocess.run([sys.executable, "-m", "berth.supervisor", "--exec-root",
                        str(supervisor.exec_root)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "already runs" in r.stderr
    assert supervisor.client.state() == {}


def test_container_pid_1_is_the_supervisors_child(supervisor: Supervisor) -> None:
    cid, reply, conn = supervisor.start(["sleep", "60"])
    stat_fields = Path(f"/proc/{reply['pid']}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(stat_fields[1]) == supervisor.process.pid  # ppid
    supervisor.client.kill(cid, signal.SIGKILL)
    collect(conn)


def test_shutdown_waits_for_running_containers(supervisor: Supervisor) -> None:
    _, _, conn = supervisor.start(["sh", "-c", "sleep 0.5; echo late"])
    supervisor.client.shutdown()
    time.sleep(0.1)
    assert supervisor.process.poll() is None
    out, _, exit_event = collect(conn)
    assert (out, exit_event["exit_code"]) == (b"late\n", 0)
    supervisor.process.wait(10)
    assert not (supervisor.exec_root / "supervisor.sock").exists()


def test_the_daemon_side_survives_a_client_going_away(supervisor: Supervisor) -> None:
    cid, _, conn = supervisor.start(["sh", "-c", "echo before; sleep 0.3; echo after"])
    conn.close()  # like berthd dying mid-stream
    time.sleep(0.5)
    state = supervisor.client.state()[cid]
    assert state["status"] == "exited" and state["exit_code"] == 0
    log = supervisor.log_path(cid).read_text()
    assert '"before\\n"' in log and '"after\\n"' in log


def test_asyncio_client(supervisor: Supervisor) -> None:
    client = SupervisorClient(supervisor.exec_root / "supervisor.sock")

    async def scenario() -> None:
        cid, request = supervisor.prepare(["sh", "-c", "read x; echo got $x; echo e >&2; exit 4"])
        request["open_stdin"] = True
        reply, session = await client.start(request)
        assert reply["ok"] and reply["pid"] > 0
        await session.write_stdin(b"42\n")
        events = [event async for event in session]
        exit_event = events[-1]
        assert isinstance(exit_event, dict) and exit_event["exit_code"] == 4
        assert (1, b"got 42\n") in events and (2, b"e\n") in events
        state = await client.state()
        assert state["containers"][cid]["exit_code"] == 4
        attached = await client.attach(cid)
        assert [e async for e in attached.events()][-1]["exit_code"] == 4  # type: ignore[index]
        await client.forget(cid)
        assert cid not in (await client.state())["containers"]

        cid2, request2 = supervisor.prepare(["sleep", "60"])
        _, session2 = await client.start(request2)
        await client.kill(cid2, signal.SIGKILL)
        assert [e async for e in session2][-1] == {  # type: ignore[index]
            **[e async for e in (await client.attach(cid2))][-1],  # type: ignore[dict-item]
        }

    asyncio.run(scenario())
