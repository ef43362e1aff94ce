"""Fixtures for the browser face's end-to-end tests (docs/web.md).

Every part is real and on loopback: panva's oidc-provider (its login and
consent pages, tests/e2e/providers.py), authgate-server processes started
from generated config files, redis-server, Debian's nginx running
nginx.conf.template, the demo app (demo_app.py) and headless Chromium
(browser/drive.js through puppeteer-core). Run with Debian's interpreter:

    AUTHGATE_SERVER=build/grpc_service/authgate-server /usr/bin/python3 -m pytest tests/web

The server binary is $AUTHGATE_SERVER, else build-web/ or build/; none is a
failure, as is a missing redis-server, nginx, chromium or node_modules.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import http.client
import http.cookies
import importlib.util
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(HERE))

import providers  # noqa: E402  (tests/e2e/providers.py)
from demo_app import DemoApp  # noqa: E402


def _grpc_conftest():
    """tests/grpc/conftest.py under its own module name (this directory's
    conftest is "conftest"), for its ServerProcess and stubs."""
    name = "authgate_grpc_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, REPO / "tests" / "grpc" / "conftest.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


grpc_conftest = _grpc_conftest()
ServerProcess = grpc_conftest.ServerProcess
pb = grpc_conftest.pb  # the generated gRPC stubs, a session fixture

BROWSER_DIR = HERE / "browser"
TEMPLATE = HERE / "nginx.conf.template"
USERNAME_DOMAIN = "example.com"  # the provider's email is USERNAME@example.com


def free_port() -> int:
    return providers.free_port()


def require_tool(name: str) -> str:
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)),
        None,
    )
    if not path:
        pytest.fail(f"{name} is not installed (scripts/setup installs it)")
    return path


def server_binary() -> str:
    candidates = [
        os.environ.get("AUTHGATE_SERVER"),
        REPO / "build-web" / "grpc_service" / "authgate-server",
        REPO / "build" / "grpc_service" / "authgate-server",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.fail("authgate-server not built; set AUTHGATE_SERVER")


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode}")
        with contextlib.suppress(OSError):
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        time.sleep(0.05)
    raise AssertionError(f"127.0.0.1:{port} did not accept within {timeout} s")


# --- plain HTTP ---------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def reason(self) -> str | None:
        return self.header("authgate-error-reason")

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self):
        return json.loads(self.body)

    def set_cookies(self) -> dict[str, str]:
        """name → value of every Set-Cookie ("" for a cookie being cleared)."""
        out = {}
        for header in self.all("Set-Cookie"):
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                cleared = morsel["max-age"] in ("0", "-1") or (
                    morsel["expires"] and "1970" in morsel["expires"]
                )
                out[name] = "" if cleared else morsel.value
        return out

    def __repr__(self):
        return f"<{self.status} {self.reason} {self.text[:200]!r}>"


def request(
    url: str,
    method: str = "GET",
    headers: dict | None = None,
    body: bytes | None = None,
    timeout: float = 15,
) -> Response:
    """One HTTP/1.1 request, no redirects followed, raw path kept as given."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items() if v)


# --- Redis --------------------------------------------------------------------


class Redis:
    """redis-server on a free loopback port, nothing saved to disk."""

    def __init__(self, directory: pathlib.Path):
        self.binary = require_tool("redis-server")
        self.dir = directory
        self.port = free_port()
        self.proc = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.dir),
             "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while self.command("PING") != "PONG":
            assert time.monotonic() < deadline, "redis-server did not answer PING"
            time.sleep(0.05)

    def command(self, *args: str):
        """One command over RESP; its reply (str, int, list) or None when
        Redis does not answer."""
        payload = f"*{len(args)}\r\n" + "".join(
            f"${len(a.encode())}\r\n{a}\r\n" for a in args
        )
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(payload.encode())
                reader = s.makefile("rb")
                return self._reply(reader)
        except OSError:
            return None

    def _reply(self, reader):
        line = reader.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:].decode()
        if kind in (b"+", b"-"):
            return rest
        if kind == b":":
            return int(rest)
        if kind == b"$":
            if rest == "-1":
                return None
            data = reader.read(int(rest) + 2)
            return data[:-2].decode(errors="replace")
        if kind == b"*":
            return [self._reply(reader) for _ in range(int(rest))]
        raise AssertionError(f"unexpected Redis reply {line!r}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture()
def redis(tmp_path):
    server = Redis(tmp_path)
    yield server
    server.stop()


# --- nginx --------------------------------------------------------------------


class Nginx:
    """Debian's nginx as a loopback server running nginx.conf.template's site
    (its pid file, logs and temp files inside `directory`)."""

    def __init__(self, directory: pathlib.Path, port: int, authgate: str, app: str):
        binary = require_tool("nginx")
        self.dir = directory
        self.port = port
        directory.mkdir(parents=True, exist_ok=True)
        site = TEMPLATE.read_text()
        for key, value in {
            "${LISTEN}": f"127.0.0.1:{port}",
            "${AUTHGATE}": authgate,
            "${APP}": app,
        }.items():
            site = site.replace(key, value)
        (directory / "site.conf").write_text(site)
        temp = "".join(
            f"    {kind}_temp_path {directory / ('tmp_' + kind)};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (directory / "nginx.conf").write_text(
            f"pid {directory / 'nginx.pid'};\n"
            f"error_log {directory / 'error.log'} info;\n"
            "worker_processes 1;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            f"    access_log {directory / 'access.log'};\n"
            f"{temp}"
            f"    include {directory / 'site.conf'};\n"
            "}\n"
        )
        # As root, nginx would switch its worker to "nobody", which cannot
        # read pytest's private temporary directories.
        user = " user root;" if os.geteuid() == 0 else ""
        self.proc = subprocess.Popen(
            [binary, "-p", str(directory), "-c", str(directory / "nginx.conf"),
             "-e", str(directory / "error.log"), "-g", f"daemon off;{user}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_port(port, self.proc)
        except AssertionError:
            self.proc.wait(timeout=5)
            raise AssertionError("nginx did not start: " + self.proc.stderr.read())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


# --- authgate-server ----------------------------------------------------------


def new_cookie_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def write_keys(path: pathlib.Path, keys: list[str]) -> pathlib.Path:
    path.write_text("".join(k + "\n" for k in keys))
    return path


class Authgate(ServerProcess):
    """authgate-server with a generated config file, its browser face on
    `web_port` (chosen here so redirect URLs can name it before it starts)."""

    def __init__(self, config: dict, directory: pathlib.Path, web_port: int):
        directory.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.web_port = web_port
        path = directory / f"authgate-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(config, indent=2))
        self.stdout_path = directory / f"stdout-{time.monotonic_ns()}.txt"
        self._stdout = open(self.stdout_path, "w")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("COGNITO_", "AUTHGATE_"))
        }
        argv = [
            server_binary(),
            "--listen=127.0.0.1:0",
            "--metrics_listen=127.0.0.1:0",
            f"--config={path}",
        ]
        super().__init__(argv, env, self._stdout)
        try:
            event = self.wait_event("server_started")
            self.port, self.metrics_port = event["port"], event["metrics_port"]
            assert event.get("web_port") == web_port, (
                f"browser face not on {web_port}: {event}\n" + "\n".join(self.lines[-20:]))
            self.wait_ready()
        except BaseException:
            self.stop()  # no stray server when it failed to come up
            raise

    def wait_ready(self, timeout: float = 20) -> None:
        """Until /readyz says the provider (and session store) can be used."""
        deadline = time.monotonic() + timeout
        while True:
            answer = None
            with contextlib.suppress(OSError):
                answer = request(f"http://127.0.0.1:{self.metrics_port}/readyz", timeout=2)
            if answer is not None and answer.status == 200:
                return
            assert time.monotonic() < deadline and self.proc.poll() is None, (
                "authgate-server not ready:\n" + "\n".join(self.lines[-20:]))
            time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def stop(self, *args, **kwargs) -> int:
        code = super().stop(*args, **kwargs)
        self._stdout.close()
        return code

    def output(self) -> str:
        """Everything it wrote: stderr lines and stdout."""
        return "\n".join(self.lines) + "\n" + self.stdout_path.read_text()


@pytest.fixture(scope="session")
def oidc():
    provider = providers.start_oidc_provider()
    try:
        yield provider
    finally:
        provider.stop()


_client_serial = [0]


class Stack:
    """One sign-in set-up: a client registered at the provider, N
    authgate-servers sharing a cookie key ring (and Redis, if given), and
    optionally an nginx per server in front of the demo app."""

    def __init__(self, oidc, tmp: pathlib.Path, *, servers: int = 1,
                 redis: Redis | None = None, nginx: bool = False,
                 access_ttl: int | None = None, sign_out: bool = False,
                 web: dict | None = None, demo: DemoApp | None = None):
        _client_serial[0] += 1
        tmp.mkdir(parents=True, exist_ok=True)
        self.oidc = oidc
        self.tmp = tmp
        self.redis = redis
        self.client_id = f"web-{_client_serial[0]}-{os.getpid()}"
        self.client_secret = "web-secret:" + base64.urlsafe_b64encode(os.urandom(12)).decode()
        self.key = new_cookie_key()
        self.key_file = write_keys(tmp / "cookie-keys", [self.key])
        self.web_ports = [free_port() for _ in range(servers)]
        self.nginx_ports = [free_port() for _ in range(servers)] if nginx else []
        # Browsers reach authgate through nginx when there is one, else directly.
        fronts = self.nginx_ports or self.web_ports
        self.callbacks = [f"http://127.0.0.1:{p}/oauth2/callback" for p in fronts]
        self.bases = [f"http://127.0.0.1:{p}" for p in fronts]
        providers.register_client(
            oidc,
            self.client_id,
            self.callbacks,
            client_secret=self.client_secret,
            post_logout_redirect_uris=[b + "/" for b in self.bases],
            access_token_ttl=access_ttl,
        )
        self.web = dict(web or {})
        self.sign_out = sign_out
        self.servers: list[Authgate] = []
        self.nginx: list[Nginx] = []
        self.demo = demo
        try:
            for i in range(servers):
                self.servers.append(self.start_server(i))
            for i, port in enumerate(self.nginx_ports):
                self.nginx.append(Nginx(tmp / f"nginx-{i}", port,
                                        f"127.0.0.1:{self.web_ports[i]}",
                                        f"127.0.0.1:{demo.port}"))
        except BaseException:
            # What did start stops; the failure is the start's.
            with contextlib.suppress(Exception):
                self.stop()
            raise

    def config(self, i: int, key_file: pathlib.Path | None = None) -> dict:
        web = {
            "listen": f"127.0.0.1:{self.web_ports[i]}",
            "redirect_url": self.callbacks[i],
            "cookie": {"secret_file": str(key_file or self.key_file)},
            "allowed_redirect_domains": ["app.example.com", ".good.example"],
        }
        if self.sign_out:
            web["sign_out_url"] = self.bases[i] + "/"
        if self.redis is not None:
            web["session_store"] = {"type": "redis", "url": self.redis.url,
                                    "timeout": "300ms"}
        web.update(self.web)
        return {
            "server": {"provider_retry_max": "2s"},
            "providers": [{
                "name": "oidc",
                "kind": "oidc",
                "issuer": self.oidc.issuer,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "auth_method": "client_secret_basic",
                "redirect_uri": self.callbacks[i],
                "scopes": ["openid", "email", "profile", "offline_access"],
            }],
            "web": web,
        }

    def start_server(self, i: int, key_file: pathlib.Path | None = None) -> Authgate:
        return Authgate(self.config(i, key_file), self.tmp / f"authgate-{i}",
                        self.web_ports[i])

    def restart(self, i: int, key_file: pathlib.Path | None = None) -> Authgate:
        assert self.servers[i].stop() == 0
        self.servers[i] = self.start_server(i, key_file)
        return self.servers[i]

    def stop(self) -> None:
        for n in self.nginx:
            n.stop()
        # In parallel: each server's drain takes a couple of seconds.
        with concurrent.futures.ThreadPoolExecutor(max(1, len(self.servers))) as pool:
            codes = list(pool.map(lambda s: s.stop(), self.servers))
        assert codes == [0] * len(codes), f"authgate exit codes {codes}"

    # --- sign-in without a browser -----------------------------------------

    def start(self, rd: str | None = "/", i: int = 0, extra: str = "") -> Response:
        query = "" if rd is None else "?rd=" + urllib.parse.quote(rd, safe="")
        if extra:
            query += ("&" if query else "?") + extra
        return request(f"{self.servers[i].url}/oauth2/start{query}")

    def sign_in(self, username: str = "alice", rd: str = "/", i: int = 0) -> "Signed":
        """The whole code flow over plain HTTP: /oauth2/start, the provider's
        login and consent forms, the callback. Returns the cookies, codes
        and responses seen."""
        started = self.start(rd, i)
        assert started.status == 302, started
        flow_cookies = started.set_cookies()
        assert len(flow_cookies) == 1, flow_cookies
        location = started.header("Location")
        callback_url = providers.login_redirect(location, self.oidc, username)
        path = urllib.parse.urlsplit(callback_url)
        local = f"{self.servers[i].url}{path.path}?{path.query}"
        back = request(local, headers={"Cookie": cookie_header(flow_cookies)})
        assert back.status == 302, back
        cookies = {k: v for k, v in back.set_cookies().items() if v}
        return Signed(username, flow_cookies, local, back, cookies,
                      urllib.parse.parse_qs(path.query)["code"][0])

    def auth(self, cookies: dict | str | None, i: int = 0, headers: dict | None = None) -> Response:
        h = dict(headers or {})
        if cookies:
            h["Cookie"] = cookies if isinstance(cookies, str) else cookie_header(cookies)
        return request(f"{self.servers[i].url}/oauth2/auth", headers=h)


class Signed:
    def __init__(self, username, flow_cookies, callback_url, callback, cookies, code):
        self.username = username
        self.flow_cookies = flow_cookies
        self.callback_url = callback_url
        self.callback = callback
        self.cookies = cookies
        self.code = code

    @property
    def session_name(self) -> str:
        names = [n for n in self.cookies if not n.startswith("_authgate_csrf")]
        assert names, self.cookies
        return names[0]


@pytest.fixture()
def stack_factory(oidc, tmp_path):
    stacks = []

    def make(**kwargs) -> Stack:
        stack = Stack(oidc, tmp_path / f"stack-{len(stacks)}", **kwargs)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.fixture()
def demo():
    app = DemoApp()
    yield app
    app.stop()


# --- the browser ----------------------------------------------------------------


class Browser:
    """A headless Chromium kept running by browser/drive.js --serve: one step
    (or list of steps) in, its JSON result out; cookies last until close()."""

    def __init__(self):
        require_tool("chromium")
        if not (BROWSER_DIR / "node_modules" / "puppeteer-core").is_dir():
            pytest.fail("tests/web/browser/node_modules missing: run scripts/setup "
                        "(npm ci in tests/web/browser)")
        self.proc = subprocess.Popen(
            ["node", str(BROWSER_DIR / "drive.js"), "--serve"],
            cwd=BROWSER_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = self.proc.stdout.readline()
        if not ready:
            raise AssertionError("drive.js did not start: " + self.proc.stderr.read())

    def step(self, **step) -> dict:
        self.proc.stdin.write(json.dumps(step) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "drive.js ended: " + self.proc.stderr.read()
        result = json.loads(line)
        assert result["ok"], result
        return result

    def goto(self, url: str) -> dict:
        return self.step(goto=url)

    def reload(self) -> dict:
        return self.step(reload=True)

    def login(self, sub: str) -> dict:
        return self.step(login=sub, password="any-password")

    def cookies(self) -> list[dict]:
        return self.step(cookies=True)["cookies"]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture()
def browser():
    b = Browser()
    yield b
    b.close()
