"""The distribution spec's error codes, their HTTP statuses and the JSON body.

A handler raises ``RegistryError(code, message, detail)``; the app's middleware
renders it as ``{"errors": [{"code", "message", "detail"}]}`` with the status
the spec gives the code.
"""

import json
from typing import Any

from aiohttp import web

STATUS: dict[str, int] = {
    "BLOB_UNKNOWN": 404,
    "BLOB_UPLOAD_INVALID": 400,
    "BLOB_UPLOAD_UNKNOWN": 404,
    "DIGEST_INVALID": 400,
    "MANIFEST_BLOB_UNKNOWN": 400,
    "MANIFEST_INVALID": 400,
    "MANIFEST_UNKNOWN": 404,
    "NAME_INVALID": 400,
    "NAME_UNKNOWN": 404,
    "SIZE_INVALID": 400,
    "TAG_INVALID": 400,
    "UNAUTHORIZED": 401,
    "DENIED": 403,
    "UNSUPPORTED": 405,
    "RANGE_INVALID": 416,
    "PAGINATION_NUMBER_INVALID": 400,
    "TOOMANYREQUESTS": 429,
}


class RegistryError(Exception):
    """One error of the spec; ``status`` overrides the code's usual one."""

    def __init__(self, code: str, message: str, detail: Any = None,
                 status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail
        self.status = status if status is not None else STATUS[code]
        self.headers = headers or {}

    def response(self) -> web.Response:
        entry: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            entry["detail"] = self.detail
        return web.Response(status=self.status, headers=self.headers,
                            body=json.dumps({"errors": [entry]}).encode(),
                            content_type="application/json")
