"""``berth completion bash|zsh|fish``: a completion script for the shell.

The command names, the management groups and each command's flags come from
the parser itself, so the script is never out of date; container and image
names are completed by asking berth (``ps -a --format``, ``images --format``).
"""

from __future__ import annotations

import sys

from berth.cli.commands_table import GROUPS
from berth.cli.flags import BUILDERS
from berth.cli.parser import command_parser
from berth.cli.usage import ARGS_ERROR, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client

CONTAINER_COMMANDS = ("attach", "commit", "cp", "diff", "exec", "export", "inspect", "kill",
                      "logs", "pause", "port", "rename", "restart", "rm", "start", "stats",
                      "stop", "top", "unpause", "update", "wait")
IMAGE_COMMANDS = ("create", "history", "push", "rmi", "run", "save", "tag")


def flags_of(name: str) -> list[str]:
    parser = command_parser(name)
    return sorted({opt for action in parser._actions for opt in action.option_strings
                   if opt.startswith("--")})


def _commands() -> list[str]:
    return sorted([n for n in BUILDERS if " " not in n] + list(GROUPS))


def bash() -> str:
    cases = []
    for name in sorted(n for n in BUILDERS if " " not in n):
        words = " ".join(flags_of(name))
        if name in CONTAINER_COMMANDS:
            words += ' $(berth ps -a --format "{{.Names}}" 2>/dev/null)'
        elif name in IMAGE_COMMANDS:
            words += ' $(berth images --format "{{.Repository}}:{{.Tag}}" 2>/dev/null)'
        cases.append(f'        {name}) words="{words}" ;;')
    for group, (_, members) in sorted(GROUPS.items()):
        cases.append(f'        {group}) words="{" ".join(sorted(members))}" ;;')
    return f"""# bash completion for berth: source it, or put it in
# /etc/bash_completion.d/berth (berth completion bash > /etc/bash_completion.d/berth)
_berth() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} words=""
    if [ "$COMP_CWORD" -eq 1 ]; then
        words="{" ".join(_commands())} --help --host --version"
    else
        case "${{COMP_WORDS[1]}}" in
{chr(10).join(cases)}
        esac
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -F _berth berth
"""


def zsh() -> str:
    return "#compdef berth\n# zsh completion for berth (through bash's)\n" \
           "autoload -U +X bashcompinit && bashcompinit\n" + bash()


def fish() -> str:
    lines = ["# fish completion for berth: berth completion fish | source"]
    for name in _commands():
        lines.append(f"complete -c berth -n __fish_use_subcommand -f -a {name}")
    for name in sorted(n for n in BUILDERS if " " not in n):
        for flag in flags_of(name):
            lines.append(f"complete -c berth -n '__fish_seen_subcommand_from {name}' "
                         f"-l {flag[2:]}")
        if name in CONTAINER_COMMANDS:
            lines.append(f"complete -c berth -n '__fish_seen_subcommand_from {name}' -f "
                         "-a '(berth ps -a --format \"{{.Names}}\" 2>/dev/null)'")
    return "\n".join(lines) + "\n"


SHELLS = {"bash": bash, "zsh": zsh, "fish": fish}


def run(args: argparse.Namespace, client: Client) -> int:
    if args.shell not in SHELLS:
        raise UsageError(f'unsupported shell "{args.shell}": bash, zsh or fish',
                         "completion", ARGS_ERROR)
    sys.stdout.write(SHELLS[args.shell]())
    return 0
