"""A local S3-compatible server for the SSE-C tests: moto's server over real HTTP, plus AWS's SSE-C rules.

moto 5.2 accepts the ``x-amz-server-side-encryption-customer-*`` headers but ignores them, so on its
own it would hand an SSE-C object to anyone. ``SseC`` is a WSGI layer in front of moto that applies
the rules of the S3 API for customer-provided keys
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html):

* PUT with SSE-C: algorithm must be AES256, the key 32 bytes (base64) and its MD5 must match
  (else 400 InvalidArgument); the key's MD5 is remembered with the object;
* GET/HEAD of an SSE-C object without the SSE-C headers: 400 InvalidRequest;
* GET/HEAD with another key: 403 AccessDenied;
* successful SSE-C responses echo the algorithm and the key MD5; DELETE needs no key.

``requests_seen`` records the SSE-C headers of each request so tests can check what the client sent.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

ALG = "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_ALGORITHM"
KEY = "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_KEY"
MD5 = "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_KEY_MD5"

StartResponse = Callable[..., Any]


def _error(start_response: StartResponse, status: str, code: str, message: str, head: bool) -> list[bytes]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    ).encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [] if head else [body]


class SseC:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.object_keys: dict[str, str] = {}  # /bucket/key -> base64 MD5 of the customer key
        self.requests_seen: list[tuple[str, str, bool]] = []  # method, path, SSE-C headers present
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        is_object = len(path.strip("/").split("/", 1)) == 2 and not environ.get("QUERY_STRING")
        head = method == "HEAD"
        alg, key_b64, md5_b64 = environ.get(ALG), environ.get(KEY), environ.get(MD5)
        sent = bool(alg or key_b64 or md5_b64)
        with self.lock:
            self.requests_seen.append((method, path, sent))
        if not is_object:
            return self.app(environ, start_response)
        key_md5 = None
        if sent:
            try:
                key = base64.b64decode(key_b64 or "", validate=True)
            except ValueError:
                key = b""
            key_md5 = base64.b64encode(hashlib.md5(key).digest()).decode()
            if alg != "AES256" or len(key) != 32 or md5_b64 != key_md5:
                return _error(
                    start_response, "400 Bad Request", "InvalidArgument", "Invalid SSE-C key.", head
                )
        echo = [
            ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
            ("x-amz-server-side-encryption-customer-key-MD5", key_md5 or ""),
        ]
        if method == "PUT":
            status_seen: list[str] = []

            def remember(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
                status_seen.append(status)
                return start_response(status, headers + (echo if key_md5 else []), *args)

            result = self.app(environ, remember)
            if status_seen and status_seen[0].startswith("200"):
                with self.lock:
                    if key_md5:
                        self.object_keys[path] = key_md5
                    else:
                        self.object_keys.pop(path, None)
            return result
        if method in ("GET", "HEAD"):
            stored = self.object_keys.get(path)
            if stored is not None and key_md5 is None:
                return _error(
                    start_response,
                    "400 Bad Request",
                    "InvalidRequest",
                    "The object was stored using a form of Server Side Encryption. "
                    "The correct parameters must be provided to retrieve the object.",
                    head,
                )
            if stored is not None and key_md5 != stored:
                return _error(start_response, "403 Forbidden", "AccessDenied", "Access Denied", head)
            if stored is not None:

                def with_echo(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
                    return start_response(status, headers + echo, *args)

                return self.app(environ, with_echo)
        if method == "DELETE":
            with self.lock:
                self.object_keys.pop(path, None)
        return self.app(environ, start_response)


class SseCMotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` with the SSE-C layer in front; port 0 picks a free port."""

    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.sse_c = SseC(DomainDispatcherApplication(create_backend_app))

    def _server_entry(self) -> None:
        self._server = make_server(
            self._ip_address, self._port, self.sse_c, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"
