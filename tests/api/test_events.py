"""GET /events: docker's actions for containers, execs and images, past and live,
filtered; read by berth, the docker CLI and the SDK."""

import json
import threading
import time

import docker


def test_container_lifecycle_events(berth_cli, daemon):
    since = time.time()
    assert berth_cli("run", "--name", "ev-one", "--label", "team=blue", "busybox",
                     "sh", "-c", "exit 3")[0] == 3
    assert berth_cli("rename", "ev-one", "ev-two")[0] == 0
    assert berth_cli("rm", "ev-two")[0] == 0
    until = time.time() + 0.5
    code, out, err = berth_cli("events", "--since", str(since), "--until", str(until),
                               "--filter", "type=container")
    assert code == 0, err
    actions = [line.split()[2] for line in out.splitlines()]
    # An attached run attaches before it starts: dockerd reports that too.
    assert actions == ["create", "attach", "start", "die", "rename", "destroy"], out
    die = next(line for line in out.splitlines() if " die " in line)
    assert "exitCode=3" in die and "image=busybox" in die and "team=blue" in die
    assert "oldName=/ev-one" in out and "name=ev-two" in out
    code, out, _ = berth_cli("events", "--since", str(since), "--until", str(until),
                             "--filter", "event=die", "--filter", "label=team=blue")
    assert len(out.splitlines()) == 1
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    try:
        events = list(client.events(since=int(since), until=int(until) + 1, decode=True,
                                    filters={"type": "container", "event": "create"}))
        assert any(e["Actor"]["Attributes"].get("name") == "ev-one" for e in events)
        assert all(e["status"] == "create" and e["Type"] == "container" for e in events)
    finally:
        client.close()


def test_live_events_and_images(berth_cli, daemon, api):
    seen: list[dict] = []

    def follow():
        client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
        try:
            for event in client.events(decode=True, filters={"type": "image"}):
                seen.append(event)
                if event["Action"] == "untag":
                    return
        finally:
            client.close()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    time.sleep(0.5)
    assert berth_cli("tag", "busybox", "events/tagged:1")[0] == 0
    assert berth_cli("rmi", "events/tagged:1")[0] == 0
    reader.join(20)
    assert [e["Action"] for e in seen] == ["tag", "untag"]
    assert seen[0]["Actor"]["Attributes"]["name"] == "events/tagged:1"


def test_exec_events_and_bad_requests(berth_cli, api):
    since = time.time()
    assert berth_cli("run", "-d", "--name", "ev-exec", "busybox", "sleep", "60")[0] == 0
    try:
        assert berth_cli("exec", "ev-exec", "true")[0] == 0
        until = time.time() + 0.3
        status, _, body = api("GET", f"/events?since={since}&until={until}"
                                     '&filters={"container":["ev-exec"]}')
        actions = [json.loads(line)["Action"] for line in body.splitlines()]
        assert actions[:2] == ["create", "start"]
        assert "exec_create: true" in actions and "exec_start: true" in actions
        assert "exec_die" in actions
    finally:
        berth_cli("rm", "-f", "ev-exec")
    status, _, body = api("GET", '/events?until=1&filters={"colour":["red"]}')
    assert status == 400 and b"invalid filter 'colour'" in body
    status, _, body = api("GET", "/events?since=yesterday")
    assert status == 400 and b"failed to parse value as time or duration" in body
