"""``berth logout [SERVER]``: forget a registry's credentials in docker's ``config.json``."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def run(args: argparse.Namespace, client: Client) -> int:
    from berth.client.credentials import DockerConfig, config_key, domain_of
    from berth.errors import BerthError

    key = config_key(domain_of(args.server or ""))
    try:
        removed = DockerConfig().erase(key)
    except BerthError as e:
        print(f"Error: {e.message}", file=sys.stderr)
        return 1
    if removed:
        print(f"Removing login credentials for {key}")
    else:
        print(f"Not logged in to {key}")
    return 0
