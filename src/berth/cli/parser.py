"""The ``berth`` command line: argparse, with docker's flags and docker's usage errors.

argparse's own error handling (print usage, exit 2) is replaced by
``UsageError``, which ``main`` prints the way docker does and turns into
docker's exit status: 125 for a flag error (unknown flag, missing or bad flag
value: cobra's ``FlagErrorFunc``), 1 for a wrong number of arguments.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence


# argparse looks up every message with gettext, whose first lookup imports ``locale``
# (5 ms, a tenth of a whole ``berth ps``). docker speaks English only; so does berth.
def _ngettext(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


argparse._ = str  # type: ignore[attr-defined]
argparse.ngettext = _ngettext  # type: ignore[attr-defined]

FLAG_ERROR = 125
ARGS_ERROR = 1

COMMANDS: dict[str, str] = {
    "attach": "Attach local standard input, output, and error streams to a running container",
    "commit": "Create a new image from a container's changes",
    "diff": "Inspect changes to files or directories on a container's filesystem",
    "export": "Export a container's filesystem as a tar archive",
    "completion": "Generate the autocompletion script for the specified shell",
    "cp": "Copy files/folders between a container and the local filesystem",
    "create": "Create a new container",
    "events": "Get real time events from the server",
    "exec": "Execute a command in a running container",
    "history": "Show the history of an image",
    "image prune": "Remove unused images",
    "container prune": "Remove all stopped containers",
    "images": "List images",
    "inspect": "Return low-level information on berth objects",
    "kill": "Kill one or more running containers",
    "import": "Import the contents from a tarball to create a filesystem image",
    "info": "Display system-wide information",
    "load": "Load an image from a tar archive or STDIN",
    "login": "Log in to a registry",
    "logout": "Log out from a registry",
    "logs": "Fetch the logs of a container",
    "pause": "Pause all processes within one or more containers",
    "port": "List port mappings or a specific mapping for the container",
    "ps": "List containers",
    "pull": "Download an image from a registry",
    "push": "Upload an image to a registry",
    "registry gc": "Delete the blobs no manifest of a registry references",
    "registry serve": "Serve an OCI distribution registry",
    "rename": "Rename a container",
    "rmi": "Remove one or more images",
    "system df": "Show berth disk usage",
    "restart": "Restart one or more containers",
    "rm": "Remove one or more containers",
    "run": "Create and run a new container from an image",
    "save": "Save one or more images to a tar archive (streamed to STDOUT by default)",
    "start": "Start one or more stopped containers",
    "stats": "Display a live stream of container(s) resource usage statistics",
    "stop": "Stop one or more running containers",
    "tag": "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    "top": "Display the running processes of a container",
    "unpause": "Unpause all processes within one or more containers",
    "update": "Update configuration of one or more containers",
    "version": "Show the berth version information",
    "wait": "Block until one or more containers stop, then print their exit codes",
}

USAGE: dict[str, str] = {
    "attach": "berth attach [OPTIONS] CONTAINER",
    "commit": "berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    "diff": "berth diff CONTAINER",
    "export": "berth export [OPTIONS] CONTAINER",
    "cp": "berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
          "\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
    "completion": "berth completion bash|zsh|fish",
    "create": "berth create [OPTIONS] IMAGE [COMMAND] [ARG...]",
    "events": "berth events [OPTIONS]",
    "exec": "berth exec [OPTIONS] CONTAINER COMMAND [ARG...]",
    "history": "berth history [OPTIONS] IMAGE",
    "image prune": "berth image prune [OPTIONS]",
    "container prune": "berth container prune [OPTIONS]",
    "images": "berth images [OPTIONS] [REPOSITORY[:TAG]]",
    "import": "berth import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
    "info": "berth info [OPTIONS]",
    "inspect": "berth inspect [OPTIONS] NAME|ID [NAME|ID...]",
    "kill": "berth kill [OPTIONS] CONTAINER [CONTAINER...]",
    "load": "berth load [OPTIONS]",
    "login": "berth login [OPTIONS] [SERVER]",
    "logout": "berth logout [SERVER]",
    "logs": "berth logs [OPTIONS] CONTAINER",
    "pause": "berth pause CONTAINER [CONTAINER...]",
    "port": "berth port CONTAINER [PRIVATE_PORT[/PROTO]]",
    "ps": "berth ps [OPTIONS]",
    "pull": "berth pull [OPTIONS] NAME[:TAG|@DIGEST]",
    "push": "berth push [OPTIONS] NAME[:TAG]",
    "registry gc": "berth registry gc --root DIR [--dry-run]",
    "registry serve": "berth registry serve [OPTIONS] --root DIR",
    "rename": "berth rename CONTAINER NEW_NAME",
    "restart": "berth restart [OPTIONS] CONTAINER [CONTAINER...]",
    "rm": "berth rm [OPTIONS] CONTAINER [CONTAINER...]",
    "rmi": "berth rmi [OPTIONS] IMAGE [IMAGE...]",
    "system df": "berth system df [OPTIONS]",
    "run": "berth run [OPTIONS] IMAGE [COMMAND] [ARG...]",
    "save": "berth save [OPTIONS] IMAGE [IMAGE...]",
    "start": "berth start [OPTIONS] CONTAINER [CONTAINER...]",
    "stats": "berth stats [OPTIONS] [CONTAINER...]",
    "stop": "berth stop [OPTIONS] CONTAINER [CONTAINER...]",
    "tag": "berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    "top": "berth top CONTAINER [ps OPTIONS]",
    "unpause": "berth unpause CONTAINER [CONTAINER...]",
    "update": "berth update [OPTIONS] CONTAINER [CONTAINER...]",
    "version": "berth version [OPTIONS]",
    "wait": "berth wait CONTAINER [CONTAINER...]",
}

MIN_ARGS = {"commit": 1, "diff": 1, "export": 1,
            "completion": 1, "cp": 2, "update": 1, "attach": 1, "create": 1, "exec": 2,
            "history": 1, "rmi": 1,
            "logs": 1, "rm": 1, "run": 1, "import": 1, "inspect": 1, "kill": 1, "start": 1,
            "stop": 1, "wait": 1, "pause": 1, "unpause": 1, "restart": 1, "rename": 2,
            "port": 1, "tag": 2, "top": 1, "save": 1, "pull": 1, "push": 1}


class UsageError(Exception):
    def __init__(self, message: str, command: str | None, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.command = command
        self.status = status

    def render(self) -> str:
        path = f"berth {self.command}" if self.command else "berth"
        return f"berth: {self.message}\nSee '{path} --help'."


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, minus its ``import shutil`` (7 ms) for the terminal width:
    argparse builds one for every ``add_argument``, help or not."""

    def __init__(self, prog: str) -> None:
        try:
            columns = os.get_terminal_size(2).columns
        except OSError:
            columns = 80
        super().__init__(prog, width=columns - 2)


class _Parser(argparse.ArgumentParser):
    command: str | None = None

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _translate(message, self.command)


def _translate(message: str, command: str | None) -> UsageError:
    """argparse's message -> docker's wording and exit status."""
    if message.startswith("the following arguments are required") and command:
        n = MIN_ARGS.get(command, 1)
        word = "argument" if n == 1 else "arguments"
        return UsageError(f'"berth {command}" requires at least {n} {word}.\n'
                          f"See 'berth {command} --help'.\n\nUsage:  {USAGE[command]}\n\n"
                          f"{COMMANDS[command]}", command, ARGS_ERROR)
    if message.startswith("argument ") and ": " in message:
        flags, _, detail = message[len("argument "):].partition(": ")
        names = flags.split("/")
        long = next((n for n in names if n.startswith("--")), names[-1])
        if detail.startswith("expected one argument"):
            short = next((n for n in names if not n.startswith("--")), None)
            what = f"'{short[1:]}' in {short}" if short else long
            return UsageError(f"flag needs an argument: {what}", command, FLAG_ERROR)
        return UsageError(f'invalid argument for "{", ".join(names)}" flag: {detail}',
                          command, FLAG_ERROR)
    return UsageError(message, command, FLAG_ERROR)


def filter_flags(specs: Sequence[str], command: str) -> dict[str, list[str]]:
    """``--filter key=value`` flags as the API's filters map; docker's usage error for a
    spec without ``=``."""
    filters: dict[str, list[str]] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep:
            raise UsageError(f'invalid argument "{spec}" for "-f, --filter" flag: bad format '
                             "of filter (expected name=value)", command, FLAG_ERROR)
        filters.setdefault(key, []).append(value)
    return filters


def unknown_flag(arg: str, command: str | None) -> UsageError:
    if arg.startswith("--"):
        return UsageError(f"unknown flag: {arg.split('=', 1)[0]}", command, FLAG_ERROR)
    if arg.startswith("-") and len(arg) > 1:
        return UsageError(f"unknown shorthand flag: '{arg[1]}' in {arg}", command, FLAG_ERROR)
    return UsageError(f'"berth {command}" accepts no argument "{arg}".\n'
                      f"See 'berth {command} --help'.\n\nUsage:  {USAGE.get(command or '', '')}",
                      command, ARGS_ERROR)


def _run(run: _Parser) -> None:
    run.add_argument("-d", "--detach", action="store_true",
                     help="run the container in background and print its ID")
    _create(run)


def _create(run: _Parser) -> None:
    run.add_argument("--help", action="help", help="show this help message and exit")
    run.add_argument("--rm", action="store_true", help="remove the container when it exits")
    run.add_argument("--name", help="assign a name to the container")
    run.add_argument("-e", "--env", action="append", default=[], metavar="KEY[=VALUE]",
                     help="set an environment variable (a bare KEY takes the local value)")
    run.add_argument("--env-file", action="append", default=[], metavar="FILE",
                     help="read environment variables from a file")
    run.add_argument("-w", "--workdir", help="working directory inside the container")
    run.add_argument("--entrypoint", help="overwrite the default ENTRYPOINT of the image")
    run.add_argument("-u", "--user", help="username or UID (format: <name|uid>[:<group|gid>])")
    run.add_argument("-h", "--hostname", help="container host name")
    run.add_argument("-l", "--label", action="append", default=[], metavar="KEY=VALUE",
                     help="set metadata on the container")
    run.add_argument("-i", "--interactive", action="store_true",
                     help="keep STDIN open even if not attached")
    run.add_argument("-t", "--tty", action="store_true", help="allocate a pseudo-TTY")
    from berth.cli import hostconfig  # it raises this module's UsageError: no import cycle

    hostconfig.add_flags(run)
    run.add_argument("image", metavar="IMAGE")
    run.add_argument("args", nargs=argparse.REMAINDER, metavar="COMMAND [ARG...]")


def _ps(ps: _Parser) -> None:
    ps.add_argument("-a", "--all", action="store_true",
                    help="show all containers (default shows just running)")
    ps.add_argument("-q", "--quiet", action="store_true", help="only display container IDs")
    ps.add_argument("--no-trunc", action="store_true", help="don't truncate output")
    ps.add_argument("-n", "--last", type=int, default=-1,
                    help="show n last created containers (includes all states)")
    ps.add_argument("-l", "--latest", action="store_true",
                    help="show the latest created container (includes all states)")
    ps.add_argument("-f", "--filter", action="append", default=[],
                    help="filter output based on conditions provided")
    ps.add_argument("-s", "--size", action="store_true", help="display total file sizes")
    _format_flag(ps)


def _images(images: _Parser) -> None:
    images.add_argument("-a", "--all", action="store_true",
                        help="show all images (default hides intermediate images)")
    images.add_argument("-q", "--quiet", action="store_true", help="only show image IDs")
    images.add_argument("--no-trunc", action="store_true", help="don't truncate output")
    images.add_argument("--digests", action="store_true", help="show digests")
    images.add_argument("-f", "--filter", action="append", default=[],
                        help="filter output based on conditions provided")
    _format_flag(images)
    images.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")


def _import(imp: _Parser) -> None:
    imp.add_argument("-c", "--change", action="append", default=[], metavar="CHANGE",
                     help="apply a Dockerfile instruction to the created image")
    imp.add_argument("-m", "--message", default="", help="set commit message for imported image")
    imp.add_argument("source", metavar="file|URL|-")
    imp.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")


def _save(save: _Parser) -> None:
    save.add_argument("-o", "--output", default="", help="write to a file, instead of STDOUT")
    save.add_argument("images", nargs="+", metavar="IMAGE")


def _load(load: _Parser) -> None:
    load.add_argument("-i", "--input", default="",
                      help="read from tar archive file, instead of STDIN")
    load.add_argument("-q", "--quiet", action="store_true", help="suppress the load output")


def _pull(pull: _Parser) -> None:
    pull.add_argument("--platform", default="", help="set platform if server is multi-platform "
                      "capable")
    pull.add_argument("-a", "--all-tags", action="store_true",
                      help="download all tagged images in the repository")
    pull.add_argument("-q", "--quiet", action="store_true", help="suppress verbose output")
    pull.add_argument("image", metavar="NAME[:TAG|@DIGEST]")


def _push(push: _Parser) -> None:
    push.add_argument("-a", "--all-tags", action="store_true",
                      help="push all tags of an image to the repository")
    push.add_argument("-q", "--quiet", action="store_true", help="suppress verbose output")
    push.add_argument("image", metavar="NAME[:TAG]")


def _login(login: _Parser) -> None:
    login.add_argument("-u", "--username", default="", help="username")
    login.add_argument("-p", "--password", default="", help="password")
    login.add_argument("--password-stdin", action="store_true",
                       help="take the password from stdin")
    login.add_argument("server", nargs="?", default="", metavar="SERVER")


def _logout(logout: _Parser) -> None:
    logout.add_argument("server", nargs="?", default="", metavar="SERVER")


def _logs(logs: _Parser) -> None:
    logs.add_argument("-f", "--follow", action="store_true", help="follow log output")
    logs.add_argument("-t", "--timestamps", action="store_true", help="show timestamps")
    logs.add_argument("-n", "--tail", default="all",
                      help='number of lines to show from the end of the logs (default "all")')
    logs.add_argument("--since", help="show logs since timestamp or relative (e.g. 42m)")
    logs.add_argument("--until", help="show logs before a timestamp or relative (e.g. 42m)")
    logs.add_argument("container", metavar="CONTAINER")


def _rm(rm: _Parser) -> None:
    rm.add_argument("-f", "--force", action="store_true",
                    help="force the removal of a running container (uses SIGKILL)")
    rm.add_argument("-v", "--volumes", action="store_true",
                    help="remove anonymous volumes associated with the container")
    rm.add_argument("containers", nargs="+", metavar="CONTAINER")


def _containers(p: _Parser) -> None:
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def _stop(stop: _Parser) -> None:
    stop.add_argument("-s", "--signal", help="signal to send to the container")
    stop.add_argument("-t", "--time", type=int, help="seconds to wait before killing it")
    _containers(stop)


def _restart(restart: _Parser) -> None:
    restart.add_argument("-t", "--time", type=int, help="seconds to wait before killing it")
    _containers(restart)


def _rename(rename: _Parser) -> None:
    rename.add_argument("container", metavar="CONTAINER")
    rename.add_argument("new_name", metavar="NEW_NAME")


def _tag(tag: _Parser) -> None:
    tag.add_argument("source", metavar="SOURCE_IMAGE[:TAG]")
    tag.add_argument("target", metavar="TARGET_IMAGE[:TAG]")


def _port(port: _Parser) -> None:
    port.add_argument("container", metavar="CONTAINER")
    port.add_argument("private_port", nargs="?", metavar="PRIVATE_PORT[/PROTO]")


def _top(top: _Parser) -> None:
    top.add_argument("container", metavar="CONTAINER")
    top.add_argument("ps_args", nargs=argparse.REMAINDER, metavar="ps OPTIONS")


def _kill(kill: _Parser) -> None:
    kill.add_argument("-s", "--signal", help='signal to send to the container (default "KILL")')
    _containers(kill)


def _inspect(inspect: _Parser) -> None:
    inspect.add_argument("--type", choices=("container", "image"),
                         help="only inspect objects of this type")
    _format_flag(inspect, "-f")
    inspect.add_argument("names", nargs="+", metavar="NAME|ID")


def _stats(stats: _Parser) -> None:
    stats.add_argument("-a", "--all", action="store_true",
                       help="show all containers (default shows just running)")
    stats.add_argument("--no-stream", action="store_true",
                       help="disable streaming stats and only pull the first result")
    stats.add_argument("--no-trunc", action="store_true", help="do not truncate output")
    stats.add_argument("containers", nargs="*", metavar="CONTAINER")


def _update(update: _Parser) -> None:
    update.add_argument("-m", "--memory", help="memory limit")
    update.add_argument("--memory-swap", help="swap limit equal to memory plus swap")
    update.add_argument("--cpus", help="number of CPUs")
    update.add_argument("-c", "--cpu-shares", type=int, help="CPU shares (relative weight)")
    update.add_argument("--cpu-period", type=int, help="limit CPU CFS period")
    update.add_argument("--cpu-quota", type=int, help="limit CPU CFS quota")
    update.add_argument("--pids-limit", type=int, help="tune container pids limit")
    update.add_argument("--blkio-weight", help="block IO (relative weight), between 10 and "
                                               "1000, or 0 to disable")
    update.add_argument("--restart", help="restart policy to apply when a container exits")
    _containers(update)


def _events(events: _Parser) -> None:
    events.add_argument("-f", "--filter", action="append", default=[],
                        help="filter output based on conditions provided")
    events.add_argument("--since", help="show all events created since timestamp")
    events.add_argument("--until", help="stream events until this timestamp")


def _completion(completion: _Parser) -> None:
    completion.add_argument("shell", metavar="SHELL")


def _cp(cp: _Parser) -> None:
    cp.add_argument("-q", "--quiet", action="store_true", help="suppress progress output")
    cp.add_argument("src", metavar="SRC")
    cp.add_argument("dest", metavar="DEST")


def _attach(attach: _Parser) -> None:
    attach.add_argument("--no-stdin", action="store_true", help="do not attach STDIN")
    attach.add_argument("container", metavar="CONTAINER")


def _start(start: _Parser) -> None:
    start.add_argument("-a", "--attach", action="store_true",
                       help="attach STDOUT/STDERR and forward signals")
    start.add_argument("-i", "--interactive", action="store_true",
                       help="attach container's STDIN")
    _containers(start)


def _exec(ex: _Parser) -> None:
    ex.add_argument("-d", "--detach", action="store_true",
                    help="detached mode: run command in the background")
    ex.add_argument("-i", "--interactive", action="store_true",
                    help="keep STDIN open even if not attached")
    ex.add_argument("-t", "--tty", action="store_true", help="allocate a pseudo-TTY")
    ex.add_argument("-u", "--user", help="username or UID (format: <name|uid>[:<group|gid>])")
    ex.add_argument("-w", "--workdir", help="working directory inside the container")
    ex.add_argument("-e", "--env", action="append", default=[], metavar="KEY[=VALUE]",
                    help="set environment variables")
    ex.add_argument("--env-file", action="append", default=[], metavar="FILE",
                    help="read in a file of environment variables")
    ex.add_argument("--privileged", action="store_true",
                    help="give extended privileges to the command")
    ex.add_argument("container", metavar="CONTAINER")
    ex.add_argument("cmd", metavar="COMMAND")
    ex.add_argument("args", nargs=argparse.REMAINDER, metavar="ARG")


def _rmi(rmi: _Parser) -> None:
    rmi.add_argument("-f", "--force", action="store_true", help="force removal of the image")
    rmi.add_argument("--no-prune", action="store_true", help="do not delete untagged parents")
    rmi.add_argument("images", nargs="+", metavar="IMAGE")


def _history(history: _Parser) -> None:
    history.add_argument("-H", "--human", nargs="?", const="true", default="true",
                         help="print sizes and dates in human readable format (default true)")
    history.add_argument("--no-trunc", action="store_true", help="don't truncate output")
    history.add_argument("-q", "--quiet", action="store_true", help="only show image IDs")
    _format_flag(history)
    history.add_argument("image", metavar="IMAGE")


def _container_prune(prune: _Parser) -> None:
    prune.add_argument("--filter", action="append", default=[],
                       help='provide filter values (e.g. "until=<timestamp>")')
    prune.add_argument("-f", "--force", action="store_true", help="do not prompt for confirmation")


def _image_prune(prune: _Parser) -> None:
    prune.add_argument("-a", "--all", action="store_true",
                       help="remove all unused images, not just dangling ones")
    prune.add_argument("--filter", action="append", default=[],
                       help='provide filter values (e.g. "until=<timestamp>")')
    prune.add_argument("-f", "--force", action="store_true", help="do not prompt for confirmation")


def _system_df(df: _Parser) -> None:
    df.add_argument("-v", "--verbose", action="store_true", help="show detailed information")
    _format_flag(df)


def _registry_serve(serve: _Parser) -> None:
    serve.add_argument("--addr", default="127.0.0.1:5000",
                       help="address to listen on, HOST:PORT (default 127.0.0.1:5000)")
    serve.add_argument("--root", required=True, help="directory of the registry's storage")
    serve.add_argument("--htpasswd", help="require basic auth against this htpasswd file "
                       "(bcrypt entries: htpasswd -B)")
    serve.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--tls-key", help="the certificate's private key (PEM)")


def _registry_gc(gc: _Parser) -> None:
    gc.add_argument("--root", required=True, help="directory of the registry's storage")
    gc.add_argument("--dry-run", action="store_true", help="only print what would be deleted")


def _commit(commit: _Parser) -> None:
    commit.add_argument("-a", "--author", help='author (e.g., "John Hannibal Smith '
                        '<hannibal@a-team.com>")')
    commit.add_argument("-c", "--change", action="append", default=[],
                        help="apply Dockerfile instruction to the created image")
    commit.add_argument("-m", "--message", help="commit message")
    commit.add_argument("-p", "--pause", nargs="?", const="true", default="true",
                        help="pause container during commit (default true)")
    commit.add_argument("container", metavar="CONTAINER")
    commit.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")


def _diff(diff: _Parser) -> None:
    diff.add_argument("container", metavar="CONTAINER")


def _export(export: _Parser) -> None:
    export.add_argument("-o", "--output", help="write to a file, instead of STDOUT")
    export.add_argument("container", metavar="CONTAINER")


def _nothing(p: _Parser) -> None:
    pass


def _format_flag(p: _Parser, *short: str) -> None:
    p.add_argument(*short, "--format", metavar="string",
                   help="format output using a custom template: 'table', 'table TEMPLATE', "
                        "'json' or a Go template")


def _with_format(p: _Parser) -> None:
    _format_flag(p, "-f")


BUILDERS: dict[str, Callable[[_Parser], None]] = {
    "commit": _commit, "diff": _diff, "export": _export,
    "attach": _attach, "completion": _completion, "cp": _cp, "create": _create,
    "events": _events, "exec": _exec,
    "history": _history,
    "image prune": _image_prune, "container prune": _container_prune, "rmi": _rmi,
    "stats": _stats, "system df": _system_df,
    "update": _update,
    "images": _images, "import": _import, "info": _with_format, "inspect": _inspect,
    "kill": _kill, "logs": _logs, "ps": _ps, "rm": _rm, "run": _run,
    "start": _start, "stop": _stop, "version": _with_format, "wait": _containers,
    "pause": _containers, "unpause": _containers, "restart": _restart, "rename": _rename,
    "port": _port, "tag": _tag, "top": _top, "save": _save, "load": _load,
    "registry serve": _registry_serve, "registry gc": _registry_gc,
    "pull": _pull, "push": _push, "login": _login, "logout": _logout,
}


GROUPS: dict[str, tuple[str, dict[str, str]]] = {
    "image": ("Manage images", {
        "history": "history", "import": "import", "inspect": "inspect", "load": "load",
        "ls": "images", "save": "save", "pull": "pull", "push": "push",
        "prune": "image prune", "rm": "rmi", "tag": "tag"}),
    "system": ("Manage berth", {"df": "system df", "info": "info", "events": "events"}),
    "container": ("Manage containers", {
        c: c for c in ("attach", "commit", "cp", "create", "diff", "exec", "export", "inspect",
                       "kill", "logs", "pause", "port", "rename", "restart", "rm", "run",
                       "start", "stats", "stop", "top", "unpause", "update", "wait")} | {
        "ls": "ps", "prune": "container prune"}),
    "registry": ("Serve an OCI registry", {"serve": "registry serve", "gc": "registry gc"}),
}
"""docker's management commands: ``berth image ls`` is ``berth images``."""
ALIASES = {"list": "ls", "remove": "rm"}


def _did_you_mean(word: str, choices: Sequence[str] | dict[str, str]) -> str:
    """cobra's hint for a typo: the close matches, one a line."""
    import difflib

    matches = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    return "\n\nDid you mean this?\n" + "".join(f"\t{m}\n" for m in matches) if matches else ""


def group_help(group: str) -> str:
    text, members = GROUPS[group]
    lines = [f"  {sub:<10}{COMMANDS[command]}" for sub, command in sorted(members.items())]
    return (f"\nUsage:  berth {group} COMMAND\n\n{text}\n\nCommands:\n" + "\n".join(lines)
            + f"\n\nRun 'berth {group} COMMAND --help' for more information on a command.\n")


def command_parser(name: str) -> _Parser:
    """The parser of one command (only the one that runs is ever built: argparse is
    slow to set up, and ``berth`` should start fast)."""
    p = _Parser(prog=f"berth {name}", usage=USAGE[name], description=COMMANDS[name],
                allow_abbrev=False, add_help=name not in ("run", "create"),  # -h: --hostname
                formatter_class=_Formatter)
    p.command = name
    BUILDERS[name](p)
    return p


TOP_HELP = """Usage:  berth [OPTIONS] COMMAND

A Docker-compatible container engine

Options:
  -H, --host string   Daemon socket to connect to (default $BERTH_HOST, $DOCKER_HOST,
                      unix:///run/berth/berthd.sock)
  -v, --version       Print version information and quit
  -h, --help          Print usage

Commands:
{commands}

Run 'berth COMMAND --help' for more information on a command.
"""


def top_help() -> str:
    lines = [f"  {name:<10}{text}" for name, text in sorted(COMMANDS.items()) if " " not in name]
    lines += ["", "Management Commands:"]
    lines += [f"  {name:<10}{text}" for name, (text, _) in sorted(GROUPS.items())]
    return TOP_HELP.format(commands="\n".join(lines))


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Global options, then the command and its own arguments (docker's order)."""
    host: str | None = None
    version = show_help = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-H", "--host"):
            if i + 1 >= len(argv):
                raise UsageError("flag needs an argument: " + (
                    "'H' in -H" if arg == "-H" else "--host"), None, FLAG_ERROR)
            host = argv[i + 1]
            i += 2
            continue
        if arg.startswith("--host="):
            host = arg.split("=", 1)[1]
        elif arg.startswith("-H") and len(arg) > 2:
            host = arg[2:].removeprefix("=")
        elif arg in ("-v", "--version"):
            version = True
        elif arg in ("-h", "--help"):
            show_help = True
        elif arg.startswith("-"):
            raise unknown_flag(arg, None)
        else:
            break
        i += 1
    if i == len(argv) or version or show_help:
        return argparse.Namespace(host=host, version=version, command=None)
    name = argv[i]
    group = GROUPS.get(name)
    if group is not None:
        sub = argv[i + 1] if i + 1 < len(argv) else ""
        sub = ALIASES.get(sub, sub)
        if sub in ("", "-h", "--help"):
            return argparse.Namespace(host=host, version=False, command=None, group=name)
        if sub not in group[1]:
            raise UsageError(f"'{name} {sub}' is not a berth command."
                             + _did_you_mean(sub, group[1]), None, ARGS_ERROR)
        name = group[1][sub]
        i += 1
    if name not in BUILDERS:
        known = [n for n in BUILDERS if " " not in n] + list(GROUPS)
        raise UsageError(f"'{name}' is not a berth command." + _did_you_mean(name, known),
                         None, ARGS_ERROR)
    args, extra = command_parser(name).parse_known_args(list(argv[i + 1:]))
    if extra:
        raise unknown_flag(extra[0], name)
    args.host, args.version, args.command = host, False, name
    if group is not None and name == "inspect":
        args.type = "image"
    return args
