"""berth stats and GET /containers/{id}/stats, read by berth, the docker CLI and the SDK."""

import json
import subprocess

import docker


def test_stats_of_a_busy_and_an_idle_container(berth_cli, daemon):
    assert berth_cli("run", "-d", "--name", "busy", "-m", "64m", "--pids-limit", "20",
                     "busybox", "sh", "-c", "while :; do :; done")[0] == 0
    assert berth_cli("run", "-d", "--name", "calm", "busybox", "sleep", "300")[0] == 0
    try:
        code, out, err = berth_cli("stats", "--no-stream", "busy", "calm")
        assert code == 0, err
        header, *rows = out.splitlines()
        assert header.split("   ")[0] == "CONTAINER ID" and "MEM USAGE / LIMIT" in header
        cells = {r.split()[1]: r.split() for r in rows}
        busy, calm = (float(cells[n][2].rstrip("%")) for n in ("busy", "calm"))
        # no fixed share for the spinner: on a loaded host (a CI run beside other work)
        # it gets what the scheduler leaves; only its lead over the sleeper is certain
        assert busy > 1 and calm < 1 and busy > calm, (busy, calm)
        assert cells["busy"][5] == "64MiB" and cells["busy"][-1] == "1"
        env = {"DOCKER_HOST": f"unix://{daemon.socket}", "PATH": "/usr/bin:/bin",
               "HOME": str(daemon.root)}
        r = subprocess.run(["/usr/local/bin/docker", "stats", "--no-stream", "--format",
                            "{{.Name}} {{.PIDs}} {{.MemUsage}}", "busy"], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        name, pids, _, _, limit = r.stdout.split()
        assert (name, pids, limit) == ("busy", "1", "64MiB")
        client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
        try:
            sample = client.containers.get("busy").stats(stream=False)
            assert sample["name"] == "/busy" and sample["memory_stats"]["limit"] == 64 << 20
            assert sample["pids_stats"] == {"current": 1, "limit": 20}
            assert sample["precpu_stats"]["cpu_usage"]["total_usage"] > 0
            assert sample["cpu_stats"]["cpu_usage"]["total_usage"] > \
                sample["precpu_stats"]["cpu_usage"]["total_usage"]
        finally:
            client.close()
    finally:
        berth_cli("rm", "-f", "busy", "calm")


def test_stats_api_edges(api, berth_cli):
    assert berth_cli("create", "--name", "never-ran", "busybox", "true")[0] == 0
    try:
        status, _, body = api("GET", "/containers/never-ran/stats?stream=0")
        sample = json.loads(body)
        assert status == 200 and sample["read"] == "0001-01-01T00:00:00Z"
        assert sample["name"] == "/never-ran" and sample["memory_stats"] == {}
        status, _, body = api("GET", "/containers/never-ran/stats?stream=1&one-shot=1")
        assert status == 400
        status, _, body = api("GET", "/containers/nosuch/stats?stream=0")
        assert status == 404 and b"No such container: nosuch" in body
    finally:
        berth_cli("rm", "-f", "never-ran")
    code, out, err = berth_cli("stats", "--no-stream", "nosuch")
    assert (code, out, err) == (1, "", "Error response from daemon: No such container: nosuch\n")
