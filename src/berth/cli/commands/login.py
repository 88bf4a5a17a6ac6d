"""``berth login [-u USER] [-p PASS|--password-stdin] [SERVER]``: docker's login.

The daemon checks the credentials against the registry (``POST /auth``); they
are then written to docker's ``config.json`` (``$DOCKER_CONFIG`` or
``~/.docker``, a credential helper when the file names one), the file
``docker login`` writes, so berth and docker share their logins.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client
    from berth.client.credentials import DockerConfig


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.read().rstrip("\r\n")
    if args.password:
        print("WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
              file=sys.stderr)
        return str(args.password)
    import getpass

    return getpass.getpass("Password: ")


def _existing(client: Client, config: DockerConfig, key: str) -> bool:
    """docker's first try: the credentials already stored, when the registry takes them."""
    from berth.client.errors import APIError
    from berth.errors import BerthError

    try:
        stored = config.get(key)
    except BerthError:
        return False
    if stored.empty:
        return False
    print("Authenticating with existing credentials...")
    try:
        answer = client.images.login(stored.username, stored.password, key,
                                     stored.identity_token)
    except APIError as e:
        print(f"Login did not succeed, error: Error response from daemon: {e.message}",
              file=sys.stderr)
        return False
    print(answer.get("Status") or "Login Succeeded")
    return True


def run(args: argparse.Namespace, client: Client) -> int:
    from berth.client.credentials import Credentials, DockerConfig, config_key, domain_of
    from berth.errors import BerthError

    if args.password and args.password_stdin:
        print("--password and --password-stdin are mutually exclusive", file=sys.stderr)
        return 1
    if args.password_stdin and not args.username:
        print("Must provide --username with --password-stdin", file=sys.stderr)
        return 1
    key = config_key(domain_of(args.server or ""))
    username = args.username
    typed = username or args.password or args.password_stdin
    if not typed and _existing(client, DockerConfig(), key):
        return 0
    if not username:
        if not sys.stdin.isatty():
            print("Error: Cannot perform an interactive login from a non TTY device",
                  file=sys.stderr)
            return 1
        username = input("Username: ").strip()
    password = _read_password(args)
    if not username or not password:
        print("Error: Username and password are required" if username
              else "Error: Username is required", file=sys.stderr)
        return 1
    answer = client.images.login(username, password, key)
    token = str(answer.get("IdentityToken") or "")
    creds = (Credentials(username, identity_token=token, server=key) if token
             else Credentials(username, password, server=key))
    try:
        DockerConfig().store(key, creds)
    except BerthError as e:
        print(f"Error saving credentials: {e.message}", file=sys.stderr)
        return 1
    print(answer.get("Status") or "Login Succeeded")
    return 0
