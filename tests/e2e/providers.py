"""Real identity providers on 127.0.0.1 for authgate's end-to-end tests.

Reusable by every test suite (C++, gRPC, Python); standard library only.

* moto's Cognito emulator (``python -m moto.server``), prepared with boto3:
  a user pool, an app client with a secret, a group and a user, plus ID and
  access tokens from AdminInitiateAuth. moto serves only
  ``/{poolId}/.well-known/jwks.json`` and its tokens name the real AWS issuer,
  so configure ``jwks_uri`` and keep the AWS issuer.
* panva's oidc-provider shaped like a Cognito pool (``oidc_provider/server.js``):
  issuer ``http://127.0.0.1:PORT/us-east-1_e2ePool``, routes /oauth2/*,
  /logout, Cognito claims, four clients (basic, post, public+PKCE, m2m) and
  admin controls for key rotation, outages and faults.

Python API::

    moto = providers.start_moto()
    cognito = providers.setup_cognito(moto.endpoint)      # dict, see below
    oidc = providers.start_oidc_provider()
    code, state = providers.login(auth_url, oidc, username="alice")
    providers.rotate_keys(oidc); providers.stats(oidc)["jwks"]
    providers.register_client(oidc, "web", [callback], client_secret="s")
    providers.revoke_grants(oidc, sub)
    oidc.stop(); moto.stop()

CLI::

    providers.py start [--no-moto] [--no-oidc]   # prints env JSON, runs until SIGTERM
    providers.py login --url URL --admin http://127.0.0.1:PORT --username alice
    providers.py cognito-setup --endpoint http://127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
OIDC_DIR = os.path.join(HERE, "oidc_provider")
DEFAULT_POOL = "us-east-1_e2ePool"
COGNITO_REGION = "us-east-1"
COGNITO_USER = "alice"
COGNITO_PASSWORD = "Correct-Horse-Battery-9!"


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, deadline_s: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"provider exited with {proc.returncode} before {url} answered"
            )
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers; any status is fine
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {deadline_s} s")


class Provider:
    """A started provider process; stop() is idempotent."""

    def __init__(self, proc: subprocess.Popen, info: dict):
        self.proc = proc
        self.info = info

    @property
    def port(self) -> int:
        return self.info["port"]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return self.info.get("issuer", self.endpoint)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Close the pipes we opened so callers never see a ResourceWarning.
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# --- moto -------------------------------------------------------------------


def _python_with(*modules: str) -> str:
    """An interpreter that imports `modules`: $AUTHGATE_MOTO_PYTHON, this one,
    then python3 on PATH, then Debian's."""
    candidates = [
        os.environ.get("AUTHGATE_MOTO_PYTHON"),
        sys.executable,
        shutil.which("python3"),
        "/usr/bin/python3",
    ]
    probe = "import " + ", ".join(modules)
    for candidate in candidates:
        if not candidate or not os.path.exists(candidate):
            continue
        if (
            subprocess.run([candidate, "-c", probe], capture_output=True).returncode
            == 0
        ):
            return candidate
    raise RuntimeError(f"no python3 with {', '.join(modules)} found")


def start_moto(port: int | None = None, log=subprocess.DEVNULL) -> Provider:
    """Starts moto's server (all services, Cognito included) on 127.0.0.1."""
    port = port or free_port()
    python = _python_with("moto.server", "boto3")
    proc = subprocess.Popen(
        [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    provider = Provider(proc, {"port": port, "python": python})
    try:
        _wait_for_http(f"{provider.endpoint}/moto-api/", 30, proc)
    except Exception:
        provider.stop()
        raise
    return provider


def _secret_hash(username: str, client_id: str, secret: str) -> str:
    digest = hmac.new(
        secret.encode(), (username + client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def _cognito_setup_here(endpoint: str, region: str = COGNITO_REGION) -> dict:
    import boto3  # only on the interpreter that has it

    idp = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pool_id = idp.create_user_pool(PoolName="authgate-e2e")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="authgate-e2e-app",
        GenerateSecret=True,
        ExplicitAuthFlows=[
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )["UserPoolClient"]
    client_id, secret = client["ClientId"], client["ClientSecret"]
    idp.create_group(GroupName="admins", UserPoolId=pool_id)
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=COGNITO_USER,
        MessageAction="SUPPRESS",
        TemporaryPassword="Temp-Passw0rd!",
        UserAttributes=[
            {"Name": "email", "Value": "alice@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )["User"]
    idp.admin_set_user_password(
        UserPoolId=pool_id,
        Username=COGNITO_USER,
        Password=COGNITO_PASSWORD,
        Permanent=True,
    )
    idp.admin_add_user_to_group(
        UserPoolId=pool_id, Username=COGNITO_USER, GroupName="admins"
    )
    auth = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": COGNITO_USER,
            "PASSWORD": COGNITO_PASSWORD,
            "SECRET_HASH": _secret_hash(COGNITO_USER, client_id, secret),
        },
    )["AuthenticationResult"]
    sub = next(
        (a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub"), ""
    )
    return {
        "endpoint": endpoint,
        "region": region,
        "pool_id": pool_id,
        "client_id": client_id,
        "client_secret": secret,
        "issuer": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        "jwks_uri": f"{endpoint}/{pool_id}/.well-known/jwks.json",
        "username": COGNITO_USER,
        "sub": sub,
        "group": "admins",
        "id_token": auth["IdToken"],
        "access_token": auth["AccessToken"],
        "refresh_token": auth.get("RefreshToken", ""),
    }


def setup_cognito(endpoint: str, region: str = COGNITO_REGION) -> dict:
    """Creates pool, app client (with secret), group and user in moto and signs
    the user in. Returns pool_id, client_id, client_secret, issuer (the AWS
    form), jwks_uri (moto's), username, sub, group, id_token, access_token."""
    try:
        import boto3  # noqa: F401

        return _cognito_setup_here(endpoint, region)
    except ImportError:
        python = _python_with("boto3")
        out = subprocess.run(
            [
                python,
                os.path.abspath(__file__),
                "cognito-setup",
                "--endpoint",
                endpoint,
                "--region",
                region,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(out)


# --- oidc-provider ----------------------------------------------------------


def ensure_node_modules() -> None:
    """Runs `npm ci` in oidc_provider/ when node_modules is missing."""
    if not os.path.isdir(os.path.join(OIDC_DIR, "node_modules", "oidc-provider")):
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=OIDC_DIR,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def start_oidc_provider(
    port: int = 0, pool: str = DEFAULT_POOL, log=subprocess.DEVNULL
) -> Provider:
    """Starts the Cognito-shaped oidc-provider. `info` holds port, issuer,
    clients {basic, post, public, m2m: {id, secret}}, redirect_uri,
    logout_uri, m2m_scopes; `admin` is the base URL of its controls."""
    ensure_node_modules()
    proc = subprocess.Popen(
        ["node", "server.js", "--port", str(port), "--pool", pool],
        cwd=OIDC_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        start_new_session=True,
    )
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=5)
        raise RuntimeError(f"oidc-provider exited with {proc.returncode}")
    info = json.loads(line)
    info["admin"] = f"http://127.0.0.1:{info['port']}"
    return Provider(proc, info)


def _admin(admin_base: str, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(
        admin_base + path, method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _admin_base(provider) -> str:
    return provider if isinstance(provider, str) else provider.info["admin"]


def rotate_keys(provider) -> dict:
    """Adds a new signing key in front; returns {kid, kids}."""
    return _admin(_admin_base(provider), "/admin/rotate", "POST")


def remove_key(provider, kid: str) -> dict:
    return _admin(
        _admin_base(provider), "/admin/remove?kid=" + urllib.parse.quote(kid), "POST"
    )


def stats(provider) -> dict:
    """Request counters: jwks, discovery, token, userinfo, revocation, authorization."""
    return _admin(_admin_base(provider), "/admin/stats")


def set_outage(provider, on: bool) -> None:
    """While on, every non-admin connection is dropped (provider 'down')."""
    _admin(_admin_base(provider), "/admin/outage?on=" + ("1" if on else "0"), "POST")


def register_user(provider, username: str, padding: int | None = None) -> str:
    """Returns the sub the provider uses for `username`. `padding` (when
    given) sets the length of a `custom:padding` claim in its tokens from
    now on, refreshes included (0 removes it): big ID tokens, big sessions."""
    query = {"username": username}
    if padding is not None:
        query["padding"] = str(padding)
    return _admin(
        _admin_base(provider),
        "/admin/user?" + urllib.parse.urlencode(query),
        "POST",
    )["sub"]


def register_client(
    provider,
    client_id: str,
    redirect_uris: list[str],
    client_secret: str | None = None,
    token_endpoint_auth_method: str = "client_secret_basic",
    post_logout_redirect_uris: list[str] = (),
    access_token_ttl: int | None = None,
) -> dict:
    """Adds (or replaces) an authorization_code + refresh_token client with
    scopes openid email profile offline_access; its user access tokens live
    `access_token_ttl` seconds (default 3600)."""
    body = {
        "client_id": client_id,
        "token_endpoint_auth_method": token_endpoint_auth_method,
        "redirect_uris": list(redirect_uris),
        "post_logout_redirect_uris": list(post_logout_redirect_uris),
    }
    if client_secret is not None:
        body["client_secret"] = client_secret
    if access_token_ttl is not None:
        body["access_token_ttl"] = access_token_ttl
    request = urllib.request.Request(
        _admin_base(provider) + "/admin/client",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def revoke_grants(provider, sub: str, client_id: str | None = None) -> int:
    """Ends every grant of account `sub` (optionally of one client) at the
    provider, so its refresh tokens are refused; returns how many."""
    query = {"sub": sub}
    if client_id:
        query["client_id"] = client_id
    return _admin(
        _admin_base(provider),
        "/admin/revoke_grants?" + urllib.parse.urlencode(query),
        "POST",
    )["revoked"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(
    authorization_url: str,
    provider,
    username: str = "alice",
    password: str = "any-password",
) -> tuple[str, str]:
    """Signs `username` in through the provider's login and consent forms over
    plain HTTP (cookie jar, no browser) and returns (code, state) from the
    redirect to the client's redirect_uri."""
    location = login_redirect(authorization_url, provider, username, password)
    params = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    if "error" in params:
        raise RuntimeError(f"authorization failed: {params['error'][0]}")
    return params["code"][0], params.get("state", [""])[0]


def login_redirect(
    authorization_url: str,
    provider,
    username: str = "alice",
    password: str = "any-password",
) -> str:
    """Like login(), but returns the whole URL the provider redirected to (the
    client's redirect_uri with code, state and iss, or error), so a test can
    hand it to the client's callback as a browser would."""
    sub = register_user(provider, username)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(authorization_url).query)
    redirect_uri = query["redirect_uri"][0]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), _NoRedirect
    )
    url, data = authorization_url, None
    for _ in range(20):
        try:
            response = opener.open(urllib.request.Request(url, data=data), timeout=10)
            status, headers, body = (
                response.status,
                response.headers,
                response.read().decode(),
            )
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read().decode(errors="replace")
        if status in (301, 302, 303, 307, 308):
            location = urllib.parse.urljoin(url, headers["Location"])
            if location.startswith(redirect_uri):
                return location
            url, data = location, None
            continue
        if status != 200:
            raise RuntimeError(f"unexpected HTTP {status} at {url}: {body[:200]}")
        action = re.search(r'<form[^>]*action="([^"]+)"', body)
        prompt = re.search(r'name="prompt" value="(\w+)"', body)
        if not action or not prompt:
            raise RuntimeError(f"no login/consent form at {url}")
        fields = {"prompt": prompt.group(1)}
        if prompt.group(1) == "login":
            fields.update(login=sub, password=password)
        url = urllib.parse.urljoin(url, action.group(1).replace("&amp;", "&"))
        data = urllib.parse.urlencode(fields).encode()
    raise RuntimeError("too many steps in the login flow")


# --- CLI --------------------------------------------------------------------


def start_all(with_moto: bool = True, with_oidc: bool = True, log=subprocess.DEVNULL):
    """Starts the providers and returns (providers, env) where env holds
    AUTHGATE_E2E_OIDC (oidc-provider info JSON) and AUTHGATE_E2E_COGNITO
    (moto set-up JSON)."""
    started, env = [], {}
    try:
        if with_oidc:
            oidc = start_oidc_provider(log=log)
            started.append(oidc)
            env["AUTHGATE_E2E_OIDC"] = json.dumps(oidc.info)
        if with_moto:
            moto = start_moto(log=log)
            started.append(moto)
            env["AUTHGATE_E2E_COGNITO"] = json.dumps(setup_cognito(moto.endpoint))
    except Exception:
        for p in started:
            p.stop()
        raise
    env["AUTHGATE_E2E_PYTHON"] = sys.executable
    env["AUTHGATE_E2E_PROVIDERS_PY"] = os.path.abspath(__file__)
    return started, env


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser(
        "start", help="start providers; print env JSON; run until SIGTERM"
    )
    start.add_argument("--no-moto", action="store_true")
    start.add_argument("--no-oidc", action="store_true")
    lg = sub.add_parser("login", help="drive login+consent; print {code, state}")
    lg.add_argument("--url", required=True)
    lg.add_argument(
        "--admin", required=True, help="http://127.0.0.1:PORT of oidc-provider"
    )
    lg.add_argument("--username", default="alice")
    cs = sub.add_parser("cognito-setup", help="prepare a moto Cognito pool; print JSON")
    cs.add_argument("--endpoint", required=True)
    cs.add_argument("--region", default=COGNITO_REGION)
    args = parser.parse_args(argv)

    if args.command == "cognito-setup":
        print(json.dumps(_cognito_setup_here(args.endpoint, args.region)))
        return 0
    if args.command == "login":
        code, state = login(args.url, args.admin, args.username)
        print(json.dumps({"code": code, "state": state}))
        return 0
    started, env = start_all(not args.no_moto, not args.no_oidc, log=sys.stderr)
    print(json.dumps(env), flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    try:
        while not stop:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        for p in started:
            p.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
