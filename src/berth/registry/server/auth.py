"""HTTP basic auth against an htpasswd file of bcrypt entries (``htpasswd -B``).

bcrypt comes from the system's libcrypt (libxcrypt on Debian: ``$2y$``, ``$2b$``,
``$2a$``) through ctypes and its reentrant ``crypt_rn``: no extra package, and
the stdlib ``crypt`` module is deprecated (gone in Python 3.13). A password
once checked is remembered (by its sha256, with the entry it matched) so a
client that sends its credentials with every request pays bcrypt's cost once.
"""

import base64
import binascii
import ctypes
import ctypes.util
import hashlib
import hmac
import threading
from pathlib import Path

from berth.errors import InvalidArgument, Unavailable

REALM = "berth"
_BCRYPT = ("$2y$", "$2b$", "$2a$")
_DATA_SIZE = 32768  # sizeof(struct crypt_data) in libxcrypt


def _libcrypt() -> ctypes.CDLL:
    name = ctypes.util.find_library("crypt") or "libcrypt.so.1"
    try:
        lib = ctypes.CDLL(name)
        fn = lib.crypt_rn
    except (OSError, AttributeError):
        raise Unavailable("htpasswd: bcrypt needs libxcrypt's crypt_rn (libcrypt1)") from None
    fn.restype = ctypes.c_char_p
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    return lib


def bcrypt_matches(lib: ctypes.CDLL, password: bytes, entry: str) -> bool:
    data = ctypes.create_string_buffer(_DATA_SIZE)
    out = lib.crypt_rn(password, entry.encode(), data, _DATA_SIZE)
    return out is not None and hmac.compare_digest(out, entry.encode())


def load_htpasswd(path: Path) -> dict[str, str]:
    """User name to bcrypt hash; other hash kinds are refused, naming the line."""
    users: dict[str, str] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, hashed = line.partition(":")
        if not sep or not user:
            raise InvalidArgument(f"htpasswd {path}:{n}: not 'user:hash'")
        if not hashed.startswith(_BCRYPT):
            raise InvalidArgument(f"htpasswd {path}:{n}: user {user!r} is not bcrypt "
                                  "(make entries with htpasswd -B)")
        users[user] = hashed
    return users


class BasicAuth:
    """Checks ``Authorization: Basic`` headers against the htpasswd entries."""

    def __init__(self, users: dict[str, str]) -> None:
        self._users = users
        self._lib = _libcrypt()
        self._ok: set[tuple[str, str, bytes]] = set()
        self._lock = threading.Lock()
        self.challenge = f'Basic realm="{REALM}"'

    def check(self, header: str | None) -> bool:
        """True when the header names a user of the file with the right password
        (may run bcrypt: call it off the event loop)."""
        if not header or header[:6].lower() != "basic ":
            return False
        try:
            user, sep, password = base64.b64decode(header[6:].strip(),
                                                   validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        entry = self._users.get(user)
        if not sep or entry is None:
            return False
        key = (user, entry, hashlib.sha256(password.encode()).digest())
        with self._lock:
            if key in self._ok:
                return True
        if not bcrypt_matches(self._lib, password.encode(), entry):
            return False
        with self._lock:
            self._ok.add(key)
        return True

    def cached(self, header: str | None) -> bool:
        """True when ``check`` would answer True without running bcrypt."""
        if not header or header[:6].lower() != "basic ":
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip(),
                                                 validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        entry = self._users.get(user)
        if entry is None:
            return False
        with self._lock:
            return (user, entry, hashlib.sha256(password.encode()).digest()) in self._ok
