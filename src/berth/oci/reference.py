"""Image references, parsed and normalized the way docker's distribution/reference does.

``busybox`` is ``docker.io/library/busybox:latest``; ``localhost:5000/a/b:t``
names a registry because its first component has a dot or a colon, is
``localhost`` or has upper-case letters. The familiar form drops
``docker.io/`` and, for one-component names, ``library/``. Error messages are
docker's, word for word, because scripts and tests match on them.
"""

import re
from dataclasses import dataclass

from berth.errors import InvalidArgument
from berth.oci import digest as digests

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?P<name>(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
_TAG_ONLY = re.compile(_TAG)
_ANCHORED_ID = re.compile(r"[a-f0-9]{64}")

INVALID_FORMAT = "invalid reference format"
MUST_BE_LOWERCASE = "invalid reference format: repository name must be lowercase"


@dataclass(frozen=True, slots=True)
class Reference:
    """A normalized named reference: ``domain/path[:tag][@digest]``."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The full repository name: ``docker.io/library/busybox``."""
        return f"{self.domain}/{self.path}"

    repository = name

    @property
    def familiar_name(self) -> str:
        """The repository as docker prints it: ``busybox``, ``foo/bar``, ``quay.io/x``."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        rest = self.path.removeprefix(OFFICIAL_PREFIX)
        return rest if "/" not in rest else self.path

    def _suffix(self) -> str:
        out = ":" + self.tag if self.tag else ""
        return out + "@" + self.digest if self.digest else out

    def __str__(self) -> str:
        return self.name + self._suffix()

    def familiar(self) -> str:
        """Docker's FamiliarString: ``busybox:latest``."""
        return self.familiar_name + self._suffix()

    def with_tag(self, tag: str) -> "Reference":
        if not _TAG_ONLY.fullmatch(tag):
            raise InvalidArgument(INVALID_FORMAT)
        return Reference(self.domain, self.path, tag, self.digest)

    def name_only(self) -> "Reference":
        return Reference(self.domain, self.path)


def _split_domain(text: str) -> tuple[str, str]:
    first, sep, rest = text.partition("/")
    if not sep or (not any(c in first for c in ".:") and first != "localhost"
                   and first.lower() == first):
        domain, remainder = DEFAULT_DOMAIN, text
    else:
        domain, remainder = first, rest
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def parse(text: str, default_tag: bool = True) -> Reference:
    """ParseNormalizedNamed, plus ``:latest`` for a bare name when ``default_tag``."""
    if _ANCHORED_ID.fullmatch(text):
        raise InvalidArgument(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings")
    domain, remainder = _split_domain(text)
    remote = remainder.partition(":")[0]
    if remote.lower() != remote:
        raise InvalidArgument(MUST_BE_LOWERCASE)
    full = f"{domain}/{remainder}"
    m = _REFERENCE.fullmatch(full)
    if m is None:
        if _REFERENCE.fullmatch(full.lower()):
            raise InvalidArgument(MUST_BE_LOWERCASE)
        raise InvalidArgument(INVALID_FORMAT)
    if len(m.group("name")) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidArgument(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters")
    tag, dgst = m.group("tag"), m.group("digest")
    if dgst is not None:
        try:
            digests.validate(dgst)
        except InvalidArgument as e:
            raise InvalidArgument(e.message.partition(":")[0]) from None
    path = m.group("name")[len(domain) + 1:]
    if tag is None and dgst is None and default_tag:
        tag = DEFAULT_TAG
    return Reference(domain, path, tag, dgst)


def parse_any(text: str) -> Reference | str:
    """ParseAnyReference: an image id (``sha256:<hex>``, returned as a str) or a reference.

    A bare 64-hex string is an id; so is a well-formed ``sha256:`` digest.
    """
    if _ANCHORED_ID.fullmatch(text):
        return "sha256:" + text
    if digests.is_sha256(text):
        return text
    return parse(text)


def familiar(text: str) -> str:
    """The familiar form of ``text`` when it parses, else ``text`` as given."""
    try:
        return parse(text, default_tag=False).familiar()
    except InvalidArgument:
        return text
