"""``python -m berth.registry.server serve|gc ...``: what ``berth registry`` runs
(the CLI may not import server packages, so it execs this with its own Python)."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from berth.errors import BerthError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="berth registry")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve an OCI distribution registry")
    serve.add_argument("--addr", default="127.0.0.1:5000", help="HOST:PORT (port 0: any free)")
    serve.add_argument("--root", required=True, type=Path, help="the registry's directory")
    serve.add_argument("--htpasswd", type=Path, help="require basic auth (bcrypt entries)")
    serve.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate")
    serve.add_argument("--tls-key", type=Path, help="the certificate's private key")
    gc = sub.add_parser("gc", help="delete blobs no manifest references")
    gc.add_argument("--root", required=True, type=Path, help="the registry's directory")
    gc.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    return p


def _split_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise BerthError(f"invalid address {addr!r}: want HOST:PORT")
    return host.strip("[]") or "0.0.0.0", int(port)


def _serve(args: argparse.Namespace) -> int:
    import asyncio

    from berth.registry.server.app import ServeConfig, serve
    from berth.registry.server.auth import BasicAuth, load_htpasswd
    from berth.registry.server.gc import lock
    from berth.registry.server.storage import Storage

    if (args.tls_cert is None) != (args.tls_key is None):
        raise BerthError("--tls-cert and --tls-key go together")
    host, port = _split_addr(args.addr)
    auth = BasicAuth(load_htpasswd(args.htpasswd)) if args.htpasswd else None
    config = ServeConfig(host, port, args.root, args.htpasswd, args.tls_cert, args.tls_key)
    lock(args.root, exclusive=False)  # held for the life of the process
    storage = Storage(args.root)
    try:
        asyncio.run(serve(config, storage, auth))
    finally:
        storage.close()
    return 0


def _gc(args: argparse.Namespace) -> int:
    from berth.registry.server.gc import collect

    report = collect(args.root, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for info in report.deleted:
        print(f"{verb} {info.digest} ({info.size} bytes)")
    for uuid in report.uploads:
        print(f"{verb} upload {uuid} (started over a week ago)")
    print(f"{verb} {len(report.deleted)} blobs, {report.freed} bytes; "
          f"kept {report.kept} referenced blobs")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _serve(args) if args.command == "serve" else _gc(args)
    except BerthError as e:
        print(f"berth registry {args.command}: {e.message}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"berth registry {args.command}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
