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


def test_berth_ps_filter_and_size(berth_cli):
    assert berth_cli("run", "--name", "psf-a", "busybox", "sh", "-c", "exit 2")[0] == 2
    assert berth_cli("run", "-d", "--name", "psf-b", "busybox", "sh", "-c",
                     "head -c 5000 /dev/zero > /f; sleep 60")[0] == 0
    try:
        code, out, _ = berth_cli("ps", "-a", "--filter", "name=psf-", "--filter", "exited=2",
                                 "--format", "{{.Names}}")
        assert (code, out) == (0, "psf-a\n")
        code, out, _ = berth_cli("ps", "-q", "-f", "name=psf-b", "--no-trunc")
        assert code == 0 and len(out.strip()) == 64
        code, out, _ = berth_cli("ps", "-s", "--filter", "name=psf-b")
        header, row = out.splitlines()
        assert header.endswith("SIZE") and "5kB (virtual" in row
        code, _, err = berth_cli("ps", "--filter", "nonsense")
        assert code == 125 and "bad format of filter (expected name=value)" in err
        code, _, err = berth_cli("ps", "--filter", "colour=red")
        assert code == 1 and "invalid filter 'colour'" in err
    finally:
        berth_cli("rm", "-f", "psf-a", "psf-b")
