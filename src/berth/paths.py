"""Every on-disk location of berth, named once.

Layout under the data root (persistent)::

    berth.db                          SQLite metadata (WAL)
    content/blobs/sha256/<hex>        blobs by digest
    content/ingest/<ref>              blobs being written
    compressed/<gzip|zstd>/<diff-hex> the blob a plain layer was pushed as
                                      (berth.images.compress)
    snapshots/<chain-hex>/fs          unpacked read-only layers
    containers/<id>/                  upper, work, merged, config.json, hostname,
                                      hosts, resolv.conf, <id>-json.log
    containers/<id>/mounts/shm        the /dev/shm tmpfs of an ``--ipc shareable``
                                      container, mounted on the host while it runs
    volumes/<name>/_data              a volume's data (the local driver's with
                                      options: its mount point, mounted while used)
    berthd.lock                       held by the one berthd of this data root

Layout under the exec root (runtime state, lost at reboot)::

    berthd.sock                       default API socket lives in /run/berth
    berthd.lock                       held by the one berthd of this exec root
    supervisor.sock                   the supervisor's control socket
    supervisor.pid
    supervisor.lock                   held by the one supervisor of this exec root

Beside the API socket, wherever ``--host`` puts it: ``<socket>.lock``, held by the
berthd that serves it (and probed by the CLI's autostart).
"""

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_ROOT = Path("/var/lib/berth")
DEFAULT_EXEC_ROOT = Path("/run/berth")
DEFAULT_SOCKET = DEFAULT_EXEC_ROOT / "berthd.sock"
# Registry CAs, docker's certs.d layout: <CERTS_DIR>/<host[:port]>/*.crt
CERTS_DIR = Path("/etc/berth/certs.d")
LOCK_NAME = "berthd.lock"


def socket_lock(socket: Path) -> Path:
    """The lock file of the berthd that serves ``socket``."""
    return socket.with_name(socket.name + ".lock")


@dataclass(frozen=True, slots=True)
class Paths:
    data_root: Path = DEFAULT_DATA_ROOT
    exec_root: Path = DEFAULT_EXEC_ROOT

    @property
    def db(self) -> Path:
        return self.data_root / "berth.db"

    @property
    def content(self) -> Path:
        return self.data_root / "content"

    @property
    def compressed(self) -> Path:
        return self.data_root / "compressed"

    @property
    def snapshots(self) -> Path:
        return self.data_root / "snapshots"

    @property
    def containers(self) -> Path:
        return self.data_root / "containers"

    @property
    def volumes(self) -> Path:
        return self.data_root / "volumes"

    def volume(self, name: str) -> Path:
        return self.volumes / name

    def volume_data(self, name: str) -> Path:
        """What a container mounts (docker's ``Mountpoint``)."""
        return self.volume(name) / "_data"

    @property
    def tmp(self) -> Path:
        return self.data_root / "tmp"

    def container(self, container_id: str) -> Path:
        return self.containers / container_id

    def container_log(self, container_id: str) -> Path:
        return self.container(container_id) / f"{container_id}-json.log"

    def container_shm(self, container_id: str) -> Path:
        """Where a shareable container's /dev/shm is mounted on the host (docker's
        ``<container dir>/mounts/shm``), so that joiners can bind the same one."""
        return self.container(container_id) / "mounts" / "shm"

    @property
    def data_root_lock(self) -> Path:
        return self.data_root / LOCK_NAME

    @property
    def exec_root_lock(self) -> Path:
        return self.exec_root / LOCK_NAME

    @property
    def supervisor_socket(self) -> Path:
        return self.exec_root / "supervisor.sock"

    @property
    def supervisor_lock(self) -> Path:
        return self.exec_root / "supervisor.lock"

    @property
    def supervisor_pid(self) -> Path:
        return self.exec_root / "supervisor.pid"
