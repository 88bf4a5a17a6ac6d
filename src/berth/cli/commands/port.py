"""``berth port``: a container's published ports, as docker prints them.

Without a bridge network a container publishes nothing yet, so this prints the
(empty) ``NetworkSettings.Ports`` of ``inspect``; the words are docker's.
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def _host_port(binding: dict[str, str]) -> str:
    ip = binding.get("HostIp") or ""
    port = binding.get("HostPort") or ""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _natural(text: str) -> list[object]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def lines(ports: dict[str, list[dict[str, str]] | None], private: str | None,
          container: str) -> list[str]:
    """docker's lines for ``port CONTAINER [PRIVATE_PORT[/PROTO]]``; ValueError with its
    message when the port is not a port or is not published."""
    if private is None:
        out = [f"{key} -> {_host_port(b)}" for key, bindings in ports.items()
               for b in bindings or []]
    else:
        number, _, proto = private.partition("/")
        if not number.isdigit() or int(number) > 65535:
            raise ValueError(f"Error: invalid port ({number}): strconv.ParseUint: parsing "
                             f"{number!r}: invalid syntax".replace("'", '"'))
        bindings = ports.get(f"{number}/{proto or 'tcp'}")
        if not bindings:
            raise ValueError(f"Error: No public port '{private}' published for {container}")
        out = [_host_port(b) for b in bindings]
    return sorted(out, key=_natural)


def run(args: argparse.Namespace, client: Client) -> int:
    info = client.containers.inspect(args.container)
    try:
        out = lines((info.get("NetworkSettings") or {}).get("Ports") or {}, args.private_port,
                    args.container)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    if out:
        print("\n".join(out))
    return 0
