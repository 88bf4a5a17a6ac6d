"""GET /containers/json filters and sizes, read through the docker CLI and the API."""

import json
import subprocess


def test_filters_and_sizes(daemon, berth_cli, api):
    env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
           "HOME": str(daemon.root)}

    def names(*flags):
        r = subprocess.run(["/usr/local/bin/docker", "ps", "-a", "--format", "{{.Names}}",
                            *flags], env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return sorted(r.stdout.split())

    assert berth_cli("run", "--name", "flt-ok", "--label", "tier=web", "busybox", "true")[0] == 0
    assert berth_cli("run", "--name", "flt-bad", "busybox", "sh", "-c", "exit 4")[0] == 4
    assert berth_cli("run", "-d", "--name", "flt-up", "--label", "tier=db", "busybox",
                     "sh", "-c", "head -c 3000 /dev/zero > /blob; sleep 120")[0] == 0
    try:
        assert names("--filter", "name=flt-") == ["flt-bad", "flt-ok", "flt-up"]
        assert names("--filter", "status=exited", "--filter", "name=flt-") == [
            "flt-bad", "flt-ok"]
        assert names("--filter", "exited=4") == ["flt-bad"]
        assert names("--filter", "label=tier") == ["flt-ok", "flt-up"]
        assert names("--filter", "label=tier=db") == ["flt-up"]
        assert names("--filter", "ancestor=busybox", "--filter", "name=^/flt-u") == ["flt-up"]
        assert names("--filter", "since=flt-ok", "--filter", "name=flt-") == [
            "flt-bad", "flt-up"]
        assert names("--filter", "before=flt-bad", "--filter", "name=flt-") == ["flt-ok"]
        status, _, body = api("GET", '/containers/json?size=1&filters={"name":["flt-up"]}')
        [up] = json.loads(body)
        assert up["SizeRw"] >= 3000 and up["SizeRootFs"] > up["SizeRw"]
        status, _, body = api("GET", '/containers/json?filters={"colour":["red"]}')
        assert status == 400 and b"invalid filter 'colour'" in body
        status, _, body = api("GET", '/containers/json?filters={"status":["sleeping"]}')
        assert status == 400 and b"invalid filter 'status=sleeping'" in body
    finally:
        berth_cli("rm", "-f", "flt-ok", "flt-bad", "flt-up")
