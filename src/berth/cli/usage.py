"""argparse with docker's usage errors: ``UsageError``, which ``main`` prints the way
docker does and turns into docker's exit status: 125 for a flag error (unknown flag,
missing or bad flag value: cobra's ``FlagErrorFunc``), 1 for a wrong number of arguments.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from berth.cli.commands_table import COMMANDS, MIN_ARGS, USAGE


# argparse looks up every message with gettext, whose first lookup imports ``locale``
# (5 ms, a tenth of a whole ``berth ps``). docker speaks English only; so does berth.
def _ngettext(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


argparse._ = str  # type: ignore[attr-defined]
argparse.ngettext = _ngettext  # type: ignore[attr-defined]

FLAG_ERROR = 125
ARGS_ERROR = 1

class UsageError(Exception):
    def __init__(self, message: str, command: str | None, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.command = command
        self.status = status

    def render(self) -> str:
        path = f"berth {self.command}" if self.command else "berth"
        return f"berth: {self.message}\nSee '{path} --help'."


class Formatter(argparse.HelpFormatter):
    """argparse's formatter, minus its ``import shutil`` (7 ms) for the terminal width:
    argparse builds one for every ``add_argument``, help or not."""

    def __init__(self, prog: str) -> None:
        try:
            columns = os.get_terminal_size(2).columns
        except OSError:
            columns = 80
        super().__init__(prog, width=columns - 2)


class Parser(argparse.ArgumentParser):
    command: str | None = None

    def error(self, message: str) -> None:  # type: ignore[override]
        raise translate(message, self.command)


def translate(message: str, command: str | None) -> UsageError:
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
