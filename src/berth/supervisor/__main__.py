"""``python -m berth.supervisor --exec-root DIR``."""

import argparse
import sys
from pathlib import Path

from berth.supervisor.sealed import reexec_sealed


def main() -> None:
    reexec_sealed()  # before the heavy imports: they are done once, in the sealed copy
    from berth.errors import FailedPrecondition
    from berth.runtime.linux import sys as lx
    from berth.supervisor.server import serve

    p = argparse.ArgumentParser(prog="berth-supervisor")
    p.add_argument("--exec-root", required=True, type=Path)
    try:
        lx.check_machine()
    except FailedPrecondition as e:
        print(f"berth-supervisor: {e.message}", file=sys.stderr)
        sys.exit(1)
    sys.exit(serve(p.parse_args().exec_root))


if __name__ == "__main__":
    main()
