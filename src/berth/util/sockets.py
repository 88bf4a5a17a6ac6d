"""Whether something listens on a unix socket: the one probe before taking a path."""

import socket
from pathlib import Path


def answers(path: Path) -> bool:
    """True when a connect to ``path`` succeeds (a dead daemon's socket refuses)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True
