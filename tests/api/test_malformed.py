"""Malformed requests get docker's status and message, and berthd keeps serving."""

import json
import socket

import pytest


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), [
    ("POST", "/containers/create", b"not json", 400, "invalid JSON"),
    ("POST", "/containers/create", b"[1, 2]", 400,
     "config cannot be empty in order to create a container"),
    ("POST", "/containers/create", b'{"Image": 5}', 400,
     "json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Image of "
     "type string"),
    ("POST", "/containers/create", b'{"Image": "busybox", "Env": "A=1"}', 400,
     "cannot unmarshal string into Go struct field ContainerConfigWrapper.Env of type []string"),
    ("POST", "/containers/create", b'{"Image": "busybox", "Labels": ["a"]}', 400,
     "cannot unmarshal array into Go struct field ContainerConfigWrapper.Labels"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"Memory": "lots"}}',
     400, "cannot unmarshal string into Go struct field HostConfig.Memory of type int64"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"CapAdd": [5]}}',
     400, "cannot unmarshal number into Go struct field HostConfig.CapAdd of type string"),
    ("POST", "/containers/create?name=bad/name", b'{"Image": "busybox"}', 400,
     "Invalid container name (bad/name)"),
    ("POST", "/containers/create", b'{"Image": "nosuchimage"}', 404,
     "No such image: nosuchimage:latest"),
    ("POST", "/containers/nosuch/kill?signal=NOPE", None, 400, "Invalid signal: NOPE"),
    ("GET", "/containers/json?limit=abc", None, 400, "invalid value for limit"),
    ("GET", "/containers/json?filters=notjson", None, 400, "invalid filter"),
    ("GET", "/containers/nosuch/json", None, 404, "No such container: nosuch"),
    ("GET", "/images/nosuch/json", None, 404, "No such image: nosuch:latest"),
    ("POST", "/exec/nosuch/start", b"{}", 404, "No such exec instance: nosuch"),
    ("GET", "/nosuchendpoint", None, 404, "page not found"),
    ("GET", "/v9.99/version", None, 400,
     "client version 9.99 is too new. Maximum supported API version is 1.44"),
    ("POST", "/containers/create", b'{"Image":"busybox","X":"' + b"a" * (3 << 20) + b'"}', 413,
     "Maximum request body size"),
    # Found by fuzzing the API with schemathesis (each was a 500 before):
    ("POST", "/containers/create", b'{"Image": "busybox", "Cmd": ["echo", "a\\u0000b"]}', 400,
     "invalid ContainerConfigWrapper.Cmd: it holds a NUL byte"),
    ("POST", "/containers/create",
     b'{"Image": "busybox", "HostConfig": {"Binds": ["/tmp\\u0000:/a"]}}', 400,
     "invalid HostConfig.Binds: it holds a NUL byte"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"Mounts": '
     b'[{"Type": "bind", "Source": "/tmp\\u0000", "Target": "/a"}]}}', 400,
     "the path holds a NUL byte"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"Memory": 67108864, '
     b'"MemorySwap": -5}}', 400, "invalid MemorySwap: -1 (unlimited) or a size in bytes"),
    ("POST", "/containers/nosuch/exec", b'{"Cmd": ["date"], "Env": [{}]}', 400,
     "cannot unmarshal object into Go struct field ExecConfig.Env of type string"),
    ("POST", "/containers/nosuch/exec", b'{"Cmd": ["date"], "Tty": "yes"}', 400,
     "cannot unmarshal string into Go struct field ExecConfig.Tty of type bool"),
    ("HEAD", "/containers/nosuch/archive?path=%00", None, 400, ""),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"Memory": 1}}', 400,
     "Minimum memory limit allowed is 6MB"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"CpuShares": -1}}',
     400, "invalid CpuShares: it cannot be negative"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"Memory": -5}}',
     400, "invalid Memory: it cannot be negative"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"CpuQuota": -7}}',
     400, "invalid CpuQuota: -1 (unlimited) or at least 1000"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"CpuQuota": 97}}', 400,
     "CPU cfs quota can not be less than 1ms (i.e. 1000)"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": {"CpuPeriod": 10}}',
     400, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": '
     b'{"MemorySwappiness": 101}}', 400, "valid memory swappiness range is 0-100"),
    ("POST", "/containers/create", b'{"Image": "busybox", "HostConfig": '
     b'{"NanoCpus": 99000000000}}', 400, "Range of CPUs is from 0.01 to"),

    ("GET", "/containers/nosuch/archive?path=/etc/%00", None, 400,
     "invalid query: it holds a NUL byte"),
    ("GET", "/containers/nosuch/top?ps_args=%00", None, 400,
     "invalid query: it holds a NUL byte"),
])
def test_refused_with_dockers_status(api, method, path, body, status, message):
    got, headers, data = api(method, path, raw=body)
    assert got == status, data
    assert headers["content-type"].startswith("application/json")
    if method != "HEAD":  # a HEAD answer has no body
        assert message in json.loads(data)["message"]
    assert api("GET", "/_ping")[0] == 200


def test_a_string_command_is_a_list_of_one(api, berth_cli):
    status, _, data = api("POST", "/containers/create?name=strcmd",
                          {"Image": "busybox", "Cmd": "true"})
    try:
        assert status == 201, data
        info = json.loads(berth_cli("inspect", "strcmd")[1])[0]
        assert info["Config"]["Cmd"] == ["true"]
    finally:
        berth_cli("rm", "-f", "strcmd")


def test_slow_and_idle_clients_do_not_block_others(api, daemon):
    stalled = []
    for _ in range(50):
        s = socket.socket(socket.AF_UNIX)
        s.connect(str(daemon.socket))
        s.sendall(b"GET /containers/json HTTP/1.1\r\nHost: x\r\n")  # never finished
        stalled.append(s)
    half = socket.socket(socket.AF_UNIX)
    half.connect(str(daemon.socket))
    half.sendall(b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    try:
        for _ in range(5):
            assert api("GET", "/_ping")[0] == 200
            assert api("GET", "/containers/json")[0] == 200
    finally:
        for s in [*stalled, half]:
            s.close()
    assert api("GET", "/version")[0] == 200


def test_a_client_gone_mid_stream_is_no_error(api, daemon, berth_cli):
    """A stream whose client left (a fuzzer's timeout, a ctrl-c on `docker events`) ends
    quietly: no 500 and no traceback in berthd's log, and berthd keeps serving."""
    log = daemon.root / "berthd.log"
    before = log.read_text(errors="replace").count("Traceback")
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(daemon.socket))
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s.recv(4096).startswith(b"HTTP/1.1 200")
    s.close()
    assert berth_cli("create", "--name", "gone-client", "busybox", "true")[0] == 0  # an event
    berth_cli("rm", "gone-client")
    assert api("GET", "/_ping")[0] == 200
    assert log.read_text(errors="replace").count("Traceback") == before
