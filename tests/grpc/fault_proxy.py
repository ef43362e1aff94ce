"""A loopback HTTP(S) proxy in front of a real provider that misbehaves on
request.

The fault tests put it between authgate-server and moto or oidc-provider
(point a provider's `jwks_uri` or `endpoints.token_endpoint` at
`proxy.url + path`). Healthy, it forwards every request to the upstream and
counts requests per path. Switched with set_fault(mode, match=...), requests
whose path contains `match` get the fault instead; the others still forward:

    delay         wait `seconds`, then forward, unless the caller hung up
                  meanwhile (then nothing is forwarded: counted `abandoned`)
    kill          forward, send the headers and half the body, then reset the
                  connection (the provider died mid-response)
    truncate      forward, send a well-framed response holding half the body
    invalid_json  200 with a body that is not JSON
    oversized     200 with `size` bytes of JSON-looking filler, streamed in
                  64 KiB chunks (never held in memory); `declared` sends a
                  Content-Length, else the body is close-delimited
    refuse        stop listening: connections are refused (provider down)

Standard library only. With `tls=(cert_file, key_file)` it serves HTTPS.

    with FaultProxy("http://127.0.0.1:%d" % port) as proxy:
        proxy.set_fault("oversized", match="jwks.json", size=50 << 20)
        ...
        proxy.heal()
        proxy.count("jwks.json")
"""

from __future__ import annotations

import collections
import http.client
import select
import socket
import socketserver
import ssl
import struct
import threading
import time
import urllib.parse

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "host",
    # Plain bodies upstream, so a cut body is cut JSON, not cut gzip.
    "accept-encoding",
}
_CHUNK = 64 * 1024


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, proxy: "FaultProxy"):
        self.proxy = proxy
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address):
        context = self.proxy._tls_context
        if context is not None:
            try:
                request = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                with self.proxy._lock:
                    self.proxy.tls_failures += 1
                return
            try:
                _Handler(request, client_address, self)
            finally:
                request.close()
            return
        _Handler(request, client_address, self)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def handle(self):
        proxy: FaultProxy = self.server.proxy
        line = self.rfile.readline(65537).decode("latin-1")
        if not line:
            return
        try:
            method, target, _ = line.split(" ", 2)
        except ValueError:
            return
        headers = []
        while True:
            header = self.rfile.readline(65537).decode("latin-1")
            if header in ("\r\n", "\n", ""):
                break
            name, _, value = header.partition(":")
            headers.append((name.strip(), value.strip()))
        length = next(
            (int(v) for k, v in headers if k.lower() == "content-length"), 0
        )
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(target).path
        fault = proxy._take(path)
        mode = fault["mode"] if fault else "healthy"
        if mode == "delay":
            if not self._wait_while_connected(fault["seconds"]):
                with proxy._lock:
                    proxy.abandoned += 1
                return
        if mode == "invalid_json":
            return self._send(200, [("Content-Type", "application/json")],
                              b"<html>502 Bad Gateway</html> {not json")
        if mode == "oversized":
            return self._stream_oversized(fault)
        status, reason_headers, upstream_body = proxy._forward(
            method, target, headers, body
        )
        if mode == "truncate":
            upstream_body = upstream_body[: len(upstream_body) // 2]
        if mode == "kill":
            return self._send_then_reset(status, reason_headers, upstream_body)
        self._send(status, reason_headers, upstream_body)

    def _wait_while_connected(self, seconds: float) -> bool:
        """Sleeps `seconds`; False as soon as the caller closes."""
        deadline = time.monotonic() + seconds
        sock = self.connection
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            readable, _, _ = select.select([sock], [], [], min(remaining, 0.05))
            if readable:
                try:
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        return False
                except (OSError, ssl.SSLError):
                    return False

    def _head(self, status, headers, length=None) -> bytes:
        lines = [f"HTTP/1.1 {status} {http.client.responses.get(status, 'X')}"]
        lines += [f"{k}: {v}" for k, v in headers]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, status, headers, body: bytes):
        try:
            self.wfile.write(self._head(status, headers, len(body)) + body)
        except OSError:
            pass

    def _send_then_reset(self, status, headers, body: bytes):
        try:
            self.wfile.write(self._head(status, headers, len(body)))
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
        except OSError:
            pass
        # SO_LINGER 0: close() sends RST, as when a process dies.
        raw = self.connection
        try:
            raw.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        except OSError:
            pass

    def _stream_oversized(self, fault):
        proxy: FaultProxy = self.server.proxy
        size = fault["size"]
        prefix = fault.get("prefix", b'{"keys":[],"padding":"')
        suffix = b'"}'
        filler = b"x" * _CHUNK
        headers = [("Content-Type", "application/json")]
        sent = 0
        try:
            self.wfile.write(
                self._head(200, headers, size if fault.get("declared") else None)
            )
            self.wfile.write(prefix)
            sent = len(prefix)
            while sent < size - len(suffix):
                piece = filler[: min(_CHUNK, size - len(suffix) - sent)]
                self.wfile.write(piece)
                sent += len(piece)
            self.wfile.write(suffix)
            sent += len(suffix)
        except OSError:
            pass  # the caller stopped reading: what we want to see
        finally:
            with proxy._lock:
                proxy.oversized_bytes_sent.append(sent)


class FaultProxy:
    """See the module docstring. Thread-safe; start()/stop() or `with`."""

    def __init__(
        self,
        upstream: str,
        tls: tuple[str, str] | None = None,
        host: str = "127.0.0.1",
    ):
        # `host`: where to listen (another address than loopback when the
        # caller sits in its own network namespace).
        self.host = host
        parts = urllib.parse.urlsplit(upstream)
        assert parts.scheme == "http", "the upstream is a loopback http provider"
        self._upstream = (parts.hostname, parts.port)
        self._tls_context = None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._tls_context = context
        self._lock = threading.Lock()
        self._fault: dict | None = None
        self._counts: collections.Counter = collections.Counter()
        self._faulted: collections.Counter = collections.Counter()
        self._last_at: dict[str, float] = {}
        self.abandoned = 0
        self.tls_failures = 0
        self.oversized_bytes_sent: list[int] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------------

    def start(self) -> "FaultProxy":
        self._listen(self.port)
        return self

    def stop(self) -> None:
        self._unlisten()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        scheme = "https" if self._tls_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def _listen(self, port: int) -> None:
        self._server = _Server((self.host, port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()

    def _unlisten(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    # --- faults ---------------------------------------------------------------

    def set_fault(self, mode: str, match: str = "", **params) -> None:
        """Faults requests whose path contains `match` (all when empty)."""
        assert mode in (
            "delay", "kill", "truncate", "invalid_json", "oversized", "refuse"
        ), mode
        if mode == "refuse":
            self._unlisten()
        with self._lock:
            self._fault = {"mode": mode, "match": match, **params}

    def heal(self) -> None:
        """Forward everything again (listening again after `refuse`)."""
        with self._lock:
            refused = self._fault is not None and self._fault["mode"] == "refuse"
            self._fault = None
        if refused:
            self._listen(self.port)

    def _take(self, path: str) -> dict | None:
        with self._lock:
            self._counts[path] += 1
            self._last_at[path] = time.monotonic()
            fault = self._fault
            if fault is None or fault["match"] not in path:
                return None
            self._faulted[path] += 1
            return fault

    # --- counters -------------------------------------------------------------

    def count(self, match: str = "") -> int:
        """Requests received whose path contains `match`."""
        with self._lock:
            return sum(n for p, n in self._counts.items() if match in p)

    def faulted(self, match: str = "") -> int:
        """Requests answered with a fault whose path contains `match`."""
        with self._lock:
            return sum(n for p, n in self._faulted.items() if match in p)

    def last_at(self, match: str = "") -> float:
        """time.monotonic() of the last request matching `match` (0: none)."""
        with self._lock:
            return max(
                (t for p, t in self._last_at.items() if match in p), default=0.0
            )

    # --- upstream -------------------------------------------------------------

    def _forward(self, method, target, headers, body):
        connection = http.client.HTTPConnection(*self._upstream, timeout=15)
        try:
            forwarded = {k: v for k, v in headers if k.lower() not in _HOP_BY_HOP}
            forwarded["Host"] = "%s:%d" % self._upstream
            connection.request(method, target, body=body or None, headers=forwarded)
            response = connection.getresponse()
            data = response.read()
            kept = [
                (k, v) for k, v in response.getheaders()
                if k.lower() not in _HOP_BY_HOP
            ]
            return response.status, kept, data
        finally:
            connection.close()
