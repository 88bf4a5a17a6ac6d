"""json-file logs: rotation by max-size/max-file, read back in order; since/until; none."""

import json
import time


def _lines(out: str) -> list[int]:
    return [int(x) for x in out.split()]


def test_rotation_keeps_the_newest_files(berth_cli, daemon):
    code, _, err = berth_cli("run", "--name", "rotating", "--log-opt", "max-size=2k",
                               "--log-opt", "max-file=3", "busybox", "sh", "-c",
                               "i=0; while [ $i -lt 300 ]; do echo $i; i=$((i+1)); done")
    try:
        assert code == 0, err
        cid = json.loads(berth_cli("inspect", "rotating")[1])[0]["Id"]
        logs = sorted(p.name for p in (daemon.data_root / "containers" / cid).glob("*-json.log*"))
        assert logs == [f"{cid}-json.log", f"{cid}-json.log.1", f"{cid}-json.log.2"]
        numbers = _lines(berth_cli("logs", "rotating")[1])
        assert numbers == list(range(numbers[0], 300))  # in order, the oldest dropped
        assert 0 < numbers[0] < 300
        assert _lines(berth_cli("logs", "--tail", "5", "rotating")[1]) == list(range(295, 300))
    finally:
        berth_cli("rm", "-f", "rotating")


def test_rotation_while_following(berth_cli):
    assert berth_cli("run", "-d", "--name", "follow-rot", "--log-opt", "max-size=4k",
                     "--log-opt", "max-file=5", "busybox", "sh", "-c",
                     "sleep 0.5; i=0; while [ $i -lt 200 ]; do echo $i; i=$((i+1)); "
                     "[ $((i % 20)) = 0 ] && sleep 0.1; done")[0] == 0
    try:
        code, out, err = berth_cli("logs", "-f", "follow-rot")
        assert code == 0, err
        assert _lines(out) == list(range(200))
    finally:
        berth_cli("rm", "-f", "follow-rot")


def test_since_and_until(berth_cli):
    assert berth_cli("run", "--name", "timed", "busybox", "sh", "-c",
                     "echo early; sleep 3; echo late")[0] == 0
    try:
        now = time.time()
        assert berth_cli("logs", "--since", str(now - 1.5), "timed")[1] == "late\n"
        assert berth_cli("logs", "--until", str(now - 2.0), "timed")[1] == "early\n"
        assert berth_cli("logs", "--since", "1h", "timed")[1] == "early\nlate\n"
        code, _, err = berth_cli("logs", "--since", "yesterday", "timed")
        assert code == 1 and "failed to parse value as time or duration" in err
    finally:
        berth_cli("rm", "-f", "timed")


def test_log_driver_none_and_bad_options(berth_cli):
    assert berth_cli("run", "--name", "silent", "--log-driver", "none", "busybox",
                     "echo", "unseen")[:2] == (0, "unseen\n")
    try:
        code, _, err = berth_cli("logs", "silent")
        assert code == 1 and "configured logging driver does not support reading" in err
    finally:
        berth_cli("rm", "-f", "silent")
    for flags, message in [
            (["--log-driver", "syslog"], "logger: no log driver named 'syslog' is registered"),
            (["--log-opt", "max-size=big"], "invalid size: 'big'"),
            (["--log-opt", "max-file=0"], "max-file cannot be less than 1"),
            (["--log-opt", "max-file=x"], 'strconv.Atoi: parsing "x": invalid syntax'),
            (["--log-opt", "max-file=-2"], "max-file cannot be less than 1"),
            (["--log-opt", "colour=red"], "unknown log opt 'colour' for json-file log driver")]:
        code, _, err = berth_cli("run", "--rm", *flags, "busybox", "true")
        assert code == 125 and message in err, (flags, err)
