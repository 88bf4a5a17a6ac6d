"""A stage's state between steps: its layers, config, history, ARGs and cache key.

The config is docker's container ``Config`` as an image carries it (Env, Cmd,
Entrypoint, WorkingDir, User, ...). Every step ends by appending one history
entry (``empty_layer`` when it added no layer, as docker marks them) and by
moving the cache key on: the next step's key depends on this one's, so a miss
invalidates every step after it.
"""

import copy
import hashlib
from dataclasses import dataclass, field
from typing import Any

from berth.builder.backend import JSON, BaseImage, Layer

DEFAULT_SHELL = ["/bin/sh", "-c"]
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# docker's predefined ARGs: usable without an ARG line, kept out of history
PROXY_ARGS = frozenset({
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"})


def chain_key(parent: str, text: str) -> str:
    """The cache key of a step: its parent's key and what the step does."""
    return "sha256:" + hashlib.sha256(f"{parent}\n{text}".encode()).hexdigest()


@dataclass(slots=True)
class StageState:
    base: BaseImage | None  # None: scratch
    config: JSON  # docker's Config
    layers: list[Layer]
    history: list[JSON]
    architecture: str
    os: str
    variant: str = ""
    key: str = ""
    args: dict[str, str | None] = field(default_factory=dict)  # ARGs declared in the stage
    author: str = ""  # MAINTAINER
    cmd_set: bool = False  # a CMD in this stage (an ENTRYPOINT then keeps it)

    @classmethod
    def from_image(cls, image: BaseImage | None, arch: str) -> "StageState":
        if image is None:
            state = cls(None, {}, [], [], arch, "linux", key=chain_key("", "scratch"))
        else:
            raw = image.config
            state = cls(image, copy.deepcopy(raw.get("config") or {}), list(image.layers),
                        [dict(h) for h in raw.get("history") or [] if isinstance(h, dict)],
                        str(raw.get("architecture") or arch), str(raw.get("os") or "linux"),
                        str(raw.get("variant") or ""), key=chain_key("", image.id))
        env = state.config.get("Env") or []
        if not any(str(e).startswith("PATH=") for e in env):
            # dockerd gives a stage without a PATH the default one
            state.config["Env"] = [*env, DEFAULT_PATH]
        return state

    def child(self) -> "StageState":
        """The state a ``FROM <stage>`` starts from: this stage's files and config,
        none of its ARGs."""
        return StageState(None, copy.deepcopy(self.config), list(self.layers),
                          [dict(h) for h in self.history], self.architecture, self.os,
                          self.variant, key=self.key)

    # -- the environment ----------------------------------------------------

    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.config.get("Env") or []:
            k, _, v = str(e).partition("=")
            out[k] = v
        return out

    def set_env(self, key: str, value: str) -> None:
        env = [e for e in self.config.get("Env") or [] if str(e).partition("=")[0] != key]
        self.config["Env"] = [*env, f"{key}={value}"]

    def arg_values(self) -> dict[str, str]:
        """The ARGs with a value, as a step sees them (ENV wins over an ARG)."""
        env = self.env()
        return {k: v for k, v in self.args.items() if v is not None and k not in env}

    def expansion_env(self) -> dict[str, str]:
        """What ``$VAR`` expands to in an instruction: ARGs, then ENV over them."""
        return {**{k: v for k, v in self.args.items() if v is not None}, **self.env()}

    def shell(self) -> list[str]:
        return list(self.config.get("Shell") or DEFAULT_SHELL)

    # -- history -------------------------------------------------------------

    def nop(self, text: str) -> str:
        """docker's created_by of a metadata step: ``/bin/sh -c #(nop)  ENV A=b``."""
        return " ".join([*self.shell(), "#(nop) ", text])

    def image_config(self, created: str) -> JSON:
        """The OCI image config of the state (``created``: its newest step's time)."""
        out: dict[str, Any] = {
            "architecture": self.architecture,
            "config": self.config,
            "created": created,
            "history": self.history,
            "os": self.os,
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in self.layers]},
        }
        if self.variant:
            out["variant"] = self.variant
        if self.author:
            out["author"] = self.author
        return out
