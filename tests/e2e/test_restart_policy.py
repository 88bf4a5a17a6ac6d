"""Restart policies: docker's rules, back-off, stop by hand, and berthd's own restart."""

import json
import signal
import time


def _state(cli, name):
    code, out, err = cli("inspect", name)
    assert code == 0, err
    info = json.loads(out)[0]
    return info["State"], info["RestartCount"]


def _until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_on_failure_with_a_maximum(berth_cli):
    assert berth_cli("run", "-d", "--name", "rp-fail", "--restart", "on-failure:2", "busybox",
                     "sh", "-c", "echo try; exit 3")[0] == 0
    try:
        assert _until(lambda: _state(berth_cli, "rp-fail")[1] == 2
                      and _state(berth_cli, "rp-fail")[0]["Status"] == "exited")
        state, count = _state(berth_cli, "rp-fail")
        assert (state["ExitCode"], count) == (3, 2)
        assert berth_cli("logs", "rp-fail")[1] == "try\n" * 3
    finally:
        berth_cli("rm", "-f", "rp-fail")


def test_on_failure_leaves_a_success_alone(berth_cli):
    assert berth_cli("run", "--name", "rp-ok", "--restart", "on-failure", "busybox", "true")[0] \
        == 0
    try:
        time.sleep(0.5)
        assert _state(berth_cli, "rp-ok")[1] == 0
    finally:
        berth_cli("rm", "-f", "rp-ok")


def test_always_until_stopped_by_hand(berth_cli):
    assert berth_cli("run", "-d", "--name", "rp-always", "--restart", "always", "busybox",
                     "sh", "-c", "sleep 0.2")[0] == 0
    try:
        assert _until(lambda: _state(berth_cli, "rp-always")[1] >= 2)
        assert berth_cli("stop", "-t", "1", "rp-always") == (0, "rp-always\n", "")
        count = _state(berth_cli, "rp-always")[1]
        time.sleep(1)
        state, after = _state(berth_cli, "rp-always")
        assert state["Status"] == "exited" and after == count
        assert berth_cli("start", "rp-always")[0] == 0  # restarts again after a start
        assert _until(lambda: _state(berth_cli, "rp-always")[1] > count)
    finally:
        assert berth_cli("rm", "-f", "rp-always")[0] == 0
    assert "rp-always" not in berth_cli("ps", "-a")[1]


def test_policy_refusals(berth_cli):
    code, _, err = berth_cli("run", "--rm", "--restart", "always", "busybox", "true")
    assert code == 125 and "AutoRemove and restart policy cannot be used together" in err
    code, _, err = berth_cli("run", "--restart", "sometimes", "busybox", "true")
    assert code == 125 and "invalid restart policy 'sometimes'" in err
    code, _, err = berth_cli("run", "--restart", "always:2", "busybox", "true")
    assert code == 125 and "maximum retry count can only be used with 'on-failure'" in err
    code, _, err = berth_cli("run", "--restart", "on-failure:x", "busybox", "true")
    assert code == 125 and "maximum retry count must be an integer" in err
    assert berth_cli("ps", "-aq")[1] == ""


def test_berthd_start_brings_back_always_and_unless_stopped(own_daemon):
    d = own_daemon
    for name, policy in (("keep-always", "always"), ("keep-unless", "unless-stopped"),
                         ("stopped-unless", "unless-stopped"), ("stopped-always", "always"),
                         ("never", "no")):
        assert d.cli("run", "-d", "--name", name, "--restart", policy, "busybox",
                     "sleep", "300").returncode == 0
    for name in ("stopped-unless", "stopped-always", "never"):
        assert d.cli("stop", "-t", "0", name).returncode == 0
    d.process.send_signal(signal.SIGTERM)
    d.process.wait(30)
    d.cli("version")  # starts berthd again; the running ones were never down (live restore)

    def up(name):
        return any(line.endswith(" " + name) or line == name
                   for line in d.cli("ps").stdout.splitlines())

    assert _until(lambda: up("keep-always") and up("keep-unless") and up("stopped-always"))
    assert not up("stopped-unless") and not up("never")
    d.cli("rm", "-f", "keep-always", "keep-unless", "stopped-unless", "stopped-always", "never")
