"""``python -m berth.supervisor --exec-root DIR``."""

import argparse
import sys
from pathlib import Path

from berth.supervisor.server import serve


def main() -> None:
    p = argparse.ArgumentParser(prog="berth-supervisor")
    p.add_argument("--exec-root", required=True, type=Path)
    sys.exit(serve(p.parse_args().exec_root))


if __name__ == "__main__":
    main()
