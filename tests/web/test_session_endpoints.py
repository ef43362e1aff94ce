"""/oauth2/userinfo, concurrent refreshes of one session and tampered flow
cookies, over plain HTTP straight to authgate-server; exact statuses,
bodies and authgate-error-reason."""

import concurrent.futures
import threading
import time
import urllib.parse

import pytest

import providers
from conftest import cookie_header, request
from test_split_sessions import ACCESS_TTL, SLEEP, WEB


def flip(value: str, at: int) -> str:
    return value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1:]


CLEAR = "_authgate=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"


# --- /oauth2/userinfo -------------------------------------------------------


def test_userinfo(stack_factory, oidc):
    stack = stack_factory()
    url = stack.servers[0].url + "/oauth2/userinfo"
    signed = stack.sign_in("uma")
    answer = request(url, headers={"Cookie": cookie_header(signed.cookies)})
    assert answer.status == 200, answer
    assert answer.header("Content-Type").startswith("application/json")
    assert answer.header("Cache-Control") == "no-store"
    assert answer.reason is None
    assert answer.json() == {
        "sub": providers.register_user(oidc, "uma"),
        "username": "uma",
        "email": "uma@example.com",
        "email_verified": True,
        "name": "uma",
        "groups": ["e2e-admins"],
        "provider": "oidc",
    }
    assert answer.all("Set-Cookie") == []

    missing = request(url, headers={"Cookie": "app=1"})
    assert (missing.status, missing.reason) == (401, "session_missing"), missing
    assert missing.header("Content-Type").startswith("application/json")
    assert missing.json() == {"error": "session_missing"}
    assert missing.all("Set-Cookie") == []  # nothing of ours to clear

    value = signed.cookies["_authgate"]
    tampered = request(url, headers={"Cookie": f"_authgate={flip(value, len(value) // 2)}"})
    assert (tampered.status, tampered.reason) == (401, "session_invalid"), tampered
    assert tampered.json() == {"error": "session_invalid"}
    assert tampered.all("Set-Cookie") == [CLEAR]


# --- one refresh for concurrent requests ------------------------------------


@pytest.mark.parametrize("store", ["cookie", "redis"])
def test_concurrent_requests_share_one_refresh(stack_factory, oidc, fixture_value, store):
    redis = fixture_value("redis") if store == "redis" else None
    stack = stack_factory(redis=redis, access_ttl=ACCESS_TTL, web=WEB)
    signed = stack.sign_in("vic")
    before = providers.stats(oidc)
    time.sleep(SLEEP)
    barrier = threading.Barrier(8)

    def one(_):
        barrier.wait()
        return stack.auth(signed.cookies)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert [a.status for a in answers] == [202] * 8, answers
    assert all(a.header("X-Auth-Request-User") == "vic" for a in answers)
    after = providers.stats(oidc)
    # Exactly one token request, the refresh.
    assert (after["token"], after["refresh"]) == (before["token"] + 1, before["refresh"] + 1)
    values = [a.set_cookies() for a in answers]
    if store == "redis":
        # The session is saved under its ticket, so the browser's cookie
        # stays: a request that loaded the session after the refresh saved it
        # has nothing to set; one that shared the refresh re-sets the ticket.
        assert any(values), values
        assert all(v in ({}, {"_authgate": signed.cookies["_authgate"]}) for v in values), values
        values = [v or signed.cookies for v in values]
    else:
        # Each request carried the old sealed session: each gets the new one.
        assert all(list(v) == ["_authgate"] and v["_authgate"] for v in values), values
    # Every answer's cookie holds the refreshed session: no second refresh.
    for v in values:
        again = stack.auth(v)
        assert again.status == 202 and again.set_cookies() == {}, again
    assert providers.stats(oidc)["refresh"] == before["refresh"] + 1


@pytest.fixture()
def fixture_value(request):
    """getfixturevalue, so a parameter can ask for Redis only when used."""
    return request.getfixturevalue


# --- a tampered flow cookie -------------------------------------------------


def test_tampered_flow_cookie_under_the_right_name(stack_factory, oidc):
    """The flow cookie named for this state, its sealed value broken or
    taken from another sign-in: the seal does not open, so the callback is
    403 session_invalid (browser_flow.cc: OpenFlowState's error, through
    SignInStatus), the flow cookie cleared, the code never exchanged."""
    stack = stack_factory()
    started = stack.start("/orders")
    ((name, value),) = started.set_cookies().items()
    other = next(iter(stack.start("/").set_cookies().values()))
    callback = providers.login_redirect(started.header("Location"), oidc, "wes")
    parts = urllib.parse.urlsplit(callback)
    url = f"{stack.servers[0].url}{parts.path}?{parts.query}"
    tokens = providers.stats(oidc)["token"]
    clear_flow = f"{name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"
    for bad in (flip(value, len(value) // 2), flip(value, 2), value[:-6], value[:10], "",
                other):
        answer = request(url, headers={"Cookie": f"{name}={bad}"})
        assert (answer.status, answer.reason) == (403, "session_invalid"), (bad[:12], answer)
        assert answer.header("Content-Type").startswith("text/html")
        assert "session_invalid" in answer.text
        assert answer.all("Set-Cookie") == [clear_flow]
    assert providers.stats(oidc)["token"] == tokens
    # The genuine flow cookie still completes this sign-in.
    answer = request(url, headers={"Cookie": f"{name}={value}"})
    assert answer.status == 302 and answer.header("Location") == "/orders", answer
    assert sorted(answer.set_cookies()) == ["_authgate", name]
    assert providers.stats(oidc)["token"] == tokens + 1
