"""``berth build``: the context sent to berthd, its output shown as docker's legacy builder.

``--progress=plain`` (and ``auto`` when stdout is no terminal) prints every line as
docker does: ``Step 3/9 : RUN ...``, `` ---> Using cache``, the steps' output.
On a terminal (``auto``, ``tty``) the view is compact: the step lines stay, a
running step's output shows as one line rewritten in place, and it is printed
whole only when the step fails. ``-q``/``--progress=quiet`` prints the image id.
"""

from __future__ import annotations

import os
import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, BinaryIO

    from berth.client import Client


def _pairs(values: list[str], flag: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for value in values:
        key, eq, val = value.partition("=")
        if not key:
            raise ValueError(f"invalid argument {value!r} for \"{flag}\" flag")
        # docker: --build-arg NAME alone takes NAME's value from the environment
        out[key] = val if eq else os.environ.get(key)
    return out


def _secrets(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        fields = dict(f.partition("=")[::2] for f in value.split(","))
        ident = fields.get("id", "")
        src = fields.get("src") or fields.get("source") or ""
        if not ident or not src:
            raise ValueError(f"invalid secret {value!r}: id=NAME,src=PATH")
        if not os.path.isfile(src):
            raise ValueError(f"secret {ident}: {src}: no such file")
        out[ident] = src
    return out


def _memory(text: str) -> int:
    if not text:
        return 0
    units = {"b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    last = text[-1].lower()
    if last in units:
        return int(float(text[:-1]) * units[last])
    return int(text)


def _context(args: argparse.Namespace) -> tuple[BinaryIO, str]:
    from berth.client.build import context_tar, stdin_context

    build_secrets = _secrets(args.secret)
    if args.context == "-":
        if args.file == "-":
            raise ValueError("invalid argument: can't use stdin for both build context and "
                             "dockerfile")
        return stdin_context(sys.stdin.buffer.read()), args.file or "Dockerfile"
    if args.context.startswith(("http://", "https://", "git@", "git://", "github.com/")):
        return stdin_context(b""), args.file or "Dockerfile"  # berthd fetches it
    if not os.path.isdir(args.context):
        raise ValueError(f'unable to prepare context: path "{args.context}" not found')
    context = os.path.abspath(args.context)
    if args.file == "-":
        return context_tar(context, sys.stdin.buffer.read(), "", build_secrets)
    dockerfile = args.file or os.path.join(context, "Dockerfile")
    path = os.path.abspath(dockerfile if os.path.isabs(dockerfile) or not args.file
                           else os.path.join(os.getcwd(), dockerfile))
    if not os.path.isfile(path):
        raise ValueError(f"unable to prepare context: unable to evaluate symlinks in Dockerfile "
                         f"path: lstat {path}: no such file or directory")
    rel = os.path.relpath(path, context)
    if rel.startswith(".."):
        with open(path, "rb") as f:
            return context_tar(context, f.read(), "", build_secrets)
    return context_tar(context, None, rel, build_secrets)


def run(args: argparse.Namespace, client: Client) -> int:
    from berth.client.build import build_query

    quiet = args.quiet or args.progress == "quiet"
    try:
        tar, dockerfile = _context(args)
        build_args = _pairs(args.build_arg, "--build-arg")
        labels = {k: v or "" for k, v in _pairs(args.label, "--label").items()}
        limits = {"memory": _memory(args.memory), "cpushares": args.cpu_shares,
                  "cpuperiod": args.cpu_period, "cpuquota": args.cpu_quota,
                  "cpusetcpus": args.cpuset_cpus}
    except (ValueError, OSError) as e:
        print(str(e), file=sys.stderr)
        return 1
    remote = args.context if args.context.startswith(
        ("http://", "https://", "git@", "git://", "github.com/")) else ""
    query = build_query(args.tag, dockerfile, build_args, args.target, args.no_cache, args.pull,
                        args.cache_from, labels, quiet, args.network, args.add_host,
                        args.platform, sorted(_secrets(args.secret)), limits,
                        rm=args.rm != "false", force_rm=args.force_rm)
    if remote:
        query.append(("remote", remote))
    live = (not quiet and args.progress in ("auto", "tty") and sys.stdout.isatty()) \
        or args.progress == "tty"
    view: _View = _Live() if live else _Plain(quiet)
    image_id = ""
    with tar:
        if not quiet:
            size = os.fstat(tar.fileno()).st_size
            print(f"Sending build context to berth daemon  {_human(size)}\n", flush=True)
        for msg in client.build.build(tar, query):
            if msg.get("error") or msg.get("errorDetail"):
                detail = msg.get("errorDetail") or {}
                view.failed()
                print(str(msg.get("error") or detail.get("message")), file=sys.stderr)
                code = detail.get("code") if isinstance(detail, dict) else None
                return code if isinstance(code, int) and 0 < code < 256 else 1
            aux = msg.get("aux")
            if isinstance(aux, dict) and aux.get("ID"):
                image_id = str(aux["ID"])
            view.show(msg)
    view.done()
    if quiet and image_id:
        print(image_id)
    if args.iidfile and image_id:
        with open(args.iidfile, "w") as f:
            f.write(image_id)
    return 0


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.4g}{unit}"
        n /= 1000
    return f"{n:.4g}TB"


class _View:
    def show(self, msg: dict[str, Any]) -> None: ...
    def failed(self) -> None: ...
    def done(self) -> None: ...


class _Plain(_View):
    def __init__(self, quiet: bool) -> None:
        self._quiet = quiet

    def show(self, msg: dict[str, Any]) -> None:
        text = msg.get("stream")
        if isinstance(text, str) and not self._quiet:
            sys.stdout.write(text)
            sys.stdout.flush()


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class _Live(_View):
    """Step lines kept; a running step's output as one line rewritten in place."""

    def __init__(self) -> None:
        self._step_output: list[str] = []
        self._shown = False
        self._width = max(20, os.get_terminal_size(sys.stdout.fileno()).columns - 1) \
            if sys.stdout.isatty() else 79

    def _clear(self) -> None:
        if self._shown:
            sys.stdout.write("\r\x1b[K")
            self._shown = False

    def show(self, msg: dict[str, Any]) -> None:
        text = msg.get("stream")
        if not isinstance(text, str):
            return
        for line in text.splitlines(keepends=True):
            if line.startswith(("Step ", " ---> ", "Successfully ", "Removing intermediate",
                                "[Warning]", "# Executing")):
                self._clear()
                if line.startswith("Step "):
                    self._step_output = []
                sys.stdout.write(line if line.endswith("\n") else line + "\n")
            else:
                self._step_output.append(line)
                last = _ANSI.sub("", line).rstrip("\n").replace("\t", " ")[-self._width + 4:]
                if not last.strip():
                    continue
                self._clear()
                sys.stdout.write(f"\x1b[2m  {last}\x1b[0m")
                self._shown = True
        sys.stdout.flush()

    def failed(self) -> None:
        self._clear()
        sys.stdout.write("".join(self._step_output))
        sys.stdout.flush()

    def done(self) -> None:
        self._clear()
        sys.stdout.flush()
