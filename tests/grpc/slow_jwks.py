"""A loopback JWKS endpoint in front of a real provider's, that can be told
to hold its answers: the slow key refetch of the starvation and shutdown
tests. Requests are forwarded to the provider unchanged; while `hold()` is
on, each one waits (until `release()`, or 60 s) before it is forwarded."""

from __future__ import annotations

import http.server
import threading
import urllib.request


class SlowJwks:
    def __init__(self, upstream_url: str):
        self.upstream_url = upstream_url
        self.served = 0
        self.waiting = 0
        self._held = False
        self._release = threading.Event()
        self._cond = threading.Condition()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                with owner._cond:
                    held = owner._held
                    if held:
                        owner.waiting += 1
                        owner._cond.notify_all()
                if held:
                    owner._release.wait(60)
                with urllib.request.urlopen(owner.upstream_url, timeout=10) as up:
                    body = up.read()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the server gave up on this request
                with owner._cond:
                    owner.served += 1
                    if held:
                        owner.waiting -= 1

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def hold(self) -> None:
        with self._cond:
            self._held = True
            self._release.clear()

    def release(self) -> None:
        with self._cond:
            self._held = False
        self._release.set()

    def wait_for_waiting(self, count: int = 1, timeout: float = 20) -> None:
        """Blocks until `count` held requests are waiting."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.waiting >= count, timeout):
                raise AssertionError(f"{self.waiting} held JWKS requests, wanted {count}")

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "SlowJwks":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
