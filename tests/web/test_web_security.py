"""The browser face's refusals, over plain HTTP straight to authgate-server
(the provider's login and consent forms are driven without a browser, see
Stack.sign_in): every answer is checked by status and
authgate-error-reason."""

import base64
import json
import time
import urllib.parse
import urllib.request

import grpc
import pytest

import providers
from secret_forms import encodings
from conftest import Stack, cookie_header, new_cookie_key, request, write_keys


def flip(value: str, at: int) -> str:
    """`value` with one base64url character changed."""
    return value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1:]


def expect(response, status: int, reason: str):
    assert (response.status, response.reason) == (status, reason), response
    return response


def expect_cleared(response, name: str):
    assert response.set_cookies().get(name) == "", response.all("Set-Cookie")


# --- session cookies ------------------------------------------------------------


def test_valid_session_gets_identity_headers(stack_factory, oidc):
    stack = stack_factory()
    signed = stack.sign_in("alice")
    answer = stack.auth(signed.cookies, headers={"X-Auth-Request-User": "mallory"})
    assert answer.status == 202, answer
    assert answer.header("X-Auth-Request-User") == "alice"
    assert answer.header("X-Auth-Request-Email") == "alice@example.com"
    assert answer.header("X-Auth-Request-Sub") == providers.register_user(oidc, "alice")
    assert answer.header("X-Auth-Request-Access-Token") is None  # pass_access_token off
    info = request(stack.servers[0].url + "/oauth2/userinfo",
                   headers={"Cookie": cookie_header(signed.cookies)})
    assert info.status == 200, info
    assert info.json()["email"] == "alice@example.com"
    assert info.json()["provider"] == "oidc"


def test_no_session_cookie(stack_factory):
    stack = stack_factory()
    expect(stack.auth(None), 401, "session_missing")
    expect(stack.auth("other=1"), 401, "session_missing")
    info = request(stack.servers[0].url + "/oauth2/userinfo")
    expect(info, 401, "session_missing")
    assert info.json() == {"error": "session_missing"}


def test_tampered_truncated_and_swapped_session_cookies(stack_factory):
    stack = stack_factory()
    signed = stack.sign_in("bob")
    name = signed.session_name
    value = signed.cookies[name]
    flow_value = next(iter(signed.flow_cookies.values()))
    for bad in (
        flip(value, len(value) // 2),  # ciphertext
        flip(value, 3),  # nonce
        flip(value, len(value) - 2),  # tag
        value[:-8],  # truncated
        value[:10],
        value + "AAAA",
        flow_value,  # a sealed flow state is not a session (purpose bound)
        "not-base64!*",
    ):
        answer = expect(stack.auth({name: bad}), 401, "session_invalid")
        expect_cleared(answer, name)
    # The genuine cookie still works.
    assert stack.auth(signed.cookies).status == 202


def test_cookie_sealed_with_a_retired_key(stack_factory, tmp_path):
    stack = stack_factory()
    signed = stack.sign_in("carol")
    new_key = new_cookie_key()
    # The old key dropped: its cookies are no longer ours.
    stack.restart(0, write_keys(tmp_path / "only-new", [new_key]))
    expect(stack.auth(signed.cookies), 401, "session_invalid")
    # The new key first, the old one kept: old cookies still open.
    stack.restart(0, write_keys(tmp_path / "new-then-old", [new_key, stack.key]))
    assert stack.auth(signed.cookies).status == 202


# --- the callback ---------------------------------------------------------------


def test_replayed_callback(stack_factory):
    stack = stack_factory()
    signed = stack.sign_in("dave")
    # The callback cleared its flow cookie: the same URL again has none.
    flow_name = next(iter(signed.flow_cookies))
    assert signed.callback.set_cookies().get(flow_name) == ""
    expect(request(signed.callback_url), 403, "state_mismatch")
    # An attacker who kept the flow cookie: the provider refuses the used code.
    again = request(signed.callback_url,
                    headers={"Cookie": cookie_header(signed.flow_cookies)})
    expect(again, 403, "oauth_invalid_grant")


def test_state_mismatch(stack_factory, oidc):
    stack = stack_factory()
    first = stack.start("/")
    second = stack.start("/")
    callback = providers.login_redirect(first.header("Location"), oidc, "erin")
    parts = urllib.parse.urlsplit(callback)
    url = f"{stack.servers[0].url}{parts.path}?{parts.query}"
    # The flow cookie of another sign-in.
    expect(request(url, headers={"Cookie": cookie_header(second.set_cookies())}),
           403, "state_mismatch")
    # The right flow cookie, another state.
    query = urllib.parse.parse_qs(parts.query)
    # Another first character (a state starting with "x" stayed the same:
    # a one-in-64 failure).
    state = query["state"][0]
    query["state"] = [("x" if state[0] != "x" else "y") + state[1:]]
    forged = f"{stack.servers[0].url}{parts.path}?{urllib.parse.urlencode(query, doseq=True)}"
    expect(request(forged, headers={"Cookie": cookie_header(first.set_cookies())}),
           403, "state_mismatch")
    # No state at all.
    expect(request(f"{stack.servers[0].url}/oauth2/callback?code=abc",
                   headers={"Cookie": cookie_header(first.set_cookies())}),
           403, "state_mismatch")


def test_provider_error_on_callback_is_a_page_not_a_500(stack_factory):
    stack = stack_factory()
    started = stack.start("/")
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(started.header("Location")).query)["state"][0]
    answer = request(
        f"{stack.servers[0].url}/oauth2/callback?error=access_denied&"
        f"error_description=%3Cscript%3E&state={state}",
        headers={"Cookie": cookie_header(started.set_cookies())},
    )
    expect(answer, 403, "oauth_error")
    assert "access_denied" in answer.text
    assert "<script>" not in answer.text


def test_provider_down_during_the_exchange(stack_factory, oidc):
    stack = stack_factory()
    started = stack.start("/")
    callback = providers.login_redirect(started.header("Location"), oidc, "pat")
    parts = urllib.parse.urlsplit(callback)
    providers.set_outage(oidc, True)
    try:
        answer = request(f"{stack.servers[0].url}{parts.path}?{parts.query}",
                         headers={"Cookie": cookie_header(started.set_cookies())})
    finally:
        providers.set_outage(oidc, False)
    expect(answer, 503, "provider_unavailable")


# --- open redirects -------------------------------------------------------------

REFUSED = [
    "//evil.com",
    "//evil.com/path",
    "https://evil.com",
    "http://evil.com/",
    "HTTPS://EVIL.COM",
    "/\\evil.com",
    "\\\\evil.com",
    "/%2F%2Fevil.com",
    "/%2f%2fevil.com",
    "/%5Cevil.com",
    "/%5cevil.com",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,hi",
    "ftp://app.example.com/",
    "/\t/evil.com",
    "/\r\n/evil.com",
    "/\n/evil.com",
    "/ /evil.com",
    "/x\x00y",
    "/x\x7fy",
    "https://app.example.com@evil.com/",
    "https://user:pw@app.example.com/",
    "http://evil.com?.good.example",
    "http://evil.com#.good.example",
    "https://app.example.com.evil.com/",
    "https://evilgood.example/",
]


@pytest.mark.parametrize("rd", REFUSED, ids=repr)
def test_open_redirect_refused(web_stack, rd):
    answer = expect(web_stack.start(rd), 400, "redirect_not_allowed")
    assert not answer.set_cookies(), "no flow cookie for a refused sign-in"


@pytest.mark.parametrize("rd", [
    "/", "/orders?id=1", "https://app.example.com/x", "https://good.example/",
    "https://a.b.good.example/y?z=1",
])
def test_allowed_redirects(web_stack, rd):
    answer = web_stack.start(rd)
    assert answer.status == 302, answer


def test_flow_cookie_attributes(web_stack):
    started = web_stack.start("/")
    assert started.status == 302, started
    (header,) = started.all("Set-Cookie")
    name = header.split("=", 1)[0]
    assert name.startswith("_authgate_csrf_") and len(name) == len("_authgate_csrf_") + 12
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in header.split(";")[1:]}
    assert attributes["max-age"] == "Max-Age=600"
    assert attributes["samesite"].lower() == "samesite=lax"
    assert attributes["path"] == "Path=/"
    assert "httponly" in attributes
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(started.header("Location")).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [web_stack.client_id]
    assert query["redirect_uri"] == [web_stack.callbacks[0]]
    assert query["state"][0] and query["nonce"][0]


def test_return_url_after_sign_in(stack_factory):
    stack = stack_factory()
    assert stack.sign_in("fay", rd="/orders?id=1").callback.header("Location") == "/orders?id=1"
    signed = stack.sign_in("fay", rd=None)  # no rd: default_return_url
    assert signed.callback.header("Location") == "/"


@pytest.fixture(scope="module")
def web_stack(oidc, tmp_path_factory):
    """One server for the many redirect cases."""
    stack = Stack(oidc, tmp_path_factory.mktemp("redirects"))
    yield stack
    stack.stop()


# --- sign-out -------------------------------------------------------------------


def test_cross_site_sign_out_is_refused(stack_factory, oidc):
    stack = stack_factory()
    signed = stack.sign_in("gus")
    url = stack.servers[0].url + "/oauth2/sign_out"
    cookie = cookie_header(signed.cookies)
    revocations = providers.stats(oidc)["revocation"]
    for method, headers in (
        ("GET", {"Sec-Fetch-Site": "cross-site"}),
        ("POST", {"Sec-Fetch-Site": "cross-site"}),
        ("POST", {"Origin": "https://evil.example"}),
        ("GET", {"Origin": "http://127.0.0.1:1"}),
    ):
        answer = request(url, method, {"Cookie": cookie, **headers}, b"" if method == "POST" else None)
        expect(answer, 403, "cross_site_request")
        assert not answer.set_cookies()
    assert providers.stats(oidc)["revocation"] == revocations
    assert stack.auth(signed.cookies).status == 202  # untouched

    # Same-site: signed out, refresh token revoked, cookies cleared.
    host = f"127.0.0.1:{stack.web_ports[0]}"
    answer = request(url + "?rd=/bye", "POST",
                     {"Cookie": cookie, "Origin": f"http://{host}",
                      "Sec-Fetch-Site": "same-origin"}, b"")
    assert answer.status == 302, answer
    assert answer.header("Location") == "/bye"
    expect_cleared(answer, signed.session_name)
    assert providers.stats(oidc)["revocation"] == revocations + 1


def test_sign_out_open_redirect_refused(stack_factory):
    stack = stack_factory()
    signed = stack.sign_in("hal")
    answer = request(stack.servers[0].url + "/oauth2/sign_out?rd=" +
                     urllib.parse.quote("//evil.com", safe=""),
                     headers={"Cookie": cookie_header(signed.cookies)})
    expect(answer, 400, "redirect_not_allowed")


# --- the provider and the store -------------------------------------------------


def test_refresh_token_revoked_at_the_provider(stack_factory, oidc):
    stack = stack_factory(access_ttl=2, web={"refresh_margin": "1s"})
    signed = stack.sign_in("ivy")
    assert stack.auth(signed.cookies).status == 202
    sub = providers.register_user(oidc, "ivy")
    assert providers.revoke_grants(oidc, sub, stack.client_id) >= 1
    time.sleep(2.2)
    answer = expect(stack.auth(signed.cookies), 401, "session_expired")
    expect_cleared(answer, signed.session_name)


def test_redis_down_is_503_never_401(stack_factory, redis):
    stack = stack_factory(redis=redis)
    signed = stack.sign_in("jo")
    assert stack.auth(signed.cookies).status == 202
    redis.stop()
    answer = expect(stack.auth(signed.cookies), 503, "session_store_unavailable")
    assert not answer.set_cookies(), "a store outage never clears the session"
    # Back, but empty (nothing persisted): that session is gone.
    redis.start()
    expect(stack.auth(signed.cookies), 401, "session_missing")


def test_sign_out_everywhere_with_redis(stack_factory, redis):
    stack = stack_factory(redis=redis)
    first = stack.sign_in("max")
    second = stack.sign_in("max")
    other = stack.sign_in("ned")
    assert len(redis.command("KEYS", "authgate:session:*")) == 3
    answer = request(stack.servers[0].url + "/oauth2/sign_out?everywhere=1",
                     headers={"Cookie": cookie_header(first.cookies)})
    assert answer.status == 302, answer
    expect(stack.auth(first.cookies), 401, "session_missing")
    expect(stack.auth(second.cookies), 401, "session_missing")
    assert stack.auth(other.cookies).status == 202  # another user's session stays
    assert len(redis.command("KEYS", "authgate:session:*")) == 1


# --- the JSON API ---------------------------------------------------------------


def id_token(stack, oidc, username: str) -> str:
    """An ID token for the stack's client, straight from the provider."""
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": stack.client_id,
        "redirect_uri": stack.callbacks[0], "scope": "openid email profile",
        "state": "s" * 16, "nonce": "n" * 16,
    })
    location = providers.login_redirect(f"{oidc.issuer}/oauth2/authorize?{query}", oidc, username)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    basic = base64.b64encode(f"{stack.client_id}:{stack.client_secret}".encode()).decode()
    token_request = urllib.request.Request(
        f"{oidc.issuer}/oauth2/token",
        data=urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                     "redirect_uri": stack.callbacks[0]}).encode(),
        headers={"Authorization": "Basic " + basic},
    )
    with urllib.request.urlopen(token_request, timeout=10) as response:
        return json.loads(response.read())["id_token"]


def test_json_validate_token_agrees_with_grpc(stack_factory, oidc, pb):
    stack = stack_factory()
    token = id_token(stack, oidc, "kim")
    header, payload, signature = token.split(".")
    tampered = f"{header}.{flip(payload, 10)}.{signature}"
    url = stack.servers[0].url + "/v1/ValidateToken"
    with stack.servers[0].channel() as channel:
        auth = pb.auth_grpc.AuthServiceStub(channel)
        good = auth.ValidateToken(pb.auth.ValidateTokenRequest(token=token), timeout=10)
        with pytest.raises(grpc.RpcError) as info:
            auth.ValidateToken(pb.auth.ValidateTokenRequest(token=tampered), timeout=10)
    grpc_reason = dict(info.value.trailing_metadata())["authgate-error-reason"]

    answer = request(url, "POST", {"Content-Type": "application/json"},
                     json.dumps({"token": token}).encode())
    assert answer.status == 200, answer
    assert answer.json()["principal"]["subject"] == good.principal.subject

    answer = request(url, "POST", {"Content-Type": "application/json"},
                     json.dumps({"token": tampered}).encode())
    expect(answer, 401, grpc_reason)
    body = answer.json()
    assert body["reason"] == grpc_reason
    assert body["code"] == info.value.code().value[0]

    # A Bearer token on /oauth2/auth gets the same verdict.
    bearer = stack.auth(None, headers={"Authorization": "Bearer " + tampered})
    expect(bearer, 401, grpc_reason)
    assert bearer.header("WWW-Authenticate").startswith('Bearer realm="authgate", error="invalid_token"')
    assert stack.auth(None, headers={"Authorization": "Bearer " + token}).status == 202

    expect(request(url, "POST", {"Content-Type": "application/json"}, b"{not json"),
           400, "invalid_argument")
    assert request(stack.servers[0].url + "/v1/NoSuchRpc", "POST", {}, b"{}").status == 404
    big = json.dumps({"token": "x" * (1024 * 1024 + 1)}).encode()
    assert request(url, "POST", {"Content-Type": "application/json"}, big).status == 413


# --- nothing secret in the output -----------------------------------------------


def test_server_output_holds_no_secret(stack_factory, oidc, redis):
    stack = stack_factory(redis=redis, access_ttl=2, web={"refresh_margin": "1s"})
    secrets = {stack.client_secret, stack.key,
               f"{stack.client_id}:{stack.client_secret}"}
    signed = stack.sign_in("lou")
    secrets |= {signed.code, *signed.flow_cookies.values(), *signed.cookies.values()}
    name = signed.session_name
    stack.auth({name: flip(signed.cookies[name], 12)})
    time.sleep(2.2)
    refreshed = stack.auth(signed.cookies)  # refresh
    assert refreshed.status == 202, refreshed
    # Replayed callbacks: no flow cookie, then a used code (which makes the
    # provider revoke the grant, so after the refresh).
    request(signed.callback_url)
    request(signed.callback_url, headers={"Cookie": cookie_header(signed.flow_cookies)})
    token = id_token(stack, oidc, "lou")
    secrets.add(token)
    secrets.update(p for p in token.split(".")[1:])
    stack.auth(None, headers={"Authorization": "Bearer " + token})
    request(stack.servers[0].url + "/v1/ValidateToken", "POST", {},
            json.dumps({"token": token[:-4] + "AAAA"}).encode())
    answer = request(stack.servers[0].url + "/oauth2/sign_out",
                     headers={"Cookie": cookie_header(signed.cookies)})
    assert answer.status == 302, answer
    for server in stack.servers:
        server.stop()
    output = "\n".join(s.output() for s in stack.servers)
    assert "session_refreshed" in output  # the log was written and read
    leaked = sorted(s for secret in secrets for s in encodings(secret) if s in output)
    assert not leaked, f"{len(leaked)} secret forms in the server's output"
