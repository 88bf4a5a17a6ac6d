"""commit's reference and config rules (dockerd's RepoTagReference and merge)."""

import pytest

from berth.errors import InvalidArgument
from berth.images.commit import commit_config, commit_tag

CONTAINER = {"Hostname": "abc", "Image": "busybox", "User": "nobody", "Env": ["A=1", "P=/bin"],
             "Cmd": ["sh", "-c", "x"], "Entrypoint": None, "WorkingDir": "/w",
             "Labels": {"l": "1"}, "ExposedPorts": {"80/tcp": {}}, "Volumes": {"/v": {}},
             "StopSignal": "SIGINT"}


def test_commit_tag() -> None:
    assert commit_tag("") is None
    assert commit_tag("busybox") == "docker.io/library/busybox:latest"
    assert commit_tag("me/img", "v1") == "docker.io/me/img:v1"
    assert commit_tag("me/img:old", "new") == "docker.io/me/img:new"
    assert commit_tag("localhost:5000/x") == "localhost:5000/x:latest"
    with pytest.raises(InvalidArgument, match="repository name must be lowercase"):
        commit_tag("Bad")
    with pytest.raises(InvalidArgument, match="cannot commit to digest reference"):
        commit_tag("me/img@sha256:" + "a" * 64)
    with pytest.raises(InvalidArgument, match="invalid tag format"):
        commit_tag("me/img", "bad:tag")


def test_no_config_keeps_the_containers_with_changes_over_it() -> None:
    out = commit_config(CONTAINER, None, ["ENV B=2", 'CMD ["echo", "hi"]'])
    assert out["Hostname"] == "abc" and out["Image"] == "busybox"
    assert out["Env"] == ["A=1", "P=/bin", "B=2"] and out["Cmd"] == ["echo", "hi"]


def test_a_config_given_is_filled_in_from_the_containers() -> None:
    out = commit_config(CONTAINER, {"Env": ["A=9"], "Labels": {"m": "2"},
                                    "ExposedPorts": {"443/tcp": {}}}, [])
    assert "Hostname" not in out  # docker: only what merge fills in
    assert out["Env"] == ["A=9", "P=/bin"]
    assert out["Labels"] == {"l": "1", "m": "2"}
    assert out["ExposedPorts"] == {"80/tcp": {}, "443/tcp": {}}
    assert (out["User"], out["WorkingDir"], out["Cmd"], out["StopSignal"]) == (
        "nobody", "/w", ["sh", "-c", "x"], "SIGINT")
    assert out["Volumes"] == {"/v": {}}


def test_an_entrypoint_change_drops_the_containers_cmd() -> None:
    out = commit_config(CONTAINER, {}, ['ENTRYPOINT ["/bin/app"]'])
    assert out["Entrypoint"] == ["/bin/app"] and out.get("Cmd") is None


def test_bad_changes_and_config() -> None:
    with pytest.raises(InvalidArgument, match="from is not a valid change command"):
        commit_config(CONTAINER, None, ["FROM x"])
    with pytest.raises(InvalidArgument):
        commit_config(CONTAINER, ["not", "an", "object"], [])  # type: ignore[arg-type]
