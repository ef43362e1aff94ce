#!/usr/bin/env python3
"""Writes tests/conformance/cases.json: the conformance table.

Each row says what a token is (header, claims, how it is broken), which
providers are configured, what the caller asks for, and the one verdict every
face must give: a canonical code and a stable reason. The expectations are
the rules of RFC 7515/7519/8725/9068, OpenID Connect Core and Cognito's
contract (README "Verifying a token"), written here by hand; nothing is
recorded from a run. Run this script after editing it and commit both files:

    python3 tests/conformance/make_cases.py
"""

import json
import os

POOL_WEB = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Conform01"
POOL_WEB_UPDATED = (
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Conform01")
POOL_M2M = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Conform02"
OIDC = "https://idp.conformance.test"
STRICT = "https://strict.conformance.test/realms/api"
SINGLE = "https://single.conformance.test"

KEYS = {
    "rsa": {"alg": "RS256"},
    "rsa-2": {"alg": "RS256", "variant": 1},
    "rsa384": {"alg": "RS384"},
    "rsa512": {"alg": "RS512"},
    "ps256": {"alg": "PS256"},
    "ps384": {"alg": "PS384"},
    "ps512": {"alg": "PS512"},
    "ec": {"alg": "ES256"},
    "ec384": {"alg": "ES384"},
    "ec521": {"alg": "ES512"},
    "ed": {"alg": "EdDSA"},
    "p2": {"alg": "RS256", "variant": 2},
    "oidc-rsa": {"alg": "RS256", "variant": 3},
    "oidc-ec": {"alg": "ES256", "variant": 1},
    "strict": {"alg": "PS256", "variant": 1},
    "solo": {"alg": "ES384", "variant": 1},
    # Never in any key set: an attacker's key.
    "rogue": {"alg": "RS256", "variant": 4},
    "rogue-ec": {"alg": "ES256", "variant": 2},
}
KEY_SETS = {
    "web": ["rsa", "rsa-2", "rsa384", "rsa512", "ps256", "ps384", "ps512",
            "ec", "ec384", "ec521", "ed"],
    "m2m": ["p2"],
    "oidc": ["oidc-rsa", "oidc-ec"],
    "strict": ["strict"],
    "single": ["solo"],
}
PROVIDERS = [
    {"name": "cognito-web", "issuer": POOL_WEB,
     "additional_issuers": [POOL_WEB_UPDATED],
     "client_id": "web-client", "client_secret": "conformance-secret",
     "clients": [{"client_id": "spa-client"}], "key_set": "web"},
    {"name": "cognito-m2m", "kind": "cognito", "issuer": POOL_M2M,
     "client_id": "m2m-client", "token_uses": ["access"],
     "algorithms": ["RS256"], "key_set": "m2m"},
    {"name": "oidc-app", "kind": "oidc", "issuer": OIDC, "client_id": "app",
     "audiences": ["api://orders"], "key_set": "oidc"},
    {"name": "oidc-strict", "issuer": STRICT, "audiences": ["api://strict"],
     "token_types": ["at+jwt"], "max_lifetime": "1h",
     "required_claims": {"tenant": "acme", "tier": 2},
     "clock_skew": "5m", "groups_claim": "roles", "key_set": "strict"},
    {"name": "oidc-single", "issuer": SINGLE, "allow_any_audience": True,
     "clock_skew": 0, "key_set": "single"},
]

OK = {"code": "OK", "reason": ""}


def rejected(reason):
    return {"code": "UNAUTHENTICATED", "reason": reason}


def denied(reason):
    return {"code": "PERMISSION_DENIED", "reason": reason}


def cognito_access(**over):
    claims = {"iss": POOL_WEB, "sub": "user-1", "client_id": "web-client",
              "token_use": "access", "scope": "openid orders/read orders/write",
              "cognito:groups": ["admins", "staff"], "username": "alice",
              "iat": "$now-60", "auth_time": "$now-60", "exp": "$now+3600",
              "jti": "j-1"}
    claims.update(over)
    return claims


def cognito_id(**over):
    claims = {"iss": POOL_WEB, "sub": "user-1", "aud": "web-client",
              "token_use": "id", "cognito:username": "alice",
              "email": "alice@example.com", "email_verified": True,
              "cognito:groups": ["staff"], "iat": "$now-60",
              "exp": "$now+3600"}
    claims.update(over)
    return claims


def m2m_access(**over):
    claims = {"iss": POOL_M2M, "sub": "m2m-client", "client_id": "m2m-client",
              "token_use": "access", "scope": "orders/read",
              "iat": "$now-60", "exp": "$now+3600"}
    claims.update(over)
    return claims


def oidc_token(**over):
    claims = {"iss": OIDC, "sub": "u-9", "aud": "app", "iat": "$now-60",
              "exp": "$now+3600", "scope": "read write",
              "groups": ["eng", "ops"], "preferred_username": "bob"}
    claims.update(over)
    return claims


def strict_token(**over):
    claims = {"iss": STRICT, "sub": "svc", "aud": "api://strict",
              "tenant": "acme", "tier": 2, "roles": ["reader"],
              "iat": "$now-60", "exp": "$now+1800", "scope": "a b"}
    claims.update(over)
    return claims


def single_token(**over):
    claims = {"iss": SINGLE, "sub": "s", "aud": "anything",
              "iat": "$now-60", "exp": "$now+600"}
    claims.update(over)
    return claims


def drop(claims, *names):
    return {k: v for k, v in claims.items() if k not in names}


cases = []


def case(name, token, expect, request=None):
    row = {"name": name, "token": token, "expect": expect}
    if request:
        row["request"] = request
    cases.append(row)


def tok(claims, key="rsa", **extra):
    token = {"key": key, "claims": claims}
    token.update(extra)
    return token


# --- Every algorithm and key of the Cognito pool, both token uses ---------
for key in KEY_SETS["web"]:
    alg = KEYS[key]["alg"]
    case(f"cognito access token signed {alg} ({key})",
         tok(cognito_access(), key), OK)
    case(f"cognito id token signed {alg} ({key})", tok(cognito_id(), key), OK)
    case(f"cognito access token {alg} ({key}), signature tampered",
         tok(cognito_access(), key, tamper="signature"),
         rejected("signature_invalid"))
    case(f"cognito access token {alg} ({key}), claims swapped under the "
         "signature", tok(cognito_access(), key,
                          swap_claims=cognito_access(sub="mallory")),
         rejected("signature_invalid"))
    case(f"cognito token {alg} ({key}) expired",
         tok(cognito_access(exp="$now-600", iat="$now-4200"), key),
         rejected("token_expired"))
    rogue = {"RS256": "rogue", "ES256": "rogue-ec"}.get(alg)
    if rogue:
        case(f"cognito token {alg} ({key}) signed by a rogue key under its "
             "kid", tok(cognito_access(), rogue,
                        header={"alg": alg, "kid": key}),
             rejected("signature_invalid"))

# --- Cognito: audience by token use -----------------------------------------
case("cognito access token of the SPA client (second client)",
     tok(cognito_access(client_id="spa-client")), OK)
case("cognito id token of the SPA client",
     tok(cognito_id(aud="spa-client")), OK)
case("cognito access token bound by aud but without client_id",
     tok(drop(cognito_access(aud="web-client"), "client_id")),
     rejected("audience_mismatch"))
case("cognito access token with another client_id and our aud",
     tok(cognito_access(client_id="other-client", aud="web-client")),
     rejected("audience_mismatch"))
case("cognito access token of an unknown client",
     tok(cognito_access(client_id="other-client")),
     rejected("audience_mismatch"))
case("cognito id token carrying the client in client_id, not aud",
     tok(drop(cognito_id(client_id="web-client"), "aud")),
     rejected("audience_mismatch"))
case("cognito id token for another audience",
     tok(cognito_id(aud="other-client")), rejected("audience_mismatch"))
case("cognito id token with aud as an array holding the client",
     tok(cognito_id(aud=["web-client"])), OK)
case("cognito token without token_use",
     tok(drop(cognito_access(), "token_use")), rejected("token_use_mismatch"))
case("cognito token with token_use refresh",
     tok(cognito_access(token_use="refresh")), rejected("token_use_mismatch"))
case("cognito token with a non-string token_use",
     tok(cognito_access(token_use=1)), rejected("token_malformed"))
case("cognito token from the pool's updated issuer form",
     tok(cognito_access(iss=POOL_WEB_UPDATED)), OK)
case("cognito token whose iss ends in a slash",
     tok(cognito_access(iss=POOL_WEB + "/")), rejected("issuer_mismatch"))
case("cognito token whose iss differs in case",
     tok(cognito_access(iss=POOL_WEB.replace("Conform01", "conform01"))),
     rejected("issuer_mismatch"))
case("cognito m2m access token", tok(m2m_access(), "p2"), OK)
case("cognito m2m provider refuses id tokens",
     tok(m2m_access(token_use="id", aud="m2m-client"), "p2"),
     rejected("token_use_mismatch"))
case("cognito m2m provider allows only RS256: a PS256 token",
     tok(m2m_access(), "p2", sign_alg="PS256",
         header={"alg": "PS256", "kid": "p2"}),
     rejected("alg_not_allowed"))
case("a token of pool 1 signed with pool 2's key",
     tok(cognito_access(), "p2"), rejected("key_not_found"))
case("a token of pool 2 signed with pool 1's key",
     tok(m2m_access(), "rsa", header={"alg": "RS256", "kid": "rsa"}),
     rejected("key_not_found"))

# --- Per-call requirements ----------------------------------------------------
call_rows = [
    ("token_uses access for an access token", cognito_access(),
     {"token_uses": ["access"]}, OK),
    ("token_uses id for an access token", cognito_access(),
     {"token_uses": ["id"]}, rejected("token_use_mismatch")),
    ("token_uses id for an id token", cognito_id(), {"token_uses": ["id"]},
     OK),
    ("token_uses id or access for an id token", cognito_id(),
     {"token_uses": ["id", "access"]}, OK),
    ("per-call audience matches client_id", cognito_access(),
     {"audiences": ["web-client"]}, OK),
    ("per-call audience names the other client", cognito_access(),
     {"audiences": ["spa-client"]}, rejected("audience_mismatch")),
    ("per-call audience does not read aud on an access token",
     cognito_access(aud="spa-client"), {"audiences": ["spa-client"]},
     rejected("audience_mismatch")),
    ("per-call audience on an id token reads aud", cognito_id(),
     {"audiences": ["web-client"]}, OK),
    ("per-call audience on an id token ignores client_id",
     cognito_id(client_id="spa-client"), {"audiences": ["spa-client"]},
     rejected("audience_mismatch")),
    ("one required scope present", cognito_access(),
     {"scopes": ["orders/read"]}, OK),
    ("all of two scopes present", cognito_access(),
     {"scopes": ["orders/read", "orders/write"]}, OK),
    ("all of two scopes, one missing", cognito_access(),
     {"scopes": ["orders/read", "orders/delete"]}, denied("scope_missing")),
    ("any of two scopes, one present", cognito_access(),
     {"scopes": ["orders/delete", "orders/read"], "scope_match": "any"}, OK),
    ("any of two scopes, none present", cognito_access(),
     {"scopes": ["orders/delete", "admin"], "scope_match": "any"},
     denied("scope_missing")),
    ("scope required but token has no scope claim",
     drop(cognito_access(), "scope"), {"scopes": ["orders/read"]},
     denied("scope_missing")),
    ("scope match is exact, not a prefix", cognito_access(),
     {"scopes": ["orders"]}, denied("scope_missing")),
    ("one required group present", cognito_access(), {"groups": ["admins"]},
     OK),
    ("groups default to any-of: one of two present", cognito_access(),
     {"groups": ["auditors", "admins"]}, OK),
    ("groups any-of: none present", cognito_access(),
     {"groups": ["auditors", "root"]}, denied("group_missing")),
    ("groups all-of: both present", cognito_access(),
     {"groups": ["admins", "staff"], "group_match": "all"}, OK),
    ("groups all-of: one missing", cognito_id(),
     {"groups": ["admins", "staff"], "group_match": "all"},
     denied("group_missing")),
    ("groups required but the token has none",
     drop(cognito_access(), "cognito:groups"), {"groups": ["admins"]},
     denied("group_missing")),
    ("cognito groups are read from cognito:groups, not groups",
     drop(cognito_access(groups=["admins"]), "cognito:groups"),
     {"groups": ["admins"]}, denied("group_missing")),
    ("group match is case-sensitive", cognito_access(),
     {"groups": ["Admins"]}, denied("group_missing")),
    ("provider named and matching", cognito_access(),
     {"provider": "cognito-web"}, OK),
    ("provider named, token from another provider", cognito_access(),
     {"provider": "oidc-app"}, rejected("issuer_mismatch")),
    ("provider named that is not configured", cognito_access(),
     {"provider": "nope"},
     {"code": "INVALID_ARGUMENT", "reason": "invalid_argument"}),
    ("nonce expected and equal", cognito_id(nonce="n-123"),
     {"nonce": "n-123"}, OK),
    ("nonce expected and different", cognito_id(nonce="n-123"),
     {"nonce": "n-456"}, rejected("nonce_mismatch")),
    ("nonce expected, token has none", cognito_id(), {"nonce": "n-123"},
     rejected("nonce_mismatch")),
    ("nonce not expected, token has one (Cognito federated sign-in)",
     cognito_id(nonce="cognito-own"), None, OK),
    ("invalid token wins over missing scope",
     cognito_access(exp="$now-600", iat="$now-4000"),
     {"scopes": ["nothing"]}, rejected("token_expired")),
    ("token_use is checked before scopes", cognito_id(),
     {"token_uses": ["access"], "scopes": ["orders/read"]},
     rejected("token_use_mismatch")),
]
for name, claims, request, expect in call_rows:
    case(f"call: {name}", tok(claims), expect, request)
    # The same request through an ES256 and an EdDSA key of the pool.
    case(f"call: {name} (ES256)", tok(claims, "ec"), expect, request)
    case(f"call: {name} (EdDSA)", tok(claims, "ed"), expect, request)

# --- Time ---------------------------------------------------------------------
time_rows = [
    ("expired beyond the 60 s skew",
     {"exp": "$now-300", "iat": "$now-3900"}, rejected("token_expired")),
    ("expired long ago", {"exp": "$now-86400", "iat": "$now-90000"},
     rejected("token_expired")),
    ("not yet valid (nbf in 10 minutes)", {"nbf": "$now+600"},
     rejected("token_not_yet_valid")),
    ("nbf in the past", {"nbf": "$now-600"}, OK),
    ("issued in the future (iat in 10 minutes)",
     {"iat": "$now+600", "exp": "$now+4200"},
     rejected("token_issued_in_future")),
    ("exp as a string", {"exp": "soon"}, rejected("token_malformed")),
    ("nbf as a boolean", {"nbf": True}, rejected("token_malformed")),
    ("iat as a string", {"iat": "yesterday"}, rejected("token_malformed")),
]
for name, over, expect in time_rows:
    claims = cognito_access(**over)
    case(f"time: {name}", tok(claims), expect)
    case(f"time: {name} (oidc)", tok(oidc_token(**over), "oidc-rsa"), expect)
case("time: no exp", tok(drop(cognito_access(), "exp")),
     rejected("claim_missing"))
case("time: no exp (oidc)", tok(drop(oidc_token(), "exp"), "oidc-rsa"),
     rejected("claim_missing"))
case("time: expired 2 minutes ago within a 5 minute skew",
     tok(strict_token(exp="$now-120", iat="$now-1800"), "strict",
         header={"alg": "PS256", "kid": "strict", "typ": "at+jwt"}), OK)
case("time: expired 8 minutes ago beyond a 5 minute skew",
     tok(strict_token(exp="$now-480", iat="$now-2000"), "strict",
         header={"alg": "PS256", "kid": "strict", "typ": "at+jwt"}),
     rejected("token_expired"))
case("time: zero skew, nbf 2 minutes ahead",
     tok(single_token(nbf="$now+120"), "solo"),
     rejected("token_not_yet_valid"))

# --- OIDC audience, azp, groups -------------------------------------------------
oidc_rows = [
    ("aud is the client", oidc_token(), None, OK),
    ("aud is the extra audience", oidc_token(aud="api://orders"), None, OK),
    ("aud array with client and azp", oidc_token(aud=["app", "other"],
                                                 azp="app"), None, OK),
    ("aud array without azp", oidc_token(aud=["app", "other"]), None,
     rejected("azp_mismatch")),
    ("aud array with a foreign azp",
     oidc_token(aud=["app", "other"], azp="other"), None,
     rejected("azp_mismatch")),
    ("single aud with a foreign azp", oidc_token(azp="other"), None,
     rejected("azp_mismatch")),
    ("aud of someone else", oidc_token(aud="someone-else"), None,
     rejected("audience_mismatch")),
    ("no aud, client in client_id", drop(oidc_token(client_id="app"), "aud"),
     None, rejected("audience_mismatch")),
    ("no aud at all", drop(oidc_token(), "aud"), None,
     rejected("audience_mismatch")),
    ("aud as a number", oidc_token(aud=5), None, rejected("token_malformed")),
    ("aud array with a number", oidc_token(aud=["app", 5]), None,
     rejected("token_malformed")),
    ("groups read from groups", oidc_token(), {"groups": ["ops"]}, OK),
    ("groups all-of on groups claim", oidc_token(),
     {"groups": ["eng", "ops"], "group_match": "all"}, OK),
    ("cognito:groups is not an oidc provider's groups claim",
     drop(oidc_token(**{"cognito:groups": ["ops"]}), "groups"),
     {"groups": ["ops"]}, denied("group_missing")),
    ("a single group as a string", oidc_token(groups="ops"),
     {"groups": ["ops"]}, OK),
    ("scopes on oidc", oidc_token(), {"scopes": ["read", "write"]}, OK),
    ("scopes on oidc, missing", oidc_token(), {"scopes": ["admin"]},
     denied("scope_missing")),
    ("token_use is not checked for oidc", oidc_token(token_use="whatever"),
     None, OK),
    ("per-call audience matching the extra audience",
     oidc_token(aud=["app", "api://orders"], azp="app"),
     {"audiences": ["api://orders"]}, OK),
    ("per-call audience not in aud", oidc_token(),
     {"audiences": ["api://orders"]}, rejected("audience_mismatch")),
]
for name, claims, request, expect in oidc_rows:
    case(f"oidc: {name}", tok(claims, "oidc-rsa"), expect, request)
    case(f"oidc: {name} (ES256)", tok(claims, "oidc-ec"), expect, request)
case("oidc: at+jwt access token with several audiences needs no azp",
     tok(oidc_token(aud=["app", "other"]), "oidc-rsa",
         header={"alg": "RS256", "kid": "oidc-rsa", "typ": "at+jwt"}), OK)

# --- Strict provider: explicit typing, lifetime, required claims --------------
AT = {"alg": "PS256", "kid": "strict", "typ": "at+jwt"}
strict_rows = [
    ("at+jwt token", strict_token(), AT, None, OK),
    ("typ application/at+jwt", strict_token(),
     dict(AT, typ="application/at+jwt"), None, OK),
    ("typ AT+JWT (case-insensitive)", strict_token(), dict(AT, typ="AT+JWT"),
     None, OK),
    ("typ JWT (an ID token passed as access token)", strict_token(),
     dict(AT, typ="JWT"), None, rejected("token_type_mismatch")),
    ("no typ", strict_token(), {"alg": "PS256", "kid": "strict"}, None,
     rejected("token_type_mismatch")),
    ("typ not a string", strict_token(), dict(AT, typ=7), None,
     rejected("token_malformed")),
    ("lifetime over the 1 h maximum",
     strict_token(iat="$now-60", exp="$now+7200"), AT, None,
     rejected("token_lifetime_too_long")),
    ("lifetime needs iat", drop(strict_token(), "iat"), AT, None,
     rejected("claim_missing")),
    ("required claim tenant missing", drop(strict_token(), "tenant"), AT,
     None, rejected("claim_missing")),
    ("required claim tenant differs", strict_token(tenant="evil"), AT, None,
     rejected("claim_mismatch")),
    ("required claim tier as a string", strict_token(tier="2"), AT, None,
     rejected("claim_mismatch")),
    ("groups from the configured claim roles", strict_token(), AT,
     {"groups": ["reader"]}, OK),
    ("roles claim missing the group", strict_token(), AT,
     {"groups": ["writer"]}, denied("group_missing")),
    ("groups claim is not read for a roles provider",
     strict_token(groups=["writer"]), AT, {"groups": ["writer"]},
     denied("group_missing")),
    ("only the configured audience", strict_token(aud="app"), AT, None,
     rejected("audience_mismatch")),
    ("alg outside the key's (RS256 header on a PS256 key)", strict_token(),
     dict(AT, alg="RS256"), None, rejected("alg_not_allowed")),
]
for name, claims, header, request, expect in strict_rows:
    case(f"strict: {name}", tok(claims, "strict", header=header), expect,
         request)

# --- kid rules ------------------------------------------------------------------
case("kid: unknown kid", tok(cognito_access(), header={"alg": "RS256",
                                                        "kid": "nope"}),
     rejected("key_not_found"))
case("kid: empty kid", tok(cognito_access(), header={"alg": "RS256",
                                                      "kid": ""}),
     rejected("token_malformed"))
case("kid: absent, the set holds several keys",
     tok(cognito_access(), header={"alg": "RS256"}),
     rejected("key_not_found"))
case("kid: absent, the set holds several keys, one per alg",
     tok(oidc_token(), "oidc-ec", header={"alg": "ES256"}),
     rejected("key_not_found"))
case("kid: absent, the set holds exactly one key",
     tok(single_token(), "solo", header={"alg": "ES384"}), OK)
case("kid: absent, one key but the wrong alg",
     tok(single_token(), "solo", sign_alg="ES384", header={"alg": "ES256"}),
     rejected("alg_not_allowed"))
case("kid: a number", tok(cognito_access(), header={"alg": "RS256",
                                                     "kid": 1}),
     rejected("token_malformed"))
case("kid: names an EC key, header says RS256",
     tok(cognito_access(), "rsa", header={"alg": "RS256", "kid": "ec"}),
     rejected("alg_not_allowed"))
case("kid: names an RSA key, header says ES256",
     tok(cognito_access(), "ec", header={"alg": "ES256", "kid": "rsa"}),
     rejected("alg_not_allowed"))
case("kid: names the RS384 key, token says RS256",
     tok(cognito_access(), "rsa", header={"alg": "RS256", "kid": "rsa384"}),
     rejected("alg_not_allowed"))
case("kid: jku pointing elsewhere is ignored",
     tok(cognito_access(), header_set={"jku": "https://evil.test/jwks"}), OK)
case("kid: x5u pointing elsewhere is ignored",
     tok(cognito_access(), header_set={"x5u": "https://evil.test/cert"}), OK)
case("kid: embedded jwk with a rogue key and unknown kid",
     tok(cognito_access(), "rogue",
         header={"alg": "RS256", "kid": "rogue",
                 "jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}}),
     rejected("key_not_found"))

# --- Header rules ------------------------------------------------------------
header_rows = [
    ("alg none", {"alg": "none", "kid": "rsa"}, rejected("alg_not_allowed")),
    ("alg None", {"alg": "None", "kid": "rsa"}, rejected("alg_not_allowed")),
    ("alg missing", {"kid": "rsa"}, rejected("alg_not_allowed")),
    ("alg unknown", {"alg": "RS1024", "kid": "rsa"},
     rejected("alg_not_allowed")),
    ("alg HS256 with an RSA kid (key confusion)", {"alg": "HS256",
                                                   "kid": "rsa"},
     rejected("alg_not_allowed")),
    ("alg lower-case rs256", {"alg": "rs256", "kid": "rsa"},
     rejected("alg_not_allowed")),
    ("alg not a string", {"alg": 256, "kid": "rsa"},
     rejected("token_malformed")),
    ("crit present", {"alg": "RS256", "kid": "rsa", "crit": ["exp"],
                      "exp": 1}, rejected("crit_unsupported")),
    ("b64 false", {"alg": "RS256", "kid": "rsa", "b64": False},
     rejected("token_malformed")),
    ("typ JWT is fine without token_types", {"alg": "RS256", "kid": "rsa",
                                             "typ": "JWT"}, OK),
    ("no typ is fine without token_types", {"alg": "RS256", "kid": "rsa"},
     OK),
    ("unknown header members are ignored",
     {"alg": "RS256", "kid": "rsa", "x-extra": {"a": [1, 2]}}, OK),
]
for name, header, expect in header_rows:
    case(f"header: {name}", tok(cognito_access(), header=header), expect)
case("header: duplicate alg member", tok(
    cognito_access(),
    raw_header='{"alg":"RS256","kid":"rsa","alg":"none"}'),
    rejected("token_malformed"))
case("header: not JSON", tok(cognito_access(), raw_header="{alg:RS256"),
     rejected("token_malformed"))
case("header: a JSON array", tok(cognito_access(), raw_header='["RS256"]'),
     rejected("token_malformed"))
case("header: nested far too deep",
     tok(cognito_access(), header_set={"x": {"$nest": 40}}),
     rejected("token_malformed"))

# --- Payload rules -------------------------------------------------------------
case("payload: not JSON", tok(None, raw_payload="not json"),
     rejected("token_malformed"))
case("payload: a JSON array", tok(None, raw_payload="[1,2]"),
     rejected("token_malformed"))
case("payload: duplicate iss", tok(None, raw_payload=(
    '{"iss":"%s","iss":"https://evil.test","client_id":"web-client",'
    '"token_use":"access","exp":9999999999}' % POOL_WEB)),
    rejected("token_malformed"))
case("payload: nested 1000 levels", tok(cognito_access(deep={"$nest": 1000})),
     rejected("token_malformed"))
case("payload: nested 40 levels", tok(cognito_access(deep={"$nest": 40})),
     rejected("token_malformed"))
case("payload: nested 5 levels", tok(cognito_access(deep={"$nest": 5})), OK)
case("payload: no iss", tok(drop(cognito_access(), "iss")),
     rejected("issuer_mismatch"))
case("payload: iss of nobody", tok(cognito_access(iss="https://evil.test")),
     rejected("issuer_mismatch"))
case("payload: iss not a string", tok(cognito_access(iss=["x"])),
     rejected("token_malformed"))
case("payload: unicode claims", tok(cognito_access(name="Zoë 名前")), OK)
case("payload: large but under the size limit",
     tok(cognito_access(pad={"$repeat": "x", "times": 9000})), OK)
case("payload: over the 16 KiB size limit",
     tok(cognito_access(pad={"$repeat": "x", "times": 13000})),
     rejected("token_too_large"))

# --- Token text: exact bytes -----------------------------------------------------
text_rows = [
    ("leading space", {"prefix": " "}),
    ("trailing newline", {"suffix": "\n"}),
    ("trailing space", {"suffix": " "}),
    ("Bearer prefix", {"prefix": "Bearer "}),
    ("bearer prefix", {"prefix": "bearer "}),
    ("trailing CRLF", {"suffix": "\r\n"}),
    ("trailing dot", {"suffix": "."}),
    ("a tab inside", {"prefix": "\t"}),
]
for name, extra in text_rows:
    case(f"text: {name}", tok(cognito_access(), **extra),
         rejected("token_malformed"))
raw_rows = [
    ("empty token", ""),
    ("one segment", "abc"),
    ("two segments", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0"),
    ("four segments", "a.b.c.d"),
    ("empty segments", ".."),
    ("padding in a segment", "eyJhbGciOiJSUzI1NiJ9=.eyJ9.c2ln"),
    ("standard base64 characters", "eyJhbGciOiJSUzI1NiJ9.e+J9.c2/n"),
    ("a JWE (five segments)", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"),
    ("only dots and spaces", " . . "),
]
for name, raw in raw_rows:
    case(f"text: {name}", {"raw": raw}, rejected("token_malformed"))
case("text: over the size limit before decoding",
     {"raw": "a" * 17000 + ".b.c"}, rejected("token_too_large"))

# --- Single-key provider with any audience ---------------------------------------
case("single: any audience accepted", tok(single_token(), "solo"), OK)
case("single: no aud accepted under allow_any_audience",
     tok(drop(single_token(), "aud"), "solo"), OK)
case("single: expired with zero skew",
     tok(single_token(exp="$now-30", iat="$now-600"), "solo"),
     rejected("token_expired"))
case("single: per-call audience still enforced",
     tok(single_token(), "solo"), rejected("audience_mismatch"),
     {"audiences": ["something-else"]})
case("single: another provider's key under this issuer",
     tok(single_token(), "rsa", header={"alg": "RS256", "kid": "rsa"}),
     rejected("key_not_found"))

table = {
    "comment": "Generated by make_cases.py; edit that script, not this file.",
    "keys": KEYS,
    "key_sets": KEY_SETS,
    "providers": PROVIDERS,
    "cases": cases,
}
names = [c["name"] for c in cases]
assert len(names) == len(set(names)), "case names must be unique"
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
with open(path, "w", encoding="utf-8") as out:
    json.dump(table, out, indent=1, ensure_ascii=False)
    out.write("\n")
print(f"{len(cases)} cases written to {path}")
