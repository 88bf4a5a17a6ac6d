"""The one table from berth's errors to HTTP status codes."""

from berth import errors

STATUS: dict[type[errors.BerthError], int] = {
    errors.NotFound: 404,
    errors.AlreadyExists: 409,
    errors.Conflict: 409,
    errors.InvalidArgument: 400,
    errors.Forbidden: 403,
    errors.FailedPrecondition: 500,
    errors.Unavailable: 503,
    errors.Unauthorized: 401,
}


def status_of(error: errors.BerthError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500
