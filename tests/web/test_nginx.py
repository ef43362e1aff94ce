"""nginx auth_request in front of the demo app, with nginx.conf.template as
shipped (docs/web.md): who is let through, which identity headers the app
gets, and that authgate's cookie never reaches it."""

import providers
from conftest import cookie_header, request


def test_unauthenticated_request_is_sent_to_sign_in(stack_factory, demo):
    stack = stack_factory(nginx=True, demo=demo)
    front = stack.nginx[0].url
    page = request(front + "/orders")
    assert page.status == 302, page
    assert page.header("Location") == f"{front}/oauth2/start?rd=/orders"
    # The sign-in itself goes through nginx to authgate and on to the provider.
    start = request(front + "/oauth2/start?rd=/orders")
    assert start.status == 302, start
    assert start.header("Location").startswith(stack.oidc.issuer + "/oauth2/authorize?")
    assert demo.seen == []  # the app saw nothing


def test_signed_in_request_reaches_the_app_with_identity_headers(stack_factory, demo, oidc):
    stack = stack_factory(nginx=True, demo=demo)
    signed = stack.sign_in("nina", rd="/orders")
    assert signed.callback.header("Location") == "/orders"
    session = signed.cookies[signed.session_name]
    cookies = {"app_pref": "blue", **signed.cookies, "app_cart": "7"}
    page = request(
        stack.nginx[0].url + "/orders",
        headers={
            "Cookie": cookie_header(cookies),
            # A client's own identity headers never reach the app.
            "X-Auth-Request-User": "mallory",
            "X-Auth-Request-Email": "mallory@evil.example",
            "X-Auth-Request-Sub": "mallory",
        },
    )
    assert page.status == 200, page
    assert "<h1>Hello nina</h1><p>nina@example.com</p>" in page.text
    seen = demo.last()["headers"]
    assert seen["x-auth-request-user"] == "nina"
    assert seen["x-auth-request-email"] == "nina@example.com"
    assert seen["x-auth-request-sub"] == providers.register_user(oidc, "nina")
    assert seen["x-auth-request-groups"] == "e2e-admins"
    assert seen["x-auth-request-preferred-username"] == "nina"
    # The app's cookies pass, authgate's do not.
    assert seen["cookie"] == "app_pref=blue; app_cart=7"
    assert not any(session in value for value in seen.values())
    assert not any("_authgate" in value for value in seen.values())


def test_forged_identity_headers_without_a_session_are_not_let_through(stack_factory, demo):
    stack = stack_factory(nginx=True, demo=demo)
    page = request(stack.nginx[0].url + "/admin",
                   headers={"X-Auth-Request-User": "admin", "Cookie": "app_pref=blue"})
    assert page.status == 302, page
    assert demo.seen == []


def test_tampered_session_through_nginx_signs_in_again_and_clears_it(stack_factory, demo):
    stack = stack_factory(nginx=True, demo=demo)
    signed = stack.sign_in("otto")
    name = signed.session_name
    value = signed.cookies[name]
    broken = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    page = request(stack.nginx[0].url + "/", headers={"Cookie": f"{name}={broken}"})
    assert page.status == 302, page
    assert page.header("Location").endswith("/oauth2/start?rd=/")
    # authgate's clearing Set-Cookie is passed on with the redirect.
    assert page.set_cookies().get(name) == ""
    assert demo.seen == []
