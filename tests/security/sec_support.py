"""Helpers of the security tests: a hostile rootfs, a container's output read as it
comes, exec requests. The fixtures that use them are in ``conftest.py`` beside this."""

import json
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from rt_support import Supervisor, make_busybox_rootfs, supervisor_on

__all__ = ["Supervisor", "supervisor_on"]  # for conftest.py: rt_support is not on its path

HERE = Path(__file__).resolve().parent
EXTRA_APPLETS = ("mkfifo", "mv", "sleep", "cat", "touch")


def make_hostile_rootfs(root: Path, attack: Path) -> Path:
    """A busybox rootfs with ``/attack`` and the applets the attacks use."""
    make_busybox_rootfs(root)
    for applet in EXTRA_APPLETS:
        link = root / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    shutil.copy2(attack, root / "attack")
    return root


def exec_request(sup: Supervisor, cid: str, args: list[str], **process: Any) -> dict[str, Any]:
    """An ``exec`` request for ``args`` in the running container ``cid``."""
    spec = json.loads((sup.container_dir(cid) / "config.json").read_text())
    proc = {**spec["process"], "args": args, "terminal": False, **process}
    return {"op": "exec", "container": cid, "id": uuid.uuid4().hex,
            "bundle": str(sup.container_dir(cid)), "process": proc, "open_stdin": False,
            "stream": True}


class Stream:
    """A container's output, read by a thread as it comes (the racer's findings)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.data = bytearray()
        self.exit: dict[str, Any] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for event in self.conn:
                if isinstance(event, dict):
                    self.exit = event
                else:
                    self.data += event[1]
        except OSError:
            pass
        finally:
            self.done.set()

    def lines(self) -> list[str]:
        return bytes(self.data).decode(errors="replace").splitlines()

    def wait_for(self, line: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while line not in self.lines():
            if self.done.is_set() or time.monotonic() > deadline:
                raise AssertionError(f"no {line!r} from the container: {self.lines()}")
            time.sleep(0.01)

    def finish(self, timeout: float = 20) -> None:
        assert self.done.wait(timeout), "the container's stream did not end"
        self.conn.close()


def run_exec(sup: Supervisor, request: dict[str, Any]) -> tuple[int, bytes]:
    """Run one exec to its end: its exit code and output."""
    _, conn = sup.client.open(request)
    out = bytearray()
    code = -1
    with conn:
        for event in conn:
            if isinstance(event, dict):
                code = int(event["exit_code"])
            else:
                out += event[1]
    return code, bytes(out)
