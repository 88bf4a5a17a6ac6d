"""Each command's flags and arguments (built only for the command that runs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from berth.cli.usage import Parser


def _run(run: Parser) -> None:
    run.add_argument("-d", "--detach", action="store_true",
                     help="run the container in background and print its ID")
    _detach_keys(run)
    _create(run)


def _create(run: Parser) -> None:
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
    run.add_argument("--pull", default="missing",
                     help='pull image before running ("always", "missing", "never")')
    run.add_argument("--platform", default="",
                     help="set platform if server is multi-platform capable")
    run.add_argument("-q", "--quiet", action="store_true", help="suppress the pull output")
    from berth.cli import hostconfig  # lazily: only run and create need it

    hostconfig.add_flags(run)
    run.add_argument("image", metavar="IMAGE")
    run.add_argument("args", nargs=argparse.REMAINDER, metavar="COMMAND [ARG...]")


def _ps(ps: Parser) -> None:
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


def _images(images: Parser) -> None:
    images.add_argument("-a", "--all", action="store_true",
                        help="show all images (default hides intermediate images)")
    images.add_argument("-q", "--quiet", action="store_true", help="only show image IDs")
    images.add_argument("--no-trunc", action="store_true", help="don't truncate output")
    images.add_argument("--digests", action="store_true", help="show digests")
    images.add_argument("-f", "--filter", action="append", default=[],
                        help="filter output based on conditions provided")
    _format_flag(images)
    images.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")


def _import(imp: Parser) -> None:
    imp.add_argument("-c", "--change", action="append", default=[], metavar="CHANGE",
                     help="apply a Dockerfile instruction to the created image")
    imp.add_argument("-m", "--message", default="", help="set commit message for imported image")
    imp.add_argument("source", metavar="file|URL|-")
    imp.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")


def _build(b: Parser) -> None:
    b.add_argument("-t", "--tag", action="append", default=[], metavar="NAME[:TAG]",
                   help='name and optionally a tag in the "name:tag" format')
    b.add_argument("-f", "--file", default="", help="name of the Dockerfile (default: "
                   '"PATH/Dockerfile")')
    b.add_argument("--build-arg", action="append", default=[], metavar="ARG",
                   help="set build-time variables")
    b.add_argument("--target", default="", help="set the target build stage to build")
    b.add_argument("--no-cache", action="store_true", help="do not use cache when building")
    b.add_argument("--pull", action="store_true", help="always attempt to pull a newer version "
                   "of the image")
    b.add_argument("--cache-from", action="append", default=[], metavar="IMAGE",
                   help="images to consider as cache sources")
    b.add_argument("--label", action="append", default=[], help="set metadata for an image")
    b.add_argument("-q", "--quiet", action="store_true", help="suppress the build output and "
                   "print image ID on success")
    b.add_argument("--iidfile", default="", help="write the image ID to the file")
    b.add_argument("--rm", default="true", nargs="?", const="true",
                   help="remove intermediate containers after a successful build")
    b.add_argument("--force-rm", action="store_true", help="always remove intermediate "
                   "containers")
    b.add_argument("--network", default="", help="set the networking mode for the RUN "
                   "instructions during build")
    b.add_argument("--add-host", action="append", default=[], metavar="HOST:IP",
                   help="add a custom host-to-IP mapping (host:ip)")
    b.add_argument("--secret", action="append", default=[], help="secret to expose to the "
                   "build (id=mysecret,src=/local/secret)")
    b.add_argument("--platform", default="", help="set platform if server is multi-platform "
                   "capable")
    b.add_argument("--progress", default="auto", choices=("auto", "plain", "tty", "quiet"),
                   help="set type of progress output (auto, plain, tty, quiet)")
    b.add_argument("-m", "--memory", default="", help="memory limit of the RUN steps")
    b.add_argument("--cpu-shares", type=int, default=0, help="CPU shares (relative weight)")
    b.add_argument("--cpu-period", type=int, default=0, help="limit the CPU CFS period")
    b.add_argument("--cpu-quota", type=int, default=0, help="limit the CPU CFS quota")
    b.add_argument("--cpuset-cpus", default="", help="CPUs in which to allow execution")
    b.add_argument("context", metavar="PATH | URL | -")


def _builder_prune(p: Parser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="remove all unused build cache")
    p.add_argument("-f", "--force", action="store_true", help="do not prompt for confirmation")


def _save(save: Parser) -> None:
    save.add_argument("-o", "--output", default="", help="write to a file, instead of STDOUT")
    save.add_argument("images", nargs="+", metavar="IMAGE")


def _load(load: Parser) -> None:
    load.add_argument("-i", "--input", default="",
                      help="read from tar archive file, instead of STDIN")
    load.add_argument("-q", "--quiet", action="store_true", help="suppress the load output")


def _pull(pull: Parser) -> None:
    pull.add_argument("--platform", default="", help="set platform if server is multi-platform "
                      "capable")
    pull.add_argument("-a", "--all-tags", action="store_true",
                      help="download all tagged images in the repository")
    pull.add_argument("-q", "--quiet", action="store_true", help="suppress verbose output")
    pull.add_argument("image", metavar="NAME[:TAG|@DIGEST]")


def _push(push: Parser) -> None:
    push.add_argument("-a", "--all-tags", action="store_true",
                      help="push all tags of an image to the repository")
    push.add_argument("-q", "--quiet", action="store_true", help="suppress verbose output")
    push.add_argument("image", metavar="NAME[:TAG]")


def _login(login: Parser) -> None:
    login.add_argument("-u", "--username", default="", help="username")
    login.add_argument("-p", "--password", default="", help="password")
    login.add_argument("--password-stdin", action="store_true",
                       help="take the password from stdin")
    login.add_argument("server", nargs="?", default="", metavar="SERVER")


def _logout(logout: Parser) -> None:
    logout.add_argument("server", nargs="?", default="", metavar="SERVER")


def _logs(logs: Parser) -> None:
    logs.add_argument("-f", "--follow", action="store_true", help="follow log output")
    logs.add_argument("-t", "--timestamps", action="store_true", help="show timestamps")
    logs.add_argument("--details", action="store_true",
                      help="show extra details provided to logs")
    logs.add_argument("-n", "--tail", default="all",
                      help='number of lines to show from the end of the logs (default "all")')
    logs.add_argument("--since", help="show logs since timestamp or relative (e.g. 42m)")
    logs.add_argument("--until", help="show logs before a timestamp or relative (e.g. 42m)")
    logs.add_argument("container", metavar="CONTAINER")


def _rm(rm: Parser) -> None:
    rm.add_argument("-f", "--force", action="store_true",
                    help="force the removal of a running container (uses SIGKILL)")
    rm.add_argument("-v", "--volumes", action="store_true",
                    help="remove anonymous volumes associated with the container")
    rm.add_argument("containers", nargs="+", metavar="CONTAINER")


def _containers(p: Parser) -> None:
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def _timeout(p: Parser) -> None:
    """docker 28's ``-t, --timeout``; ``--time``, its old name, stays as a hidden alias."""
    p.add_argument("-t", "--timeout", type=int, dest="time",
                   help="seconds to wait before killing the container")
    p.add_argument("--time", type=int, dest="time", help=argparse.SUPPRESS)


def _stop(stop: Parser) -> None:
    stop.add_argument("-s", "--signal", help="signal to send to the container")
    _timeout(stop)
    _containers(stop)


def _restart(restart: Parser) -> None:
    restart.add_argument("-s", "--signal", help="signal to send to the container")
    _timeout(restart)
    _containers(restart)


def _rename(rename: Parser) -> None:
    rename.add_argument("container", metavar="CONTAINER")
    rename.add_argument("new_name", metavar="NEW_NAME")


def _tag(tag: Parser) -> None:
    tag.add_argument("source", metavar="SOURCE_IMAGE[:TAG]")
    tag.add_argument("target", metavar="TARGET_IMAGE[:TAG]")


def _port(port: Parser) -> None:
    port.add_argument("container", metavar="CONTAINER")
    port.add_argument("private_port", nargs="?", metavar="PRIVATE_PORT[/PROTO]")


def _top(top: Parser) -> None:
    top.add_argument("container", metavar="CONTAINER")
    top.add_argument("ps_args", nargs=argparse.REMAINDER, metavar="ps OPTIONS")


def _kill(kill: Parser) -> None:
    kill.add_argument("-s", "--signal", help='signal to send to the container (default "KILL")')
    _containers(kill)


def _inspect(inspect: Parser) -> None:
    inspect.add_argument("--type", choices=("container", "image"),
                         help="only inspect objects of this type")
    _format_flag(inspect, "-f")
    inspect.add_argument("names", nargs="+", metavar="NAME|ID")


def _stats(stats: Parser) -> None:
    stats.add_argument("-a", "--all", action="store_true",
                       help="show all containers (default shows just running)")
    stats.add_argument("--no-stream", action="store_true",
                       help="disable streaming stats and only pull the first result")
    stats.add_argument("--no-trunc", action="store_true", help="do not truncate output")
    stats.add_argument("containers", nargs="*", metavar="CONTAINER")


def _update(update: Parser) -> None:
    update.add_argument("-m", "--memory", help="memory limit")
    update.add_argument("--memory-swap", help="swap limit equal to memory plus swap")
    update.add_argument("--cpus", help="number of CPUs")
    update.add_argument("-c", "--cpu-shares", type=int, help="CPU shares (relative weight)")
    update.add_argument("--cpu-period", type=int, help="limit CPU CFS period")
    update.add_argument("--cpu-quota", type=int, help="limit CPU CFS quota")
    update.add_argument("--pids-limit", type=int, help="tune container pids limit")
    update.add_argument("--blkio-weight", help="block IO (relative weight), between 10 and "
                                               "1000, or 0 to disable")
    update.add_argument("--cpuset-cpus", help="CPUs in which to allow execution (0-3, 0,1)")
    update.add_argument("--cpuset-mems", help="MEMs in which to allow execution (0-3, 0,1)")
    update.add_argument("--restart", help="restart policy to apply when a container exits")
    _containers(update)


def _events(events: Parser) -> None:
    events.add_argument("-f", "--filter", action="append", default=[],
                        help="filter output based on conditions provided")
    events.add_argument("--since", help="show all events created since timestamp")
    events.add_argument("--until", help="stream events until this timestamp")


def _completion(completion: Parser) -> None:
    completion.add_argument("shell", metavar="SHELL")


def _cp(cp: Parser) -> None:
    cp.add_argument("-q", "--quiet", action="store_true", help="suppress progress output")
    cp.add_argument("-a", "--archive", action="store_true",
                    help="archive mode (copy all uid/gid information)")
    cp.add_argument("-L", "--follow-link", action="store_true",
                    help="always follow symbol link in SRC_PATH")
    cp.add_argument("src", metavar="SRC")
    cp.add_argument("dest", metavar="DEST")


def _detach_keys(p: Parser) -> None:
    p.add_argument("--detach-keys", default="",
                   help="override the key sequence for detaching a container")


def _attach(attach: Parser) -> None:
    attach.add_argument("--no-stdin", action="store_true", help="do not attach STDIN")
    _detach_keys(attach)
    attach.add_argument("container", metavar="CONTAINER")


def _start(start: Parser) -> None:
    start.add_argument("-a", "--attach", action="store_true",
                       help="attach STDOUT/STDERR and forward signals")
    start.add_argument("-i", "--interactive", action="store_true",
                       help="attach container's STDIN")
    _detach_keys(start)
    _containers(start)


def _exec(ex: Parser) -> None:
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
    _detach_keys(ex)
    ex.add_argument("container", metavar="CONTAINER")
    ex.add_argument("cmd", metavar="COMMAND")
    ex.add_argument("args", nargs=argparse.REMAINDER, metavar="ARG")


def _rmi(rmi: Parser) -> None:
    rmi.add_argument("-f", "--force", action="store_true", help="force removal of the image")
    rmi.add_argument("--no-prune", action="store_true", help="do not delete untagged parents")
    rmi.add_argument("images", nargs="+", metavar="IMAGE")


def _history(history: Parser) -> None:
    history.add_argument("-H", "--human", nargs="?", const="true", default="true",
                         help="print sizes and dates in human readable format (default true)")
    history.add_argument("--no-trunc", action="store_true", help="don't truncate output")
    history.add_argument("-q", "--quiet", action="store_true", help="only show image IDs")
    _format_flag(history)
    history.add_argument("image", metavar="IMAGE")


def _container_prune(prune: Parser) -> None:
    prune.add_argument("--filter", action="append", default=[],
                       help='provide filter values (e.g. "until=<timestamp>")')
    prune.add_argument("-f", "--force", action="store_true", help="do not prompt for confirmation")


def _image_prune(prune: Parser) -> None:
    prune.add_argument("-a", "--all", action="store_true",
                       help="remove all unused images, not just dangling ones")
    prune.add_argument("--filter", action="append", default=[],
                       help='provide filter values (e.g. "until=<timestamp>")')
    prune.add_argument("-f", "--force", action="store_true", help="do not prompt for confirmation")


def _system_df(df: Parser) -> None:
    df.add_argument("-v", "--verbose", action="store_true", help="show detailed information")
    _format_flag(df)


def _registry_serve(serve: Parser) -> None:
    serve.add_argument("--addr", default="127.0.0.1:5000",
                       help="address to listen on, HOST:PORT (default 127.0.0.1:5000)")
    serve.add_argument("--root", required=True, help="directory of the registry's storage")
    serve.add_argument("--htpasswd", help="require basic auth against this htpasswd file "
                       "(bcrypt entries: htpasswd -B)")
    serve.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--tls-key", help="the certificate's private key (PEM)")


def _registry_gc(gc: Parser) -> None:
    gc.add_argument("--root", required=True, help="directory of the registry's storage")
    gc.add_argument("--dry-run", action="store_true", help="only print what would be deleted")


def _commit(commit: Parser) -> None:
    commit.add_argument("-a", "--author", help='author (e.g., "John Hannibal Smith '
                        '<hannibal@a-team.com>")')
    commit.add_argument("-c", "--change", action="append", default=[],
                        help="apply Dockerfile instruction to the created image")
    commit.add_argument("-m", "--message", help="commit message")
    commit.add_argument("-p", "--pause", nargs="?", const="true", default="true",
                        help="pause container during commit (default true)")
    commit.add_argument("container", metavar="CONTAINER")
    commit.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")


def _diff(diff: Parser) -> None:
    diff.add_argument("container", metavar="CONTAINER")


def _export(export: Parser) -> None:
    export.add_argument("-o", "--output", help="write to a file, instead of STDOUT")
    export.add_argument("container", metavar="CONTAINER")


def _volume_create(create: Parser) -> None:
    create.add_argument("-d", "--driver", default="local",
                        help='specify volume driver name (default "local")')
    create.add_argument("--label", action="append", default=[],
                        help="set metadata for a volume")
    create.add_argument("-o", "--opt", action="append", default=[],
                        help="set driver specific options")
    create.add_argument("--name", default="", help="specify volume name")
    create.add_argument("volume", nargs="?", default="", metavar="VOLUME")


def _volume_ls(ls: Parser) -> None:
    ls.add_argument("-f", "--filter", action="append", default=[],
                    help="provide filter values (e.g. 'dangling=true')")
    _format_flag(ls)
    ls.add_argument("-q", "--quiet", action="store_true", help="only display volume names")


def _volume_inspect(inspect: Parser) -> None:
    _format_flag(inspect, "-f")
    inspect.add_argument("volumes", nargs="+", metavar="VOLUME")


def _volume_rm(rm: Parser) -> None:
    rm.add_argument("-f", "--force", action="store_true",
                    help="force the removal of one or more volumes")
    rm.add_argument("volumes", nargs="+", metavar="VOLUME")


def _volume_prune(prune: Parser) -> None:
    prune.add_argument("-a", "--all", action="store_true",
                       help="remove all unused volumes, not just anonymous ones")
    prune.add_argument("--filter", action="append", default=[],
                       help="provide filter values (e.g. 'label=<label>')")
    prune.add_argument("-f", "--force", action="store_true", help="do not prompt for confirmation")


def _network_create(create: Parser) -> None:
    create.add_argument("--attachable", action="store_true",
                        help="enable manual container attachment")
    create.add_argument("--aux-address", action="append", default=[],
                        help="auxiliary IPv4 or IPv6 addresses used by Network driver")
    create.add_argument("--config-from", default="",
                        help="the network from which to copy the configuration")
    create.add_argument("--config-only", action="store_true",
                        help="create a configuration only network")
    create.add_argument("-d", "--driver", default="bridge",
                        help='driver to manage the Network (default "bridge")')
    create.add_argument("--gateway", action="append", default=[],
                        help="IPv4 or IPv6 Gateway for the master subnet")
    create.add_argument("--ingress", action="store_true",
                        help="create swarm routing-mesh network")
    create.add_argument("--internal", action="store_true",
                        help="restrict external access to the network")
    create.add_argument("--ip-range", action="append", default=[],
                        help="allocate container ip from a sub-range")
    create.add_argument("--ipam-driver", default="default", help="IP Address Management Driver")
    create.add_argument("--ipam-opt", action="append", default=[],
                        help="set IPAM driver specific options")
    create.add_argument("--ipv6", action="store_true", help="enable IPv6 networking")
    create.add_argument("--label", action="append", default=[],
                        help="set metadata on a network")
    create.add_argument("-o", "--opt", action="append", default=[],
                        help="set driver specific options")
    create.add_argument("--scope", default="", help="control the network's scope")
    create.add_argument("--subnet", action="append", default=[],
                        help="subnet in CIDR format that represents a network segment")
    create.add_argument("network", metavar="NETWORK")


def _network_ls(ls: Parser) -> None:
    ls.add_argument("-f", "--filter", action="append", default=[],
                    help="provide filter values (e.g. 'driver=bridge')")
    _format_flag(ls)
    ls.add_argument("--no-trunc", action="store_true", help="do not truncate the output")
    ls.add_argument("-q", "--quiet", action="store_true", help="only display network IDs")


def _network_inspect(inspect: Parser) -> None:
    _format_flag(inspect, "-f")
    inspect.add_argument("-v", "--verbose", action="store_true",
                         help="verbose output for diagnostics")
    inspect.add_argument("networks", nargs="+", metavar="NETWORK")


def _network_rm(rm: Parser) -> None:
    rm.add_argument("networks", nargs="+", metavar="NETWORK")


def _network_prune(prune: Parser) -> None:
    prune.add_argument("--filter", action="append", default=[],
                       help="provide filter values (e.g. 'until=<timestamp>')")
    prune.add_argument("-f", "--force", action="store_true", help="do not prompt for confirmation")


def _nothing(p: Parser) -> None:
    pass


def _format_flag(p: Parser, *short: str) -> None:
    p.add_argument(*short, "--format", metavar="string",
                   help="format output using a custom template: 'table', 'table TEMPLATE', "
                        "'json' or a Go template")


def _with_format(p: Parser) -> None:
    _format_flag(p, "-f")


BUILDERS: dict[str, Callable[[Parser], None]] = {
    "build": _build, "builder prune": _builder_prune,
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
    "volume create": _volume_create, "volume ls": _volume_ls, "volume inspect": _volume_inspect,
    "volume rm": _volume_rm, "volume prune": _volume_prune,
    "network create": _network_create, "network ls": _network_ls,
    "network inspect": _network_inspect, "network rm": _network_rm,
    "network prune": _network_prune,
}
