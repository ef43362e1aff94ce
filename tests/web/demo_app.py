"""The app behind nginx in the browser-face tests: it trusts the identity
headers nginx passes from authgate's /oauth2/auth and says who is there.

    GET /anything   <h1>Hello NAME</h1><p>EMAIL</p> from X-Auth-Request-User
                    and X-Auth-Request-Email (<h1>Hello nobody</h1> without)
    GET /_seen      JSON of the headers of the last request before it, so a
                    test proves which identity headers and cookies arrived
    GET /_status/N  the page above with HTTP status N (an app's error page)

Run alone: python3 demo_app.py [PORT]; prints {"port": N} when listening.
"""

from __future__ import annotations

import html
import http.server
import json
import sys
import threading


class DemoApp:
    """A threading http.server on 127.0.0.1; stop() is idempotent."""

    def __init__(self, port: int = 0):
        app = self
        self.lock = threading.Lock()
        self.seen: list[dict] = []  # every request's {path, headers}, in order

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                if self.path == "/_seen":
                    with app.lock:
                        last = app.seen[-1] if app.seen else {}
                    self._send(200, "application/json", json.dumps(last))
                    return
                headers = {}
                for name, value in self.headers.items():
                    # Repeated headers (a client's extra copy) stay visible.
                    key = name.lower()
                    headers[key] = f"{headers[key]}, {value}" if key in headers else value
                with app.lock:
                    app.seen.append({"path": self.path, "headers": headers})
                user = self.headers.get("X-Auth-Request-User", "nobody")
                email = self.headers.get("X-Auth-Request-Email", "")
                body = (
                    "<!DOCTYPE html><html><head><title>demo</title></head><body>"
                    f"<h1>Hello {html.escape(user)}</h1><p>{html.escape(email)}</p>"
                    "</body></html>"
                )
                status = 200
                if self.path.startswith("/_status/") and self.path[9:].isdigit():
                    status = int(self.path[9:])
                self._send(status, "text/html; charset=utf-8", body)

            def _send(self, status, content_type, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def last(self) -> dict:
        with self.lock:
            return self.seen[-1] if self.seen else {}

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
            self._thread.join()
        self.server.server_close()


if __name__ == "__main__":
    demo = DemoApp(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(json.dumps({"port": demo.port}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        demo.stop()
