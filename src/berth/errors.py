"""The one error hierarchy of berth.

Each class names a kind of failure, not a place. The API maps them to HTTP
status codes in one table (``berth.api.errors``); the CLI maps the status back
to messages and exit codes. Messages are lower-case and name the object.
"""


class BerthError(Exception):
    """Base of every error berth raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(BerthError):
    """The named object does not exist (HTTP 404)."""


class AlreadyExists(BerthError):
    """An object of that name or id already exists (HTTP 409)."""


class InvalidArgument(BerthError):
    """The request is malformed or names something invalid (HTTP 400)."""


class Conflict(BerthError):
    """The object is in a state that forbids the operation (HTTP 409)."""


class Forbidden(BerthError):
    """The operation is never allowed on that object, e.g. removing a predefined
    network (HTTP 403)."""


class FailedPrecondition(BerthError):
    """The system is not in a state the operation needs (HTTP 500)."""


class Unavailable(BerthError):
    """A component berth depends on cannot be reached (HTTP 503)."""


class Unauthorized(BerthError):
    """A registry refused the credentials, or asked for some (HTTP 401)."""


class CommandNotFound(InvalidArgument):
    """The container's command does not exist (docker's exit code 127)."""


class CommandNotInvokable(InvalidArgument):
    """The container's command exists but cannot be executed (exit code 126)."""
