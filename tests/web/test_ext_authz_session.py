"""Envoy's ext_authz Check on authgate-server's gRPC port for a request
without an Authorization header: judged by its session cookie as
/oauth2/auth judges it (grpc_service/ext_authz_service.cc, AllowSession,
Deny and CompleteCookie), with a session from a real sign-in."""

import json
import time

import providers
from conftest import cookie_header
from test_split_sessions import ACCESS_TTL, CHUNKS, SLEEP, THREE, WEB

UNAUTHENTICATED = 16
REALM = 'Bearer realm="authgate"'
# x-authgate-* headers other than x-authgate-sub: removed on a session
# verdict (a session has no client id, scopes, issuer, ... to state).
TOKEN_ONLY = ["x-authgate-username", "x-authgate-client-id", "x-authgate-token-use",
              "x-authgate-scopes", "x-authgate-groups", "x-authgate-issuer",
              "x-authgate-provider", "x-authgate-expires-at"]


def check(pb, server, headers: dict):
    http = pb.attrs.AttributeContext.HttpRequest(
        id="req-1", method="GET", path="/orders", host="app.example.com",
        headers=headers)
    attributes = pb.attrs.AttributeContext(
        request=pb.attrs.AttributeContext.Request(http=http))
    with server.channel() as channel:
        return pb.ext_grpc.AuthorizationStub(channel).Check(
            pb.ext.CheckRequest(attributes=attributes), timeout=15)


def options(pb, headers) -> list[tuple[str, str, str]]:
    """(key, value, append action) of each HeaderValueOption, in order."""
    name = pb.core.HeaderValueOption.HeaderAppendAction.Name
    return [(o.header.key, o.header.value, name(o.append_action)) for o in headers]


def denied(response) -> tuple[int, int, dict]:
    assert response.WhichOneof("http_response") == "denied_response", response
    d = response.denied_response
    return response.status.code, d.status.code, json.loads(d.body)


def test_check_with_a_session_cookie(stack_factory, oidc, pb):
    stack = stack_factory(access_ttl=ACCESS_TTL, web=WEB)
    server = stack.servers[0]
    sub = providers.register_user(oidc, "quinn", padding=THREE)
    signed = stack.sign_in("quinn")
    assert sorted(signed.cookies) == CHUNKS  # a split session
    flow = next(iter(signed.flow_cookies.items()))
    cookie = cookie_header({"app_pref": "blue", **signed.cookies,
                            flow[0]: flow[1], "app_cart": "7"})
    response = check(pb, server, {
        "cookie": cookie,
        "x-auth-request-user": "mallory",  # overwritten
        "x-auth-request-role": "admin",  # set by no one: removed
        "x-authgate-admin": "1",
        "x-authgate-username": "mallory",
    })
    assert response.status.code == 0, response
    assert response.WhichOneof("http_response") == "ok_response"
    ok = response.ok_response
    overwrite = "OVERWRITE_IF_EXISTS_OR_ADD"
    assert options(pb, ok.headers) == [
        ("x-auth-request-user", "quinn", overwrite),
        ("x-auth-request-email", "quinn@example.com", overwrite),
        ("x-auth-request-groups", "e2e-admins", overwrite),
        ("x-auth-request-preferred-username", "quinn", overwrite),
        ("x-auth-request-sub", sub, overwrite),
        ("x-authgate-sub", sub, overwrite),
        # authgate's session chunks and flow cookie never reach the upstream.
        ("cookie", "app_pref=blue; app_cart=7", overwrite),
    ]
    removed = list(ok.headers_to_remove)
    assert removed[:9] == ["x-auth-request-access-token", *TOKEN_ONLY], removed
    assert sorted(removed[9:]) == ["x-auth-request-role", "x-authgate-admin"], removed
    assert list(ok.response_headers_to_add) == []  # nothing refreshed

    # Only authgate's cookies: the Cookie header is removed, not emptied.
    alone = check(pb, server, {"cookie": cookie_header(signed.cookies)})
    assert alone.status.code == 0, alone
    assert "cookie" in alone.ok_response.headers_to_remove
    assert "cookie" not in [o.header.key for o in alone.ok_response.headers]

    # Past the access token's life: refreshed, the new chunks for the
    # browser in response_headers_to_add, appended (one per cookie), and
    # the unsplit name expired (a browser may hold it beside chunks).
    refreshes = providers.stats(oidc)["refresh"]
    time.sleep(SLEEP)
    response = check(pb, server, {"cookie": cookie})
    assert response.status.code == 0, response
    assert providers.stats(oidc)["refresh"] == refreshes + 1
    added = options(pb, response.ok_response.response_headers_to_add)
    assert [(k, a) for k, _, a in added] == [("set-cookie", "APPEND_IF_EXISTS_OR_ADD")] * 4
    assert added[3][1] == "_authgate=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"
    chunks = {}
    for _, value, _ in added[:3]:
        name, rest = value.split("=", 1)
        chunks[name], attributes = rest.split(";", 1)
        assert attributes.startswith(" Path=/; Max-Age=") and attributes.endswith(
            "; Secure; HttpOnly; SameSite=Lax"), value
    assert sorted(chunks) == CHUNKS
    assert all(chunks[n] != signed.cookies[n] for n in CHUNKS)
    # They are the refreshed session: /oauth2/auth takes them as they are.
    answer = stack.auth(chunks)
    assert answer.status == 202 and answer.set_cookies() == {}, answer
    assert providers.stats(oidc)["refresh"] == refreshes + 1


def test_check_refuses_a_tampered_or_missing_session(stack_factory, pb):
    stack = stack_factory()
    server = stack.servers[0]
    signed = stack.sign_in("rosa")
    value = signed.cookies["_authgate"]
    tampered = value[:40] + ("A" if value[40] != "A" else "B") + value[41:]

    response = check(pb, server, {"cookie": f"app=1; _authgate={tampered}"})
    message = "sealed value is not valid under any configured key"
    assert denied(response) == (UNAUTHENTICATED, 401, {
        "error": "invalid_token", "reason": "session_invalid", "message": message})
    assert options(pb, response.denied_response.headers) == [
        ("www-authenticate",
         f'{REALM}, error="invalid_token", error_description="{message}"',
         "OVERWRITE_IF_EXISTS_OR_ADD"),
        ("content-type", "application/json", "OVERWRITE_IF_EXISTS_OR_ADD"),
        ("authgate-error-reason", "session_invalid", "OVERWRITE_IF_EXISTS_OR_ADD"),
        # The broken session cookie is cleared in the browser.
        ("set-cookie", "_authgate=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax",
         "APPEND_IF_EXISTS_OR_ADD"),
    ]

    # A Cookie header without authgate's cookie is judged as a session too:
    # session_missing, and nothing to clear.
    response = check(pb, server, {"cookie": "app=1"})
    assert denied(response) == (UNAUTHENTICATED, 401, {
        "error": "invalid_token", "reason": "session_missing",
        "message": "no session cookie"})
    assert [k for k, _, _ in options(pb, response.denied_response.headers)] == [
        "www-authenticate", "content-type", "authgate-error-reason"]

    # No cookie and no token: the bare challenge, as before sessions.
    response = check(pb, server, {})
    assert denied(response) == (UNAUTHENTICATED, 401, {
        "error": "UNAUTHENTICATED", "reason": "unspecified",
        "message": "no bearer token in the request"})
    assert options(pb, response.denied_response.headers) == [
        ("www-authenticate", REALM, "OVERWRITE_IF_EXISTS_OR_ADD"),
        ("content-type", "application/json", "OVERWRITE_IF_EXISTS_OR_ADD"),
    ]

    # A presented token is judged alone: a valid session does not rescue it.
    response = check(pb, server, {"authorization": "Bearer not-a-jwt",
                                  "cookie": cookie_header(signed.cookies)})
    code, status, body = denied(response)
    assert (code, status, body["error"]) == (UNAUTHENTICATED, 401, "invalid_token")
    assert body["reason"] == "token_malformed", body


def test_check_with_a_redis_session_ended_or_unreachable(stack_factory, oidc, redis, pb):
    """Redis sessions: a refresh the provider refuses ends the session (401
    session_expired, cleared, deleted from Redis); Redis down is 503
    session_store_unavailable, never a 401 and never a cleared cookie."""
    stack = stack_factory(redis=redis, access_ttl=ACCESS_TTL, web=WEB)
    server = stack.servers[0]
    ended = stack.sign_in("sam")
    kept = stack.sign_in("sue")
    assert len(redis.command("KEYS", "authgate:session:*")) == 2
    assert providers.revoke_grants(oidc, providers.register_user(oidc, "sam"),
                                   stack.client_id) == 1
    time.sleep(SLEEP)
    response = check(pb, server, {"cookie": cookie_header(ended.cookies)})
    code, status, body = denied(response)
    assert (code, status, body["error"], body["reason"]) == (
        UNAUTHENTICATED, 401, "invalid_token", "session_expired"), body
    assert [(k, v) for k, v, _ in options(pb, response.denied_response.headers)][2:] == [
        ("authgate-error-reason", "session_expired"),
        ("set-cookie", "_authgate=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax")]
    assert len(redis.command("KEYS", "authgate:session:*")) == 1

    redis.stop()
    response = check(pb, server, {"cookie": cookie_header(kept.cookies)})
    code, status, body = denied(response)
    assert (code, status, body["reason"]) == (14, 503, "session_store_unavailable"), body
    # No challenge and no Set-Cookie: the session is not the caller's fault.
    assert [k for k, _, _ in options(pb, response.denied_response.headers)] == [
        "content-type", "authgate-error-reason"]
