from berth.daemon.container import Container, State
from berth.util.units import human_duration


def test_record_round_trip():
    c = Container(id="a" * 64, name="x", image_id="sha256:" + "b" * 64, image_ref="busybox",
                  created="2026-11-22T22:00:00.000000000Z", path="sh", args=["-c", "true"],
                  config={"Image": "busybox"}, host_config={"AutoRemove": True},
                  state=State(status="exited", exit_code=3))
    back = Container.from_json(c.to_json())
    assert back == c


def test_status_texts():
    c = Container(id="a" * 64, name="x", image_id="i", image_ref="busybox",
                  created="2026-11-22T22:00:00Z", path="true", args=[], config={}, host_config={})
    assert c.status_text(0) == "Created"
    c.state = State(status="exited", exit_code=3, finished_at="2026-11-22T22:00:00Z")
    assert c.status_text(1795384805.0) == "Exited (3) 5 seconds ago"


def test_human_duration_matches_go_units():
    assert human_duration(0.5) == "Less than a second"
    assert human_duration(1) == "1 second"
    assert human_duration(59) == "59 seconds"
    assert human_duration(60) == "About a minute"
    assert human_duration(3 * 60) == "3 minutes"
    assert human_duration(3600) == "About an hour"
    assert human_duration(5 * 3600) == "5 hours"
    assert human_duration(3 * 86400) == "3 days"
