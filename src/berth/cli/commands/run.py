"""``berth run``: docker's flow, request for request.

1. ``POST /containers/create`` (404 "No such image": say ``Unable to find image
   'busybox:latest' locally``, pull it with its progress on stderr, as docker
   does, and create again);
2. unless ``-d``: a hijacked ``POST /containers/{id}/attach``, then
   ``POST /containers/{id}/wait?condition=next-exit`` (``removed`` with ``--rm``)
   sent *before* start so that no exit is missed;
3. ``POST /containers/{id}/start``; a failure there exits 127 (command not
   found), 126 (cannot be invoked) or 125, docker's rule on the message;
4. copy the demultiplexed stream to stdout/stderr and exit with the wait's
   ``StatusCode``. ``-d`` prints the container's full id instead.
"""

from __future__ import annotations

import contextlib
import os
import sys

from berth.cli.format import familiar_tagged
from berth.cli.hostconfig import anonymous_volumes, exposed_ports, host_config
from berth.cli.output import copy_frames
from berth.cli.usage import FLAG_ERROR, UsageError
from berth.client.errors import APIError
from berth.client.streams import demux, is_multiplexed, raw

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client
    from berth.client.containers import PendingWait
    from berth.client.http import Hijacked

DAEMON_ERROR = 125
NOT_INVOKABLE = 126
NOT_FOUND = 127
WAIT_REGISTERED_GRACE = 0.1
"""How long to wait for the wait's response head before starting anyway (dockerd
sends it at once; a daemon that does not costs this much per run)."""
PULL_POLICIES = ("always", "missing", "never")
PROXIED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")


class RunFailed(Exception):
    """Printed as ``berth: <message>`` with ``status`` as the exit status."""

    def __init__(self, message: str, status: int = DAEMON_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def start_failure_status(message: str) -> int:
    """docker's rule: 127 when the command is missing, 126 when it cannot run."""
    if "executable file not found" in message or "no such file or directory" in message:
        return NOT_FOUND
    if "permission denied" in message or "is a directory" in message:
        return NOT_INVOKABLE
    return DAEMON_ERROR


def _env_entry(item: str, environ: dict[str, str] | os._Environ[str]) -> str | None:
    """``KEY=V`` as is; a bare ``KEY`` takes the local value, or is dropped if unset."""
    if "=" in item:
        if item.startswith("="):
            raise UsageError(f'invalid argument "{item}" for "-e, --env" flag: '
                             "invalid environment variable: " + item, "run", FLAG_ERROR)
        return item
    value = environ.get(item)
    return None if value is None else f"{item}={value}"


def environment(args: argparse.Namespace,
                environ: dict[str, str] | os._Environ[str] = os.environ) -> list[str]:
    """``--env-file`` entries first, then ``-e``, as docker merges them."""
    items: list[str] = []
    for path in args.env_file:
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise UsageError(f"open {path}: {(e.strerror or '').lower()}", "run",
                             FLAG_ERROR) from None
        items += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    items += args.env
    return [e for e in (_env_entry(i, environ) for i in items) if e is not None]


def labels(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key] = value
    return out


def container_config(args: argparse.Namespace,
                     environ: dict[str, str] | os._Environ[str] = os.environ) -> dict[str, Any]:
    """The body of ``POST /containers/create`` for these flags."""
    attach = not args.detach
    env = environment(args, environ)
    hc = host_config(args)
    entrypoint: list[str] | None = None
    if args.entrypoint is not None:
        entrypoint = [args.entrypoint]  # docker: --entrypoint "" is [""], resetting it
    return {
        "Hostname": args.hostname or "",
        "User": args.user or "",
        "AttachStdin": args.interactive and attach,
        "AttachStdout": attach,
        "AttachStderr": attach,
        "Tty": args.tty,
        "OpenStdin": args.interactive,
        "StdinOnce": args.interactive and attach,
        "Env": env,
        "Cmd": list(args.args) or None,
        "Image": args.image,
        "WorkingDir": args.workdir or "",
        "Entrypoint": entrypoint,
        "Labels": labels(args.label),
        **({"ExposedPorts": ports}
           if (ports := exposed_ports(args.expose, hc.get("PortBindings") or {})) else {}),
        **({"Volumes": volumes} if (volumes := anonymous_volumes(args.volume)) else {}),
        **({"StopSignal": args.stop_signal} if args.stop_signal else {}),
        **({"StopTimeout": args.stop_timeout} if args.stop_timeout is not None else {}),
        "HostConfig": hc,
    }


def create(client: Client, args: argparse.Namespace) -> str:
    config = container_config(args)
    if args.cidfile and os.path.exists(args.cidfile):  # checked before anything is made
        raise RunFailed(f"Container ID file found, make sure the other container isn't "
                        f"running or delete {args.cidfile}")
    if args.pull not in PULL_POLICIES:
        raise RunFailed(f"invalid pull option: '{args.pull}': must be one of \"always\", "
                        '"missing" or "never"', FLAG_ERROR)
    if args.pull == "always":
        _pull_to_stderr(client, args.image, args.platform, args.quiet)
    try:
        created = client.containers.create(config, args.name, args.platform)
    except APIError as e:
        missing = "no such image" in e.message.lower() or \
            "does not match the specified platform" in e.message
        if not (e.status == 404 and missing and args.pull == "missing"):
            raise
        if not args.quiet:
            print(f"Unable to find image '{familiar_tagged(args.image)}' locally",
                  file=sys.stderr, flush=True)
        _pull_to_stderr(client, args.image, args.platform, args.quiet)
        created = client.containers.create(config, args.name, args.platform)
    for warning in created.get("Warnings") or []:
        print(f"WARNING: {warning}", file=sys.stderr)
    cid: str = created["Id"]
    if args.cidfile:
        _write_cidfile(args.cidfile, cid)
    return cid


def _write_cidfile(path: str, cid: str) -> None:
    """docker's ``--cidfile``: refuses a file that exists (another run's)."""
    try:
        with open(path, "x") as f:
            f.write(cid)
    except FileExistsError:
        raise RunFailed(f"Container ID file found, make sure the other container isn't "
                        f"running or delete {path}") from None
    except OSError as e:
        raise RunFailed(f"failed to create the container ID file: {e}") from None


def _pull_to_stderr(client: Client, image: str, platform: str, quiet: bool = False) -> None:
    from berth.cli.commands.pull import split
    from berth.cli.progress import Display
    from berth.client.credentials import auth_header

    name, tag = split(image)
    messages = client.images.pull(name, tag, platform, auth_header(image))
    if quiet:
        for _ in messages:  # an error line still raises
            pass
    else:
        Display(sys.stderr).show_all(messages)


def start(client: Client, cid: str, remove: bool) -> None:
    """Start, turning a failure into docker's exit status (and cleaning up for --rm)."""
    try:
        client.containers.start(cid)
    except APIError as e:
        if remove:
            # the daemon's AutoRemove may have got there first
            with contextlib.suppress(APIError):
                client.containers.remove(cid, force=True)
        raise RunFailed(f"Error response from daemon: {e.message}",
                        start_failure_status(e.message)) from e


DETACH_KEYS = b"\x10\x11"
"""ctrl-p ctrl-q: berthd ends the attach on them (docker's default detach keys)."""


def chosen_detach_keys(args: argparse.Namespace) -> str:
    """``--detach-keys``, else the ``detachKeys`` of docker's ``config.json``, else ""
    (berthd's default, ctrl-p ctrl-q)."""
    if args.detach_keys:
        return str(args.detach_keys)
    from berth.registry.client.dockerconfig import DockerConfig  # light: json, no endpoints

    return DockerConfig().detach_keys()


def _watched(keys: str) -> bytes:
    """The bytes of ``keys`` to notice a detach by; berthd refuses keys that are wrong."""
    from berth.errors import InvalidArgument
    from berth.util.detachkeys import detach_keys

    try:
        return detach_keys(keys)
    except InvalidArgument:
        return DETACH_KEYS


class _Stdin:
    """Our stdin going to the container; notes whether the detach keys went by."""

    def __init__(self, detach_keys: bytes | None = DETACH_KEYS) -> None:
        self.detached = False
        self._keys = detach_keys
        self._tail = b""

    def pump(self, stream: Hijacked) -> None:
        try:
            while data := os.read(0, 65536):
                if self._keys is not None:
                    seen = self._tail + data
                    if self._keys in seen:
                        # noted before it is sent: berthd closes the stream on it, and
                        # the main thread must know why the stream ended
                        self.detached = True
                        stream.send(data)
                        return  # the container keeps its stdin open
                    self._tail = seen[-(len(self._keys) - 1):]
                stream.send(data)
        except OSError:
            pass
        stream.close_write()


def _pump_stdin(stream: Hijacked) -> None:
    """All of stdin to the stream, then its end (exec: no detach keys)."""
    _Stdin(None).pump(stream)


def _proxy_signals(client: Client, cid: str) -> dict[int, Any]:
    """Forward the signals we get to the container (docker's --sig-proxy); returns the
    handlers it replaced."""
    import signal

    def forward(signum: int, _frame: object) -> None:
        from berth.client import Client

        try:
            with Client(client.host, version=client.api_version) as c:
                c.containers.kill(cid, signal.Signals(signum).name)
        except Exception:  # the container may be gone already
            pass

    return {sig: signal.signal(sig, forward)
            for sig in (getattr(signal, name) for name in PROXIED_SIGNALS)}


def _follow_terminal_size(client: Client, cid: str) -> dict[int, Any]:
    """``-t``: the container's terminal takes our size now and at every SIGWINCH, as the
    docker CLI's resize does; returns the handler it replaced."""
    import signal

    def send(*_: object) -> None:
        try:
            size = os.get_terminal_size(1)
        except OSError:
            return
        from berth.client import Client as Fresh

        try:
            with Fresh(client.host, version=client.api_version) as c:
                c.containers.resize(cid, size.lines, size.columns)
        except Exception:  # gone already, or never a terminal
            pass

    send()
    return {signal.SIGWINCH: signal.signal(signal.SIGWINCH, send)}


def _restore_signals(saved: dict[int, Any]) -> None:
    import signal

    for sig, handler in saved.items():
        signal.signal(sig, handler)


def attached(client: Client, args: argparse.Namespace, cid: str) -> int:
    return stream_container(client, cid, args.interactive, args.tty, "start", args.rm,
                            chosen_detach_keys(args))


def stream_container(client: Client, cid: str, interactive: bool, tty: bool,
                     then: str | None, remove: bool = False, keys: str = "") -> int:
    """Attach, register a wait, ``then`` start (``run``, ``start -a``) or not
    (``attach``), copy the stream out, and return the container's exit status.
    ``keys``: the detach keys (berthd's default when empty)."""
    stream = client.containers.attach(cid, stdin=interactive, detach_keys=keys)
    try:
        waiter: PendingWait = client.containers.begin_wait(
            cid, "removed" if remove else "next-exit")
        waiter.registered(WAIT_REGISTERED_GRACE)
        if then == "start":
            try:
                start(client, cid, remove)
            except RunFailed:
                waiter.cancel()
                raise
        saved = _follow_terminal_size(client, cid) if tty else _proxy_signals(client, cid)
        stdin = _Stdin(_watched(keys))
        try:
            if interactive:
                import threading

                threading.Thread(target=stdin.pump, args=(stream,), daemon=True).start()
            multiplexed = is_multiplexed(stream.response.header("Content-Type"), tty)
            chunks = stream.iter_chunks()
            with _raw_terminal(tty and interactive):
                copy_frames(demux(chunks) if multiplexed else raw(chunks))
        finally:
            _restore_signals(saved)
    finally:
        stream.close()
    if stdin.detached:  # the container goes on without us
        waiter.cancel()
        if then is None:  # docker attach says so, and fails; run -it just returns
            print("read escape sequence", file=sys.stderr)
            return 1
        return 0
    result = waiter.result()
    error = (result.get("Error") or {}).get("Message")
    if error:
        print(f"berth: Error response from daemon: {error}", file=sys.stderr)
    status: int = result.get("StatusCode", DAEMON_ERROR)
    return status


class _raw_terminal:
    """Put our terminal in raw mode for ``-it`` (the container's tty does the echo)."""

    def __init__(self, enable: bool) -> None:
        self.enable = enable and os.isatty(0)
        self.saved: list[Any] | None = None

    def __enter__(self) -> None:
        if self.enable:
            import termios
            import tty

            self.saved = termios.tcgetattr(0)
            tty.setraw(0)

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            import termios

            termios.tcsetattr(0, termios.TCSADRAIN, self.saved)


def run(args: argparse.Namespace, client: Client) -> int:
    try:
        try:
            cid = create(client, args)
        except APIError as e:  # docker's run maps a create's failure as a start's
            raise RunFailed(f"Error response from daemon: {e.message}",
                            start_failure_status(e.message)) from e
        if args.detach:
            start(client, cid, args.rm)
            print(cid)
            return 0
        return attached(client, args, cid)
    except RunFailed as e:
        print(f"berth: {e.message}\n\nRun 'berth run --help' for more information",
              file=sys.stderr)
        return e.status
