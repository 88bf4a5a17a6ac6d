"""IPC modes without a kernel: what is stored at create, which /dev/shm the spec
gets, and dockerd 20.10's refusals of a donor (the mounts: tests/integration)."""

from pathlib import Path

import pytest

from berth.daemon import ipc
from berth.daemon.container import Container, State
from berth.daemon.specgen import dev_shm
from berth.errors import FailedPrecondition, InvalidArgument, NotFound
from berth.oci.defaults import DEFAULT_SHM_SIZE, default_mounts
from berth.paths import Paths

DONOR_ID = "d" * 64


def _container(cid: str, mode: str, status: str = "running", **host: object) -> Container:
    return Container(id=cid, name=cid[:4], image_id="sha256:" + "a" * 64, image_ref="img",
                     created="", path="sh", args=[], config={},
                     host_config={"IpcMode": mode, **host},
                     state=State(status=status, pid=42 if status == "running" else 0))


def _lookup(*containers: Container):
    table = {c.name: c for c in containers} | {c.id: c for c in containers}

    def get(ref: str) -> Container:
        if ref not in table:
            raise NotFound(f"No such container: {ref}")
        return table[ref]
    return get


def test_settle_stores_dockers_defaults_and_the_donors_full_id():
    donor = _container(DONOR_ID, "shareable")
    assert ipc.settle({}, _lookup()) == {"IpcMode": "private", "ShmSize": DEFAULT_SHM_SIZE}
    settled = ipc.settle({"IpcMode": "container:dddd", "ShmSize": 1 << 20}, _lookup(donor))
    assert settled == {"IpcMode": f"container:{DONOR_ID}", "ShmSize": 1 << 20}
    with pytest.raises(InvalidArgument, match="SHM size can not be less than 0"):
        ipc.settle({"ShmSize": -1}, _lookup())


def test_dev_shm_by_mode():
    mounts = default_mounts(1 << 20)
    own = [m for m in mounts if m["destination"] == "/dev/shm"]
    assert own[0]["type"] == "tmpfs"
    assert [m for m in dev_shm(mounts, "none", None) if m["destination"] == "/dev/shm"] == []
    assert dev_shm(mounts, "private", None) == mounts
    bound = [m for m in dev_shm(mounts, "shareable", "/x/mounts/shm")
             if m["destination"] == "/dev/shm"]
    assert bound == [{"destination": "/dev/shm", "type": "bind", "source": "/x/mounts/shm",
                      "options": ["rbind", "rprivate"]}]
    user = {"destination": "/dev/shm", "type": "bind", "source": "/mine", "options": []}
    assert user in dev_shm([*mounts, user], "none", None)  # only docker's default goes


def test_shm_source_of_each_mode(tmp_path: Path):
    paths = Paths(data_root=tmp_path)
    donor = _container(DONOR_ID, "shareable")
    paths.container_shm(DONOR_ID).mkdir(parents=True)
    get = _lookup(donor)
    assert ipc.shm_source(_container("p" * 64, "private"), paths, get) is None
    assert ipc.shm_source(_container("n" * 64, "none"), paths, get) is None
    assert ipc.shm_source(_container("h" * 64, "host"), paths, get) == "/dev/shm"
    assert ipc.shm_source(donor, paths, get) == str(paths.container_shm(DONOR_ID))
    joiner = _container("j" * 64, f"container:{DONOR_ID}")
    assert ipc.shm_source(joiner, paths, get) == str(paths.container_shm(DONOR_ID))
    # A joiner of a joiner gets the first donor's, as docker's recorded ShmPath.
    second = _container("k" * 64, "container:" + "j" * 64)
    assert ipc.shm_source(second, paths, _lookup(donor, joiner)) == str(
        paths.container_shm(DONOR_ID))
    # The user's own /dev/shm wins: nothing mounted, nothing bound.
    assert ipc.shm_source(_container("u" * 64, "shareable", Tmpfs={"/dev/shm": ""}), paths,
                          get) is None


def test_donors_refused_with_dockers_messages(tmp_path: Path):
    paths = Paths(data_root=tmp_path)
    joiner = _container("j" * 64, f"container:{DONOR_ID}")
    prefix = f"can't join IPC of container {DONOR_ID}: "
    cases = (
        (_container(DONOR_ID, "private"), "non-shareable IPC (hint: use IpcMode:shareable "
                                          "for the donor container)"),
        (_container(DONOR_ID, "none"), "non-shareable IPC"),
        (_container(DONOR_ID, "shareable", status="exited"),
         f"container {DONOR_ID} is not running"),
        (_container(DONOR_ID, "shareable", status="restarting"),
         f"Container {DONOR_ID} is restarting, wait until the container is running"),
    )
    for donor, message in cases:
        with pytest.raises(FailedPrecondition) as e:
            ipc.shm_source(joiner, paths, _lookup(donor))
        assert e.value.message.startswith(prefix + message), e.value.message
    with pytest.raises(NotFound):
        ipc.shm_source(joiner, paths, _lookup())
