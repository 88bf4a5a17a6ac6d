"""The instructions that change only the image config, and the history text of each.

Each handler changes the stage's config as dockerd's legacy builder does and
returns what docker writes in the step's history entry after ``#(nop) `` (the
words dockerd formats with Go's ``%q``/``%v``, so ``docker history`` reads the
same). Values are expanded with the stage's ARGs and ENV first.
"""

import json
import signal
from collections.abc import Callable

from berth.builder.ast import Instruction
from berth.builder.expand import expand, expand_words
from berth.builder.instructions import go_duration_seconds
from berth.builder.keyvalues import parse_key_values
from berth.builder.parser import onbuild_expression
from berth.builder.state import StageState
from berth.errors import InvalidArgument

_NS = 1_000_000_000


def go_q(value: str) -> str:
    """Go's %q of a string (JSON's escapes are close enough for history text)."""
    return json.dumps(value, ensure_ascii=False)


def go_q_list(values: list[str]) -> str:
    """Go's %q of a []string: ``["a" "b"]``."""
    return "[" + " ".join(go_q(v) for v in values) + "]"


def command_form(ins: Instruction, st: StageState) -> list[str]:
    """An exec form's list as written; a shell form through the stage's SHELL."""
    if ins.json_form:
        return list(ins.args)
    return [*st.shell(), ins.args[0] if ins.args else ""]


class Meta:
    def __init__(self, st: StageState, escape: str) -> None:
        self.st = st
        self.escape = escape

    def word(self, text: str) -> str:
        return expand(text, self.st.expansion_env(), self.escape)

    def words(self, ins: Instruction) -> list[str]:
        if ins.json_form:
            return [self.word(w) for w in ins.args]
        return expand_words(ins.args[0] if ins.args else "", self.st.expansion_env(),
                            self.escape)

    def pairs(self, ins: Instruction) -> list[tuple[str, str]]:
        out = []
        for key, value in parse_key_values(ins.args[0], ins.keyword, self.escape):
            out.append((self.word(key), self.word(value or "")))
        return out

    # -- handlers: each returns the history text --------------------------

    def env(self, ins: Instruction) -> str:
        pairs = self.pairs(ins)
        text = "ENV"
        for key, value in pairs:
            self.st.set_env(key, value)
            text += f" {key}={value}"
        return text

    def label(self, ins: Instruction) -> str:
        labels = dict(self.st.config.get("Labels") or {})
        text = "LABEL"
        for key, value in self.pairs(ins):
            labels[key] = value
            text += f" {key}={value}"
        self.st.config["Labels"] = labels
        return text

    def maintainer(self, ins: Instruction) -> str:
        self.st.author = self.word(ins.args[0])
        return "MAINTAINER " + self.st.author

    def user(self, ins: Instruction) -> str:
        user = self.word(ins.args[0])
        self.st.config["User"] = user
        return "USER " + user

    def stopsignal(self, ins: Instruction) -> str:
        sig = self.word(ins.args[0])
        check_signal(sig)
        self.st.config["StopSignal"] = sig
        return "STOPSIGNAL " + sig

    def cmd(self, ins: Instruction) -> str:
        self.st.config["Cmd"] = command_form(ins, self.st)
        self.st.cmd_set = True
        return "CMD " + go_q_list(self.st.config["Cmd"])

    def entrypoint(self, ins: Instruction) -> str:
        if ins.json_form:
            value: list[str] | None = list(ins.args)
        elif ins.args and ins.args[0]:
            value = [*self.st.shell(), ins.args[0]]
        else:
            value = None
        self.st.config["Entrypoint"] = value
        if not self.st.cmd_set:  # docker: an ENTRYPOINT resets an inherited CMD
            self.st.config["Cmd"] = None
        return "ENTRYPOINT " + go_q_list(value or [])

    def expose(self, ins: Instruction) -> str:
        ports = self.words(ins)
        exposed = dict(self.st.config.get("ExposedPorts") or {})
        for spec in ports:
            for port in port_specs(spec):
                exposed[port] = {}
        self.st.config["ExposedPorts"] = exposed
        return "EXPOSE " + " ".join(sorted(ports))  # dockerd sorts them

    def volume(self, ins: Instruction) -> str:
        paths = self.words(ins)
        volumes = dict(self.st.config.get("Volumes") or {})
        for path in paths:
            if not path.strip():
                raise InvalidArgument("VOLUME specified can not be an empty string")
            volumes[path] = {}
        self.st.config["Volumes"] = volumes
        return "VOLUME [" + " ".join(paths) + "]"

    def shell(self, ins: Instruction) -> str:
        self.st.config["Shell"] = list(ins.args)
        return "SHELL [" + " ".join(ins.args) + "]"

    def onbuild(self, ins: Instruction) -> str:
        trigger = onbuild_expression(ins)
        keyword = trigger.split(None, 1)[0].upper() if trigger.strip() else ""
        if keyword in ("ONBUILD", "FROM", "MAINTAINER"):
            raise InvalidArgument(f"{keyword} isn't allowed as an ONBUILD trigger")
        self.st.config["OnBuild"] = [*(self.st.config.get("OnBuild") or []), trigger]
        return "ONBUILD " + trigger

    def healthcheck(self, ins: Instruction) -> str:
        kind = ins.args[0].upper()
        if kind == "NONE":
            check: dict[str, object] = {"Test": ["NONE"]}
        else:
            test = ["CMD", *ins.args[1:]] if ins.json_form else ["CMD-SHELL", ins.args[1]]
            check = {"Test": test}
            for flag, key in (("interval", "Interval"), ("timeout", "Timeout"),
                              ("start-period", "StartPeriod"),
                              ("start-interval", "StartInterval")):
                text = ins.flag(flag)
                if text:
                    check[key] = duration_ns(flag, text)
            retries = ins.flag("retries")
            if retries:
                check["Retries"] = int(retries)
        self.st.config["Healthcheck"] = check
        return "HEALTHCHECK " + health_text(check)

    def handler(self, keyword: str) -> Callable[[Instruction], str] | None:
        return {
            "ENV": self.env, "LABEL": self.label, "MAINTAINER": self.maintainer,
            "USER": self.user, "STOPSIGNAL": self.stopsignal, "CMD": self.cmd,
            "ENTRYPOINT": self.entrypoint, "EXPOSE": self.expose, "VOLUME": self.volume,
            "SHELL": self.shell, "ONBUILD": self.onbuild, "HEALTHCHECK": self.healthcheck,
        }.get(keyword)


def duration_ns(flag: str, text: str) -> int:
    return round(go_duration_seconds(flag, text) * _NS)


def _go_duration(ns: int) -> str:
    """Go's time.Duration String for the whole-ish values a HEALTHCHECK carries."""
    if ns == 0:
        return "0s"
    seconds = ns / _NS
    if seconds < 1:
        return f"{ns / 1_000_000:g}ms"
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    out = f"{hours}h" if hours else ""
    out += f"{minutes}m" if hours or minutes else ""
    return out + f"{sec:g}s"


def health_text(check: dict[str, object]) -> str:
    """dockerd's ``%q`` of the HealthConfig (Go's struct print)."""
    test = check.get("Test")
    durations = " ".join(go_q(_go_duration(int(str(check.get(k) or 0))))
                         for k in ("Interval", "Timeout", "StartPeriod"))
    retries = int(str(check.get("Retries") or 0))
    return f"&{{{go_q_list(list(test) if isinstance(test, list) else [])} {durations} " \
           f"'\\x{retries:02x}'}}"


def port_specs(spec: str) -> list[str]:
    """``80``, ``80/udp``, ``8000-8002/tcp`` as docker's ``port/proto`` keys."""
    port, _, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise InvalidArgument(f"invalid proto: {proto}")
    low, _, high = port.partition("-")
    try:
        start, end = int(low), int(high or low)
    except ValueError:
        raise InvalidArgument(f"invalid containerPort: {port}") from None
    if not 0 <= start <= end <= 65535:
        raise InvalidArgument(f"invalid range specified for port: {port}")
    return [f"{p}/{proto}" for p in range(start, end + 1)]


def check_signal(sig: str) -> None:
    name = sig.upper()
    if name.isdigit():
        if 0 < int(name) < 65:
            return
    else:
        name = name if name.startswith("SIG") else "SIG" + name
        if name in signal.Signals.__members__ or name.startswith("SIGRTM"):
            return
    raise InvalidArgument(f"Invalid signal: {sig}")
