"""The ``berth`` command line: global options, management groups and the command's own
parser (``cli/flags.py``), with docker's usage errors (``cli/usage.py``) and hints."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from berth.cli.commands_table import ALIASES, COMMANDS, GROUPS, USAGE
from berth.cli.flags import BUILDERS
from berth.cli.usage import ARGS_ERROR, FLAG_ERROR, Formatter, Parser, UsageError, unknown_flag


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


def command_parser(name: str) -> Parser:
    """The parser of one command (only the one that runs is ever built: argparse is
    slow to set up, and ``berth`` should start fast)."""
    p = Parser(prog=f"berth {name}", usage=USAGE[name], description=COMMANDS[name],
                allow_abbrev=False, add_help=name not in ("run", "create"),  # -h: --hostname
                formatter_class=Formatter)
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
