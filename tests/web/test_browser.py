"""The browser face as a person meets it: headless Chromium, the provider's
real login and consent pages, nginx auth_request in front of the demo app.
Once with the cookie store, once with Redis behind two authgate-servers
(each behind its own nginx), once with a cookie-store session split over
three cookies."""

import time

import providers

ACCESS_TTL = 4  # seconds the provider's access tokens live
WEB = {"refresh_margin": "1s"}


def session_cookies(browser) -> dict:
    return {c["name"]: c for c in browser.cookies() if c["name"].startswith("_authgate")}


def sign_in(browser, oidc, base: str, username: str) -> dict:
    page = browser.goto(base + "/private")
    # Sent through /oauth2/start to the provider's own login page.
    assert page["title"] == "Sign-in", page
    assert page["url"].startswith(oidc.issuer + "/interaction/"), page
    assert base + "/oauth2/start?rd=/private" in page["redirects"], page
    page = browser.login(providers.register_user(oidc, username))
    assert page["url"] == base + "/private", page
    assert page["h1"] == f"Hello {username}", page
    assert f"{username}@example.com" in page["text"]
    return page


def sign_out(browser, oidc, base: str) -> dict:
    """sign_out, the provider's end-session page, back on the site: which
    asks for a sign-in again."""
    page = browser.goto(base + "/oauth2/sign_out")
    assert page["url"].startswith(oidc.issuer + "/"), page
    assert "sign-out" in page["text"].lower(), page
    page = browser.step(confirm_logout=True)
    assert page["title"] == "Sign-in", page
    assert page["url"].startswith(oidc.issuer + "/interaction/"), page
    return page


def test_cookie_store_sign_in_refresh_sign_out(stack_factory, demo, oidc, browser):
    stack = stack_factory(nginx=True, demo=demo, access_ttl=ACCESS_TTL,
                          sign_out=True, web=WEB)
    base = stack.bases[0]
    sign_in(browser, oidc, base, "dora")
    cookies = session_cookies(browser)
    assert list(cookies) == ["_authgate"], cookies  # flow cookie gone, one session cookie
    assert cookies["_authgate"]["httpOnly"] and cookies["_authgate"]["sameSite"] == "Lax"
    before = providers.stats(oidc)

    page = browser.reload()
    assert page["status"] == 200 and page["h1"] == "Hello dora", page
    assert providers.stats(oidc)["token"] == before["token"]

    time.sleep(ACCESS_TTL + 0.5)
    page = browser.reload()
    assert page["status"] == 200 and page["h1"] == "Hello dora", page
    # Exactly one token request, and it was the refresh.
    after = providers.stats(oidc)
    assert (after["token"], after["refresh"]) == (before["token"] + 1, before["refresh"] + 1)
    refreshes = before["refresh"]
    refreshed = session_cookies(browser)["_authgate"]["value"]
    assert refreshed != cookies["_authgate"]["value"]  # the new tokens, resealed
    page = browser.reload()
    assert page["h1"] == "Hello dora", page
    assert providers.stats(oidc)["refresh"] == refreshes + 1
    seen = demo.last()["headers"]
    assert seen["x-auth-request-user"] == "dora"
    assert "_authgate" not in seen.get("cookie", "")

    revocations = providers.stats(oidc)["revocation"]
    sign_out(browser, oidc, base)
    assert "_authgate" not in session_cookies(browser)
    assert providers.stats(oidc)["revocation"] == revocations + 1


def test_redis_sessions_shared_by_two_servers(stack_factory, demo, oidc, redis, browser):
    stack = stack_factory(servers=2, nginx=True, demo=demo, redis=redis,
                          access_ttl=ACCESS_TTL, sign_out=True, web=WEB)
    a, b = stack.bases
    sign_in(browser, oidc, a, "erin")
    ticket = session_cookies(browser)["_authgate"]["value"]
    assert len(redis.command("KEYS", "authgate:session:*")) == 1
    # The ticket is not what Redis is keyed by.
    assert ticket not in " ".join(redis.command("KEYS", "*"))

    # Browsers send 127.0.0.1's cookies to every port: B gets A's session.
    page = browser.goto(b + "/private")
    assert page["url"] == b + "/private" and page["h1"] == "Hello erin", page

    refreshes = providers.stats(oidc)["refresh"]
    time.sleep(ACCESS_TTL + 0.5)
    page = browser.goto(b + "/private")
    assert page["h1"] == "Hello erin", page
    assert providers.stats(oidc)["refresh"] == refreshes + 1
    # B saved the refreshed session in Redis under the same ticket: A uses it
    # without refreshing again.
    assert session_cookies(browser)["_authgate"]["value"] == ticket
    page = browser.goto(a + "/private")
    assert page["h1"] == "Hello erin", page
    assert providers.stats(oidc)["refresh"] == refreshes + 1

    sign_out(browser, oidc, a)
    assert redis.command("KEYS", "authgate:session:*") == []
    # The old ticket, replayed at B, is refused: the session is gone for both.
    refused = stack.auth({"_authgate": ticket}, i=1)
    assert refused.status == 401, refused
    assert refused.reason == "session_missing"


def test_split_session_in_the_browser(stack_factory, demo, oidc, browser):
    """A session of three cookies (a big ID token) through nginx: Chromium
    keeps every chunk, the refresh re-sets each one (nginx.conf.template's
    rebuilt Set-Cookie headers), sign-out clears them all."""
    stack = stack_factory(nginx=True, demo=demo, access_ttl=ACCESS_TTL,
                          sign_out=True, web=WEB)
    base = stack.bases[0]
    providers.register_user(oidc, "gwen", padding=4000)
    chunks = [f"_authgate_{i}" for i in range(3)]
    sign_in(browser, oidc, base, "gwen")
    cookies = session_cookies(browser)
    assert sorted(cookies) == chunks, cookies
    before = providers.stats(oidc)["refresh"]

    time.sleep(ACCESS_TTL + 0.5)
    page = browser.reload()
    assert page["status"] == 200 and page["h1"] == "Hello gwen", page
    assert providers.stats(oidc)["refresh"] == before + 1
    refreshed = session_cookies(browser)
    assert sorted(refreshed) == chunks, refreshed
    assert all(refreshed[n]["value"] != cookies[n]["value"] for n in chunks)
    page = browser.reload()
    assert page["status"] == 200 and page["h1"] == "Hello gwen", page
    assert providers.stats(oidc)["refresh"] == before + 1
    assert "_authgate" not in demo.last()["headers"].get("cookie", "")

    sign_out(browser, oidc, base)
    # Only the flow cookie of the sign-in the site asks for again.
    left = session_cookies(browser)
    assert [n for n in left if not n.startswith("_authgate_csrf_")] == [], left
