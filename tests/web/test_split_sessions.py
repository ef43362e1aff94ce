"""Sessions too big for one cookie: the cookie store seals them into
_authgate_0, _authgate_1, ... (grpc_service/session/cookies.h). The
provider's users get a `custom:padding` claim of a chosen length
(providers.register_user(..., padding=N)), so their ID tokens, and the
sessions sealing them, take one, two or three cookies. Through nginx
(nginx.conf.template rebuilds every chunk's Set-Cookie from
$upstream_cookie_NAME: nginx 1.22 passes only the first one of an
auth_request answer) and straight to authgate."""

import time
import urllib.parse

import providers
from conftest import cookie_header, request

SESSION = "_authgate"
CHUNKS = [f"{SESSION}_{i}" for i in range(3)]
# custom:padding lengths whose sessions take one cookie (about 1.7 KB
# sealed), two (5.3 KB) and three (8.9 KB) of at most 3800 bytes.
ONE, TWO, THREE = 0, 2000, 4000
# Access tokens live 6 s and are refreshed in their last 3 s: a session is
# fresh for 3 s after its sign-in or refresh (room for a loaded machine),
# and due once SLEEP has passed.
ACCESS_TTL = 6
WEB = {"refresh_margin": "3s"}
SLEEP = 3.3


class Jar(dict):
    """A browser's cookies for one site: Set-Cookie sets or (Max-Age=0)
    deletes."""

    def apply(self, response) -> dict:
        changes = response.set_cookies()
        for name, value in changes.items():
            if value:
                self[name] = value
            else:
                self.pop(name, None)
        return changes

    def session(self) -> dict:
        return {k: v for k, v in self.items() if k.startswith(SESSION)}

    @property
    def header(self) -> dict:
        return {"Cookie": cookie_header(self)}


def layout(chunks: int) -> list[str]:
    """The session cookies' names for a session of `chunks` cookies."""
    return [SESSION] if chunks == 1 else CHUNKS[:chunks]


def expired(names) -> dict:
    return {name: "" for name in names}


def sign_in_through(front: str, oidc, username: str, rd: str = "/orders") -> tuple[Jar, dict]:
    """The code flow with every request through `front` (nginx); returns the
    jar and the callback's Set-Cookie changes."""
    jar = Jar()
    started = request(f"{front}/oauth2/start?rd=" + urllib.parse.quote(rd, safe=""))
    assert started.status == 302, started
    (flow_name,) = jar.apply(started)
    callback = providers.login_redirect(started.header("Location"), oidc, username)
    assert callback.startswith(front + "/oauth2/callback?"), callback
    back = request(callback, headers=jar.header)
    assert back.status == 302, back
    assert back.header("Location") == rd
    changes = jar.apply(back)
    assert changes.pop(flow_name) == "", "the flow cookie is cleared"
    return jar, changes


def test_split_session_through_nginx(stack_factory, demo, oidc):
    stack = stack_factory(nginx=True, demo=demo, access_ttl=ACCESS_TTL, web=WEB)
    front = stack.nginx[0].url
    providers.register_user(oidc, "wanda", padding=THREE)
    providers.register_user(oidc, "walt", padding=THREE)
    wanda, changes = sign_in_through(front, oidc, "wanda")
    assert sorted(changes) == CHUNKS and all(changes.values()), changes
    assert all(len(v) <= 3800 for v in changes.values())
    walt, changes = sign_in_through(front, oidc, "walt")
    assert sorted(changes) == CHUNKS, changes

    page = request(front + "/orders", headers={"Cookie": cookie_header({**wanda, "app": "1"})})
    assert page.status == 200, page
    assert "<h1>Hello wanda</h1>" in page.text
    assert page.set_cookies() == {}  # nothing refreshed
    assert demo.last()["headers"]["cookie"] == "app=1"  # no chunk reaches the app

    # walt's next ID token is small: his refreshed session fits one cookie.
    providers.register_user(oidc, "walt", padding=ONE)
    before = providers.stats(oidc)["refresh"]
    old = dict(wanda)
    time.sleep(SLEEP)
    page = request(front + "/orders", headers=wanda.header)
    assert page.status == 200 and "<h1>Hello wanda</h1>" in page.text, page
    changes = wanda.apply(page)
    # Every chunk re-set (new tokens, so new values); the unsplit name,
    # which this answer does not set, expired by nginx's rebuild.
    assert changes == {SESSION: "", **{n: wanda[n] for n in CHUNKS}}, changes
    assert all(wanda[n] != old[n] for n in CHUNKS)
    # walt's refresh comes with an error page of the app: the browser gets
    # the new cookie all the same.
    page = request(front + "/_status/404", headers=walt.header)
    assert page.status == 404 and "<h1>Hello walt</h1>" in page.text, page
    changes = walt.apply(page)
    assert changes == {SESSION: walt[SESSION], **expired(CHUNKS)}, changes
    assert sorted(walt.session()) == [SESSION]
    assert providers.stats(oidc)["refresh"] == before + 2

    # No chunk lost: the refreshed sessions work, without another refresh.
    for jar, name in ((wanda, "wanda"), (walt, "walt")):
        page = request(front + "/orders", headers=jar.header)
        assert page.status == 200 and f"<h1>Hello {name}</h1>" in page.text, page
        assert page.set_cookies() == {}
    assert providers.stats(oidc)["refresh"] == before + 2

    # A broken chunk: sent to sign in, every session cookie expired.
    broken = dict(wanda, **{CHUNKS[1]: "A" + wanda[CHUNKS[1]][1:]})
    page = request(front + "/orders", headers={"Cookie": cookie_header(broken)})
    assert page.status == 302, page
    assert page.header("Location") == f"{front}/oauth2/start?rd=/orders"
    assert page.set_cookies() == expired([SESSION, *CHUNKS])

    # Sign-out through nginx clears every chunk.
    page = request(front + "/oauth2/sign_out", headers=wanda.header)
    assert page.status == 302, page
    assert page.header("Location") == "/"
    assert wanda.apply(page) == expired([SESSION, *CHUNKS])
    assert wanda.session() == {}


def test_refresh_resizes_the_session_cookies(stack_factory, oidc):
    """Straight to authgate: a refresh whose session shrinks expires the
    chunks it no longer uses; a split one always expires the unsplit
    cookie."""
    stack = stack_factory(access_ttl=ACCESS_TTL, web=WEB)
    cases = [  # user, chunks at sign-in, padding of the refresh, chunks after
        ("xena", 3, TWO, 2),
        ("xavi", 3, ONE, 1),
        ("xiao", 1, TWO, 2),
    ]
    jars = {}
    for user, chunks, _, _ in cases:
        providers.register_user(oidc, user, padding={1: ONE, 2: TWO, 3: THREE}[chunks])
        signed = stack.sign_in(user)
        assert sorted(signed.cookies) == layout(chunks), signed.cookies
        jars[user] = Jar(signed.cookies)
    for user, _, padding, _ in cases:
        providers.register_user(oidc, user, padding=padding)
    time.sleep(SLEEP)
    for user, chunks, _, after in cases:
        jar = jars[user]
        answer = stack.auth(jar)
        assert answer.status == 202, answer
        assert answer.header("X-Auth-Request-User") == user
        changes = jar.apply(answer)
        new = layout(after)
        stale = [n for n in layout(chunks) if n not in new]
        if len(new) >= 2 and SESSION not in stale:
            # A split layout also expires the unsplit name, which a browser
            # may hold beside the chunks (cookie_header_fuzzer's finding).
            stale.append(SESSION)
        assert changes == {**{n: jar[n] for n in new}, **expired(stale)}, (user, changes)
        assert sorted(jar.session()) == new
        # The new layout is the whole session: it works without a refresh.
        again = stack.auth(jar)
        assert again.status == 202 and again.set_cookies() == {}, again

    # A stale chunk kept by a client that ignored the expiry: the joined
    # value is not a session.
    xena = jars["xena"]
    stale = stack.auth({**xena, CHUNKS[2]: "AAAA"})
    assert (stale.status, stale.reason) == (401, "session_invalid"), stale
    assert stale.set_cookies() == expired([SESSION, *CHUNKS])
