#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora: OUT/<target>/<nn>-<name>.

Deterministic and small (a few KiB per target), standard library only, so
the seeds are never checked in: scripts/fuzz and ctest's fuzz_seeds fixture
run this into their build directory. Each seed is in the input format the
target's header comment describes (mode byte, NUL-split texts, protobuf
wire bytes).
"""
import argparse
import base64
import json
import pathlib
import shutil

ISSUER = "https://issuer.example"
NOW = 1700000000
COGNITO_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example1"

# RFC 7517 appendix A.1 and RFC 8037 appendix A.2 public keys.
RSA_JWK = {
    "kty": "RSA", "kid": "2011-04-29", "alg": "RS256", "use": "sig", "e": "AQAB",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aP"
         "FFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl9"
         "3lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdA"
         "ZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
         "XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
}
EC_JWK = {
    "kty": "EC", "crv": "P-256", "kid": "1", "use": "sig",
    "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
    "y": "4Etl6SRW2YilurN5ZYmP0MbI2I-Az8sQkIsdH9vRsGM",
}
OKP_JWK = {"kty": "OKP", "crv": "Ed25519", "kid": "ed",
           "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}


def dumps(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(header, claims, signature=b"signature"):
    h = header if isinstance(header, str) else dumps(header)
    c = claims if isinstance(claims, str) else dumps(claims)
    return f"{b64(h)}.{b64(c)}.{b64(signature)}"


def claims(**extra):
    base = {"iss": ISSUER, "aud": "client", "sub": "user-1", "exp": NOW + 3600,
            "iat": NOW - 60, "scope": "read write", "groups": ["admins"],
            "preferred_username": "ann"}
    base.update(extra)
    return base


HEADERS = [
    {"alg": "RS256", "kid": "2011-04-29", "typ": "JWT"},
    {"alg": "ES256", "kid": "es"},
    {"alg": "HS256", "kid": "hs", "typ": "at+jwt"},
    {"alg": "EdDSA"},
    {"alg": "none"},
    {"alg": "RS256", "crit": ["b64"], "b64": False},
    {"alg": "RS256", "kid": ""},
    {"alg": "RS256", "kid": "a", "kid2": {"nested": [[[[1]]]]}},
]


def seeds_jws():
    out = [jws(h, claims()) for h in HEADERS]
    out += ["a.b", "a.b.c.d", "..", "eyJ.eyJ.", jws("{", "}"),
            jws({"alg": "RS256"}, '{"exp":1e400}'),
            jws({"alg": "RS256"}, '{"aud":["a","b"],"azp":"a","nbf":1}'),
            dumps(HEADERS[0]), dumps(claims()), "[" * 30 + "]" * 30]
    return out


def seeds_jwk():
    return [dumps(RSA_JWK), dumps(EC_JWK), dumps(OKP_JWK),
            dumps({**EC_JWK, "alg": "ES384"}),
            dumps({**RSA_JWK, "use": "enc"}),
            dumps({**RSA_JWK, "key_ops": ["verify"]}),
            dumps({"kty": "oct", "k": "c2VjcmV0", "kid": "sym"}),
            dumps({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}),
            dumps({"kty": "RSA", "n": "AQAB", "e": "AQAB"})]


def seeds_jwk_set():
    return [dumps({"keys": [RSA_JWK, EC_JWK, OKP_JWK]}),
            dumps({"keys": []}), dumps({"keys": [RSA_JWK, RSA_JWK]}),
            dumps({"keys": [{"kty": "X"}, EC_JWK]}), dumps({"key": []}),
            "[]", "{", dumps({"keys": [None, 1, "a"]})]


def discovery(**extra):
    doc = {"issuer": ISSUER, "jwks_uri": ISSUER + "/jwks",
           "authorization_endpoint": ISSUER + "/authorize",
           "token_endpoint": ISSUER + "/token",
           "userinfo_endpoint": ISSUER + "/userinfo",
           "revocation_endpoint": ISSUER + "/revoke",
           "end_session_endpoint": ISSUER + "/logout",
           "scopes_supported": ["openid", "email"],
           "response_types_supported": ["code"],
           "grant_types_supported": ["authorization_code", "refresh_token"],
           "token_endpoint_auth_methods_supported": ["client_secret_basic"],
           "code_challenge_methods_supported": ["S256"],
           "id_token_signing_alg_values_supported": ["RS256"]}
    doc.update(extra)
    return dumps(doc)


def seeds_discovery():
    return [discovery(), discovery(issuer=ISSUER + "/"),
            discovery(jwks_uri=None), discovery(scopes_supported="openid"),
            dumps({"issuer": ISSUER, "jwks_uri": ISSUER + "/jwks"}), "[]", "{"]


def seeds_token_response():
    ok = {"access_token": jws(HEADERS[0], claims()), "token_type": "Bearer",
          "expires_in": 3600, "refresh_token": "refresh", "scope": "openid",
          "id_token": jws(HEADERS[0], claims(nonce="n"))}
    out = ["\x00" + dumps(ok),
           "\x00" + dumps({"access_token": "a", "token_type": "bearer"}),
           "\x00" + dumps({"access_token": "a", "token_type": "mac"}),
           "\x00" + dumps({"access_token": "a", "expires_in": "60"}),
           "\x00" + dumps({"access_token": "a", "expires_in": -1e300})]
    errors = [dumps({"error": "invalid_grant", "error_description": "bad code"}),
              dumps({"error": "invalid_client"}), dumps({"error": 7}),
              "not json", ""]
    challenges = ['Bearer realm="x", error="invalid_token", '
                  'error_description="expired"',
                  'Bearer error=insufficient_scope, scope="a b"', ""]
    for i, body in enumerate(errors):
        for j, challenge in enumerate(challenges):
            mode = 1 | (((i + j) % 8) << 1)
            out.append(chr(mode) + challenge + "\x00" + body)
    return out


def seeds_userinfo():
    body = dumps({"sub": "user-1", "email": "a@b.example",
                  "email_verified": "true", "phone_number_verified": False})
    return ["\x00" + body, "\x08" + body,
            "\x08" + dumps({"sub": "someone-else"}), "\x00" + dumps({"sub": ""}),
            "\x00[]", "\x04" + 'Bearer error="invalid_token"',
            "\x06" + dumps({"error": "server_error"})]


def seeds_provider_spec():
    return [
        dumps({"name": "oidc", "issuer": ISSUER, "client_id": "client",
               "jwks_uri": ISSUER + "/jwks", "use_discovery": False,
               "scopes": ["openid", "email"], "clock_skew": "30s",
               "max_lifetime": 3600, "required_claims": {"tenant": "t1"}}),
        dumps({"kind": "cognito", "user_pool_id": "eu-west-1_Example1",
               "region": "eu-west-1", "domain": "auth.example.com",
               "clients": [{"client_id": "a", "client_secret": "s",
                            "auth_method": "client_secret_post"},
                           {"client_id": "b"}],
               "token_uses": ["access"], "jwks": {"refetch_cooldown": "10s"}}),
        dumps({"name": "static", "issuer": ISSUER, "audiences": ["api"],
               "jwks_inline": {"keys": [RSA_JWK, EC_JWK]},
               "algorithms": ["RS256", "ES256"], "token_types": ["at+jwt"],
               "groups_claim": "groups", "username_claim": "email"}),
        '/* comment */ {"issuer": "' + ISSUER + '", // line\n "client_id": "c"}',
        dumps({"issuer": COGNITO_ISSUER, "kind": "cognito", "client_id": "c",
               "updated_issuer_format": True, "http_timeout": 1e30}),
        dumps({"issuer": ISSUER, "client_id": "c", "isuer": 1}),
    ]


def seeds_provider_env():
    return [
        f"COGNITO_ISSUER={COGNITO_ISSUER}\nCOGNITO_CLIENT_ID=client\n"
        "COGNITO_CLIENT_SECRET=secret\nCOGNITO_DOMAIN=auth.example.com\n"
        "COGNITO_REDIRECT_URI=https://app.example/cb",
        "COGNITO_USER_POOL_ID=eu-west-1_Example1\nAWS_REGION=eu-west-1\n"
        "AUTH_COGNITO_ID=client\nAUTHGATE_PROVIDER_NAME=pool",
        f"AUTH_COGNITO_ISSUER={COGNITO_ISSUER}/\nAUTH_COGNITO_SECRET=s\n"
        "AUTH_COGNITO_SECRET_FILE=x",
        f"COGNITO_ISSUER={COGNITO_ISSUER}\nAUTHGATE_JWKS_URI={ISSUER}/jwks",
        "AWS_REGION=eu-west-1",
    ]


def seeds_token_verifier():
    good = dumps(claims(nonce="n"))
    out = []
    for mode, header in [(1, {"alg": "HS256", "kid": "hs", "typ": "JWT"}),
                         (3, {"alg": "HS256", "kid": "hs"}),
                         (5, {"alg": "ES256", "kid": "es"}),
                         (13, {"alg": "ES256", "kid": "es"}),
                         (1, {"alg": "HS256"}),
                         (1, {"alg": "RS256", "kid": "hs"}),
                         (1, {"alg": "HS256", "kid": "hs", "crit": ["exp"]})]:
        out.append(chr(mode) + dumps(header) + "\x00" + good)
    hs = '{"alg":"HS256","kid":"hs"}'
    for payload in [claims(exp=NOW - 10), claims(nbf=NOW + 999),
                    claims(aud=["client", "other"], azp="client"),
                    claims(iss="https://other.example"), claims(scope="write"),
                    claims(groups="admins"), {"iss": ISSUER}]:
        out.append("\x01" + hs + "\x00" + dumps(payload))
    out.append("\x00" + jws({"alg": "HS256", "kid": "hs"}, claims()))
    out.append("\x00not a token")
    return out


def seeds_bearer():
    return ["Bearer abc.def.ghi", "bEaReR abc", "Bearer  x", "Bearer",
            "Bearer ", "Basic dXNlcjpwYXNz", "", " Bearer x\t"]


def seeds_server_config(root):
    example = (root / "examples" / "authgate.jsonc").read_text()
    provider = {"name": "p", "issuer": ISSUER, "client_id": "c",
                "jwks_inline": {"keys": [EC_JWK]}}
    return [
        example,
        dumps({"server": {"listen": "127.0.0.1:0", "log_level": "debug",
                          "shutdown_grace": "1s"},
               "verifier": {"max_token_bytes": 8192},
               "ext_authz": {"provider": "p", "scope_match": "any"},
               "providers": [provider]}),
        dumps({"providers": [provider, {**provider, "name": "q"}]}),
        dumps({"server": {"worker_threads": 0}}) + "\x00--listen=127.0.0.1:0\n"
        "--log-level=warn\n--help",
        "{}\x00" + f"COGNITO_ISSUER={COGNITO_ISSUER}\nCOGNITO_CLIENT_ID=c\n"
        "AUTHGATE_LISTEN=127.0.0.1:0\n--check_config",
        dumps({"server": {"shutdown_grace": "nan"}}),
    ]


# Protobuf wire format, enough for CheckRequest.
def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def map_field(number, entries):
    return b"".join(field(number, field(1, k) + field(2, v))
                    for k, v in entries.items())


def check_request(headers, extensions=None, header_map=None):
    http = field(1, "req-1") + field(2, "GET") + map_field(3, headers)
    http += field(4, "/orders?id=1") + field(5, "api.example")
    if header_map:
        http += field(13, b"".join(field(1, field(1, k) + field(3, v))
                                   for k, v in header_map))
    attributes = field(4, field(2, http)) + map_field(10, extensions or {})
    return field(1, attributes)


def seeds_ext_authz():
    header = dumps({"alg": "ES256", "kid": "es", "typ": "JWT"})
    signable = header + "\x00" + dumps(claims())
    out = [
        b"\x01" + check_request({"authorization": signable,
                                 "x-authgate-sub": "forged",
                                 "x-authgate-extra": "x"}),
        b"\x01" + check_request({"authorization": header + "\x00" +
                                 dumps(claims(sub="a\r\nb", scope="admin"))},
                                {"authgate-scopes": "admin",
                                 "authgate-group-match": "all",
                                 "authgate-groups": "admins,ops"}),
        b"\x01" + check_request({"authorization": signable},
                                {"authgate-scope-match": "some"}),
        b"\x00" + check_request({"authorization": "Bearer a.b.c"},
                                {"authgate-provider": "nope"}),
        b"\x00" + check_request({}, header_map=[("Authorization",
                                                 "Bearer x.y.z")]),
        b"\x00" + check_request({}),
        b"\x00" + check_request({"authorization": "Basic x"},
                                {"authgate-nonce": "n"}),
    ]
    return out


def seeds_cookie_header():
    # name \0 prefix \0 Cookie header.
    chunk = "A" * 3800
    return [
        "\0\0_authgate=abc; other=1",
        "_authgate\0_authgate_csrf_\0a=1; _authgate_0=x; _authgate_1=y; b=2",
        "\0_authgate_csrf_\0_authgate_csrf_AAAAAAAAAAAA=f; _authgate=s",
        "\0\0 _authgate = \"q\" ;; =x; noeq; _authgate=second",
        "\0\0_authgate=whole; _authgate_0=planted; _authgate_1=z",
        "\0\0_authgate_0=lone; _authgate_00=x; _authgate_x=y",
        "\0\0" + f"_authgate_0={chunk}; _authgate_1={chunk}; _authgate_2=end",
        "sid\0pre\0sid=1; prefixed=2; pre=3; presence=4; sid_0=5",
    ]


def seeds_redirect_policy():
    return [
        "", "/", "/app/page?x=1#f", "https://app.example.com/back",
        "http://example.com:8080/", "https://EXAMPLE.com./x",
        "//evil.com", "/\\evil.com", "/%2f%2fevil.com", "/%252f%252fevil.com",
        "/%5cevil.com", "https://evil.com/", "https://app.example.com@evil.com/",
        "https://evil.com#.example.com", "https://evil.com?.example.com",
        "https://example.com.evil.com/", "javascript:alert(1)",
        "/https://evil.com", "/a/../b", "/a/%2e%2e/b", "https://[::1]/",
        "https://app.example.com%2eevil.com/", "HTTPS://A.EXAMPLE.COM:443/",
        "/%09/evil.com", "https:/\\evil.com", "https://app.example.com\\@evil.com",
    ]


def seeds_web_form():
    return [
        "", "rd=%2Fapp&code=abc&state=xyz", "a+b=c+d&a=2&flag",
        "x=%zz", "x=%4", "=&==&&", "q=%E2%98%83%00%0d%0a",
        "&".join(f"p{i}=v" for i in range(70)),
        "error=access_denied&error_description=%3Cscript%3E",
    ]


def seeds_sealed_session():
    times = bytes([200, 1, 100, 2, 210, 3, 0, 0])
    fields = ["oidc", "client", "user-1", "ann", "ann@example.com", "Ann",
              "admins,dev", "at", "idt", "rt"]
    session = {"v": 1, "prov": "oidc", "cid": "client", "sub": "user-1",
               "user": "ann", "email": "ann@example.com", "email_v": True,
               "name": "Ann", "groups": ["admins"], "at": "a", "idt": "i",
               "rt": "r", "at_exp": NOW + 600, "iat": NOW, "exp": NOW + 86400}
    return [
        "\0".join(fields).encode() + b"\0" + times,
        "\0".join(["", "", "", "", "", "", "", "", "", ""]).encode() +
        b"\0" + bytes([0, 0, 0, 255, 0, 255, 0, 0]),
        b"\xff\xfe\0\xc3\0sub\0\0\0\0,,\0\0\0\0" + times,
        dumps(session),
        dumps({**session, "v": 2}),
        dumps({**session, "extra": 1}),
        '{"v":1,"v":1}',
        b64(b"\0" * 12 + b"ciphertext" + b"\0" * 16),
        "not base64!",
    ]


def seeds_web_face():
    # flags, then method \0 path \0 query \0 headers \0 body; flag 1 adds
    # the signed-in user's cookie, flag 2 puts "/oauth2" before the path.
    def req(flags, method, path, query="", headers="", body=""):
        return bytes([flags]) + "\0".join(
            [method, path, query, headers, body]).encode()
    host = "host: app.example.com\n"
    return [
        req(3, "GET", "/auth", "", host),
        req(2, "GET", "/auth", "", host + "cookie: _authgate=forged"),
        req(2, "GET", "/auth", "", host + "authorization: Bearer a.b.c"),
        req(3, "GET", "/userinfo", "", host),
        req(2, "GET", "/start", "rd=%2F%2Fevil.com", host),
        req(2, "GET", "/start", "rd=%2Fdash", host),
        req(2, "GET", "/callback", "code=c&state=s", host +
            "cookie: _authgate_csrf_AAAAAAAAAAAA=x"),
        req(2, "GET", "/callback", "error=access_denied&error_description=%3Cb%3E",
            host),
        req(3, "POST", "/sign_out", "", host + "origin: https://evil.com"),
        req(3, "POST", "/sign_out", "", host + "origin: https://app.example.com"),
        req(0, "POST", "/v1/ValidateToken", "", host, '{"token":"x"}'),
        req(0, "DELETE", "/nowhere", "x=%zz", host),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    args = parser.parse_args()
    root = pathlib.Path(__file__).resolve().parents[2]
    corpora = {
        "jws_fuzzer": seeds_jws(),
        "jwk_fuzzer": seeds_jwk(),
        "jwk_set_fuzzer": seeds_jwk_set(),
        "discovery_fuzzer": seeds_discovery(),
        "token_response_fuzzer": seeds_token_response(),
        "userinfo_fuzzer": seeds_userinfo(),
        "provider_spec_fuzzer": seeds_provider_spec(),
        "provider_env_fuzzer": seeds_provider_env(),
        "token_verifier_fuzzer": seeds_token_verifier(),
        "bearer_credentials_fuzzer": seeds_bearer(),
        "server_config_fuzzer": seeds_server_config(root),
        "ext_authz_check_fuzzer": seeds_ext_authz(),
        "cookie_header_fuzzer": seeds_cookie_header(),
        "redirect_policy_fuzzer": seeds_redirect_policy(),
        "web_form_fuzzer": seeds_web_form(),
        "sealed_session_fuzzer": seeds_sealed_session(),
        "web_face_fuzzer": seeds_web_face(),
    }
    for target, seeds in corpora.items():
        directory = args.out / target
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        for i, seed in enumerate(seeds):
            data = seed if isinstance(seed, bytes) else seed.encode()
            (directory / f"seed-{i:02d}").write_bytes(data)
    print(f"wrote {sum(map(len, corpora.values()))} seeds for "
          f"{len(corpora)} targets to {args.out}")


if __name__ == "__main__":
    main()
