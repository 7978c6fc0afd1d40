"""Helpers for tests and benchmarks: a loopback HTTP server answering from a function."""

from __future__ import annotations

import http.server
import threading
from typing import Callable

__all__ = ["serve_loopback"]

Respond = Callable[[http.server.BaseHTTPRequestHandler], tuple[int, dict, bytes]]


def serve_loopback(respond: Respond) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Start a threaded HTTP server on 127.0.0.1 (a free port); ``respond(handler)`` returns
    (status, headers, body) for each GET. Returns the server (call ``shutdown()``) and host:port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status, headers, body = respond(self)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_port}"
