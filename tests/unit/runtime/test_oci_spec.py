"""The default OCI runtime spec and docker's capability rules."""

import pytest

from berth.errors import InvalidArgument
from berth.oci.defaults import DEFAULT_CAPABILITIES, MASKED_PATHS, READONLY_PATHS
from berth.oci.spec import capabilities, default_spec


def _spec(**kw: object) -> dict[str, object]:
    base: dict[str, object] = dict(args=["sh"], env=["PATH=/bin"], cwd="", hostname="h",
                                   root_path="/c/merged")
    base.update(kw)
    return default_spec(**base)  # type: ignore[arg-type]


def test_default_spec_has_dockers_defaults() -> None:
    spec = _spec()
    proc = spec["process"]
    assert proc["args"] == ["sh"] and proc["env"] == ["PATH=/bin"] and proc["cwd"] == "/"
    assert proc["user"] == {"uid": 0, "gid": 0, "additionalGids": []}
    assert proc["noNewPrivileges"] is False and proc["terminal"] is False
    caps = proc["capabilities"]
    assert set(caps) == {"bounding", "effective", "permitted"}
    assert all(caps[k] == list(DEFAULT_CAPABILITIES) for k in caps)
    assert len(DEFAULT_CAPABILITIES) == 14
    assert spec["root"] == {"path": "/c/merged", "readonly": False}
    assert spec["hostname"] == "h"
    linux = spec["linux"]
    assert [ns["type"] for ns in linux["namespaces"]] == ["mount", "network", "uts", "pid",
                                                          "ipc"]
    assert linux["maskedPaths"] == list(MASKED_PATHS)
    assert linux["readonlyPaths"] == list(READONLY_PATHS)
    assert {d["path"] for d in linux["devices"]} == {
        "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}
    dests = [m["destination"] for m in spec["mounts"]]
    assert dests == ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue",
                     "/dev/shm"]
    devpts = spec["mounts"][2]["options"]
    assert "newinstance" in devpts and "ptmxmode=0666" in devpts
    assert "ro" in spec["mounts"][3]["options"]
    assert "ro" in spec["mounts"][4]["options"]
    assert "size=67108864" in spec["mounts"][6]["options"]


def test_spec_is_fresh_each_time() -> None:
    a, b = _spec(), _spec()
    a["mounts"][0]["options"].append("x")
    a["process"]["capabilities"]["bounding"].clear()
    assert "x" not in b["mounts"][0]["options"]
    assert b["process"]["capabilities"]["bounding"] == list(DEFAULT_CAPABILITIES)
    assert "x" not in _spec()["mounts"][0]["options"]


def test_options() -> None:
    spec = _spec(uid=1000, gid=100, additional_gids=[5], readonly=True, terminal=True,
                 no_new_privileges=True, cgroup_namespace=True, shm_size=1024,
                 namespace_paths={"network": "/run/netns/x"}, masked_paths=[],
                 readonly_paths=["/proc/sys"],
                 mounts=[{"destination": "/data", "type": "bind", "source": "/v",
                          "options": ["rbind", "ro"]}])
    proc = spec["process"]
    assert proc["user"] == {"uid": 1000, "gid": 100, "additionalGids": [5]}
    assert proc["terminal"] and proc["noNewPrivileges"] and spec["root"]["readonly"]
    assert {"type": "network", "path": "/run/netns/x"} in spec["linux"]["namespaces"]
    assert {"type": "cgroup"} in spec["linux"]["namespaces"]
    assert spec["linux"]["maskedPaths"] == []
    assert spec["linux"]["readonlyPaths"] == ["/proc/sys"]
    assert spec["mounts"][-1]["destination"] == "/data"
    assert "size=1024" in spec["mounts"][6]["options"]


def test_privileged() -> None:
    spec = _spec(privileged=True)
    assert "CAP_SYS_ADMIN" in spec["process"]["capabilities"]["effective"]
    assert spec["linux"]["maskedPaths"] == [] and spec["linux"]["readonlyPaths"] == []
    assert "ro" not in spec["mounts"][3]["options"]
    assert "ro" not in spec["mounts"][4]["options"]


def test_cap_add_and_drop() -> None:
    assert capabilities() == list(DEFAULT_CAPABILITIES)
    caps = capabilities(cap_add=["sys_admin", "CAP_NET_ADMIN"], cap_drop=["chown"])
    assert "CAP_SYS_ADMIN" in caps and "CAP_NET_ADMIN" in caps and "CAP_CHOWN" not in caps
    assert capabilities(cap_drop=["ALL"], cap_add=["KILL"]) == ["CAP_KILL"]
    every = capabilities(cap_add=["ALL"], cap_drop=["MKNOD"])
    assert "CAP_BPF" in every and "CAP_MKNOD" not in every
    with pytest.raises(InvalidArgument, match='unknown capability: "CAP_NOPE"'):
        capabilities(cap_add=["nope"])
