"""pause, unpause, restart, rename: the transitions docker allows, and the ones it refuses."""

import json
import time
from pathlib import Path


def _create_running(api, name, cmd="while true; do echo tick >> /tmp/n; sleep 0.05; done"):
    status, _, body = api("POST", f"/containers/create?name={name}",
                          {"Image": "busybox", "Cmd": ["sh", "-c", cmd]})
    assert status == 201
    cid = json.loads(body)["Id"]
    assert api("POST", f"/containers/{cid}/start")[0] == 204
    return cid


def _state(api, cid):
    return json.loads(api("GET", f"/containers/{cid}/json")[2])["State"]


def test_pause_freezes_and_unpause_thaws(api, daemon):
    cid = _create_running(api, "pausing")
    try:
        ticks = daemon.data_root / "containers" / cid / "upper" / "tmp" / "n"
        deadline = time.monotonic() + 20
        while not ticks.exists() and time.monotonic() < deadline:  # a first tick, then pause
            time.sleep(0.02)
        assert api("POST", f"/containers/{cid}/pause")[0] == 204
        state = _state(api, cid)
        assert state["Status"] == "paused" and state["Paused"] and state["Running"]
        assert Path(_freezer(state["Pid"])).read_text().strip() == "FROZEN"
        before = ticks.read_text()
        time.sleep(0.3)
        assert ticks.read_text() == before  # frozen: not one more tick
        status, _, body = api("POST", f"/containers/{cid}/pause")
        assert status == 409 and "is already paused" in json.loads(body)["message"]
        assert api("POST", f"/containers/{cid}/unpause")[0] == 204
        assert _state(api, cid)["Status"] == "running"
        status, _, body = api("POST", f"/containers/{cid}/unpause")
        assert status == 409 and "is not paused" in json.loads(body)["message"]
        # A paused container can still be stopped: the signal is delivered once thawed.
        assert api("POST", f"/containers/{cid}/pause")[0] == 204
        assert api("POST", f"/containers/{cid}/stop?t=1")[0] == 204
        assert _state(api, cid)["Status"] == "exited"
        status, _, body = api("POST", f"/containers/{cid}/pause")
        assert status == 409 and "is not running" in json.loads(body)["message"]
    finally:
        api("DELETE", f"/containers/{cid}?force=1")


def _freezer(pid):
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, names, path = line.strip().split(":", 2)
        if "freezer" in names.split(","):
            return f"/sys/fs/cgroup/freezer{path}/freezer.state"
    raise AssertionError("no freezer cgroup")


def test_restart_gives_a_new_process(api):
    cid = _create_running(api, "restarting")
    try:
        first = _state(api, cid)["Pid"]
        started = time.monotonic()
        assert api("POST", f"/containers/{cid}/restart?t=1")[0] == 204
        assert time.monotonic() - started < 5
        state = _state(api, cid)
        assert state["Status"] == "running" and state["Pid"] not in (0, first)
    finally:
        api("DELETE", f"/containers/{cid}?force=1")


def test_rename(api):
    cid = _create_running(api, "oldname", cmd="sleep 60")
    other = _create_running(api, "taken", cmd="sleep 60")
    try:
        assert api("POST", f"/containers/{cid}/rename?name=newname")[0] == 204
        assert json.loads(api("GET", "/containers/newname/json")[2])["Id"] == cid
        assert api("GET", "/containers/oldname/json")[0] == 404
        status, _, body = api("POST", f"/containers/{cid}/rename?name=taken")
        assert status == 409 and "already in use" in json.loads(body)["message"]
        assert api("POST", f"/containers/{cid}/rename?name=bad%20name")[0] == 400
        assert api("POST", f"/containers/{cid}/rename")[0] == 400
        assert json.loads(api("GET", f"/containers/{cid}/json")[2])["Name"] == "/newname"
    finally:
        api("DELETE", f"/containers/{cid}?force=1")
        api("DELETE", f"/containers/{other}?force=1")


def test_top_lists_the_containers_processes(api):
    cid = _create_running(api, "topping", cmd="sleep 100 & sleep 200")
    try:
        status, _, body = api("GET", f"/containers/{cid}/top")
        assert status == 200
        top = json.loads(body)
        assert "PID" in top["Titles"] and "CMD" in top["Titles"]
        commands = sorted(row[-1] for row in top["Processes"])
        assert commands == ["sleep 100", "sleep 200"]
        status, _, body = api("GET", f"/containers/{cid}/top?ps_args=-o%20pid,comm")
        assert json.loads(body)["Titles"] == ["PID", "COMMAND"]
        assert api("POST", f"/containers/{cid}/kill")[0] == 204
        api("POST", f"/containers/{cid}/wait")
        status, _, body = api("GET", f"/containers/{cid}/top")
        assert status == 409 and "is not running" in json.loads(body)["message"]
    finally:
        api("DELETE", f"/containers/{cid}?force=1")
