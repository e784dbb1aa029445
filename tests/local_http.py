"""A small HTTP server on 127.0.0.1 for the services that cannot run here (Jira Cloud, GitHub):
each request goes to `answer`, which returns the status, headers and JSON text to send. It stops
when the `with` block ends."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with its query
    headers: dict[str, str]
    body: bytes


Answer = Callable[[Request, str], tuple[int, dict[str, str], str]]  # (request, server address)


@contextmanager
def local_server(answer: Answer) -> Iterator[str]:
    """The server's address (http://127.0.0.1:PORT) while the block runs."""
    address = ""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            request = Request(self.command, self.path, dict(self.headers), self.rfile.read(length))
            status, headers, text = answer(request, address)
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(text.encode())

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    address = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield address
    finally:
        server.shutdown()
        server.server_close()
