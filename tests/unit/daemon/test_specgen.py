"""Docker's rules for merging the image's config with the request's."""

import pytest

from berth.daemon.specgen import (
    command_of,
    merge_config,
    merge_env,
    process_user,
    seccomp_filter,
    security_options,
)
from berth.errors import InvalidArgument
from berth.oci.spec import capabilities

IMAGE = {"config": {"Entrypoint": ["/entry"], "Cmd": ["default"], "Env": ["A=1", "PATH=/img"],
                    "WorkingDir": "/srv", "Labels": {"from": "image"}}}


def test_request_cmd_replaces_image_cmd_keeps_entrypoint():
    config = merge_config(IMAGE, {"Cmd": ["mine"]})
    assert command_of(config) == ["/entry", "mine"]


def test_no_cmd_takes_the_images():
    assert command_of(merge_config(IMAGE, {})) == ["/entry", "default"]


def test_request_entrypoint_drops_image_cmd():
    config = merge_config(IMAGE, {"Entrypoint": ["/other"]})
    assert command_of(config) == ["/other"]


def test_empty_entrypoint_string_resets_it():
    config = merge_config(IMAGE, {"Entrypoint": [""], "Cmd": ["echo", "hi"]})
    assert command_of(config) == ["echo", "hi"]


def test_env_later_wins_in_place():
    assert merge_env(["A=1", "B=2"], ["A=3", "C=4"]) == ["A=3", "B=2", "C=4"]
    config = merge_config(IMAGE, {"Env": ["A=9"]})
    assert config["Env"] == ["A=9", "PATH=/img"]


def test_workdir_and_labels_inherit():
    config = merge_config(IMAGE, {"Labels": {"mine": "1"}})
    assert config["WorkingDir"] == "/srv"
    assert config["Labels"] == {"from": "image", "mine": "1"}


def test_no_command_at_all_is_an_error():
    with pytest.raises(InvalidArgument, match="no command specified"):
        command_of(merge_config({"config": {}}, {}))


def test_user_is_resolved_by_the_runtime():
    assert process_user("") == {"uid": 0, "gid": 0, "username": ""}
    assert process_user("app:staff", ["audio", 5]) == {
        "uid": 0, "gid": 0, "username": "app:staff", "groupAdd": ["audio", "5"]}
    with pytest.raises(InvalidArgument, match="invalid user"):
        process_user("a:b:c")


def test_security_options_like_dockerd() -> None:
    assert security_options([]) == {"seccomp": None, "no_new_privileges": False}
    assert security_options(["seccomp=unconfined", "no-new-privileges"]) == {
        "seccomp": "unconfined", "no_new_privileges": True}
    assert security_options(["seccomp:unconfined", "no-new-privileges=false",
                             "label=disable", "apparmor=unconfined"])["seccomp"] == "unconfined"
    for bad, message in [("nonsense", 'invalid --security-opt 1: "nonsense"'),
                         ("colour=red", 'invalid --security-opt 2: "colour=red"'),
                         ("no-new-privileges=maybe", "invalid --security-opt 2")]:
        with pytest.raises(InvalidArgument, match=message):
            security_options([bad])


def test_seccomp_filter_choice() -> None:
    caps = ["CAP_CHOWN"]
    assert seccomp_filter("unconfined", False, caps) is None
    assert seccomp_filter(None, True, caps) is None  # privileged: unconfined, like docker
    default = seccomp_filter(None, False, caps)
    assert default is not None and default["defaultAction"] == "SCMP_ACT_ERRNO"
    own = seccomp_filter('{"defaultAction": "SCMP_ACT_ALLOW"}', True, caps)
    assert own == {"defaultAction": "SCMP_ACT_ALLOW", "architectures": [], "syscalls": []}
    with pytest.raises(InvalidArgument, match="decoding seccomp profile failed"):
        seccomp_filter("{not json", False, caps)


def test_privileged_and_cap_add_within_the_hosts_bounding_set() -> None:
    host = {"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"}
    assert capabilities(privileged=True, available=host) == ["CAP_CHOWN", "CAP_KILL",
                                                             "CAP_SYS_ADMIN"]
    assert set(capabilities(["ALL"], ["KILL"], available=host)) == {"CAP_CHOWN",
                                                                    "CAP_SYS_ADMIN"}
    with pytest.raises(InvalidArgument, match="CAP_SYS_RESOURCE is not available on this host"):
        capabilities(["SYS_RESOURCE"], available=host)
