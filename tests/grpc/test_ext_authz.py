"""Envoy's ext_authz Check API: allow with identity headers, deny 401/403."""

import json

import pytest

from test_validate_token import tamper_signature

UNAUTHENTICATED, PERMISSION_DENIED = 16, 7


def check(ext_authz, pb, headers=None, raw_headers=None, extensions=None):
    http = pb.attrs.AttributeContext.HttpRequest(
        id="req-1",
        method="GET",
        path="/orders?code=secret",
        host="api.example.com",
        headers=headers or {},
    )
    for key, value in (raw_headers or {}).items():
        http.header_map.headers.add(key=key, raw_value=value.encode())
    attributes = pb.attrs.AttributeContext(
        request=pb.attrs.AttributeContext.Request(http=http),
        context_extensions=extensions or {},
    )
    return ext_authz.Check(pb.ext.CheckRequest(attributes=attributes))


def header_dict(options):
    return {o.header.key: o.header.value for o in options}


def test_allows_valid_token_with_identity_headers(ext_authz, pb, cognito):
    response = check(
        ext_authz,
        pb,
        headers={
            "authorization": "Bearer " + cognito["access_token"],
            "x-authgate-username": "forged",
            "x-authgate-token-use": "forged",
            "x-authgate-admin": "true",
        },
    )
    assert response.status.code == 0
    assert response.WhichOneof("http_response") == "ok_response"
    headers = header_dict(response.ok_response.headers)
    assert headers["x-authgate-sub"] == cognito["sub"]
    assert headers["x-authgate-username"] == "alice"
    assert headers["x-authgate-client-id"] == cognito["client_id"]
    assert headers["x-authgate-token-use"] == "access"
    assert headers["x-authgate-groups"] == "admins"
    assert headers["x-authgate-provider"] == "cognito"
    assert int(headers["x-authgate-expires-at"]) > 0
    overwrite = pb.core.HeaderValueOption.OVERWRITE_IF_EXISTS_OR_ADD
    assert all(o.append_action == overwrite for o in response.ok_response.headers)
    # No header of the x-authgate- family survives unless authgate set it.
    removed = set(response.ok_response.headers_to_remove)
    assert {"x-authgate-sub", "x-authgate-scopes"}.isdisjoint(removed)
    assert all(h.startswith("x-authgate-") for h in removed)
    assert "x-authgate-admin" in removed  # sent by the client, set by no one


def test_removes_foreign_identity_headers_from_raw_header_map(ext_authz, pb, cognito):
    response = check(
        ext_authz,
        pb,
        raw_headers={
            "Authorization": "Bearer " + cognito["access_token"],
            "X-Authgate-Role": "admin",
        },
    )
    assert response.status.code == 0
    assert "x-authgate-role" in response.ok_response.headers_to_remove


def test_reads_raw_header_map(ext_authz, pb, cognito):
    response = check(
        ext_authz, pb, raw_headers={"Authorization": "Bearer " + cognito["id_token"]}
    )
    assert response.status.code == 0
    assert header_dict(response.ok_response.headers)["x-authgate-token-use"] == "id"


def test_denies_request_without_token_with_bare_challenge(ext_authz, pb):
    response = check(ext_authz, pb, headers={"authorization": "Basic dXNlcjpwYXNz"})
    assert response.status.code == UNAUTHENTICATED
    denied = response.denied_response
    assert denied.status.code == 401
    assert header_dict(denied.headers)["www-authenticate"] == 'Bearer realm="authgate"'


def test_denies_tampered_token_with_invalid_token(ext_authz, pb, cognito):
    response = check(
        ext_authz,
        pb,
        headers={
            "authorization": "Bearer " + tamper_signature(cognito["access_token"])
        },
    )
    assert response.status.code == UNAUTHENTICATED
    denied = response.denied_response
    assert denied.status.code == 401
    challenge = header_dict(denied.headers)["www-authenticate"]
    assert challenge.startswith('Bearer realm="authgate", error="invalid_token"')
    body = json.loads(denied.body)
    assert body["error"] == "invalid_token" and body["reason"] == "signature_invalid"


def test_denies_missing_scope_from_route_with_403(ext_authz, pb, cognito):
    response = check(
        ext_authz,
        pb,
        headers={"authorization": "Bearer " + cognito["access_token"]},
        extensions={"authgate-scopes": "orders/read,orders/write"},
    )
    assert response.status.code == PERMISSION_DENIED
    denied = response.denied_response
    assert denied.status.code == 403
    challenge = header_dict(denied.headers)["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="orders/read orders/write"' in challenge
    assert json.loads(denied.body)["reason"] == "scope_missing"


def test_route_can_require_token_use_and_group(ext_authz, pb, cognito):
    allowed = check(
        ext_authz,
        pb,
        headers={"authorization": "Bearer " + cognito["access_token"]},
        extensions={
            "authgate-token-uses": "access",
            "authgate-groups": "admins",
            "authgate-provider": "cognito",
        },
    )
    assert allowed.status.code == 0
    denied = check(
        ext_authz,
        pb,
        headers={"authorization": "Bearer " + cognito["id_token"]},
        extensions={"authgate-token-uses": "access"},
    )
    assert denied.denied_response.status.code == 401
    assert json.loads(denied.denied_response.body)["reason"] == "token_use_mismatch"


def test_unknown_provider_on_route_is_a_server_error(ext_authz, pb, cognito):
    response = check(
        ext_authz,
        pb,
        headers={"authorization": "Bearer " + cognito["access_token"]},
        extensions={"authgate-provider": "nope"},
    )
    assert response.denied_response.status.code == 500
    assert "www-authenticate" not in header_dict(response.denied_response.headers)


def test_check_counts_in_metrics(ext_authz, pb, cognito, server):
    check(ext_authz, pb, headers={"authorization": "Bearer " + cognito["access_token"]})
    text = server.metrics()
    assert (
        'authgate_token_validations_total{reason="none",result="valid",rpc="Check"}'
        in text
    )


def verdict(response):
    """(code name, reason) of a Check response, as the conformance runner
    reads it."""
    if response.status.code == 0:
        return "OK", ""
    denied = response.denied_response
    return denied.status.code, json.loads(denied.body)["reason"]


# RFC 6750 section 2.1: "Bearer" in any case, one space, the token as is.
def test_reads_bearer_scheme_case_insensitively(ext_authz, pb, cognito):
    response = check(
        ext_authz, pb, headers={"authorization": "bEaReR " + cognito["access_token"]}
    )
    assert response.status.code == 0


@pytest.mark.parametrize(
    "header",
    [
        lambda t: "Bearer  " + t,
        lambda t: "Bearer " + t + " ",
        lambda t: "Bearer " + t + "\n",
        lambda t: "Bearer ",
    ],
    ids=["two spaces", "trailing space", "trailing newline", "no token"],
)
def test_bearer_token_is_taken_as_is(ext_authz, pb, cognito, header):
    response = check(
        ext_authz, pb, headers={"authorization": header(cognito["access_token"])}
    )
    assert verdict(response) == (401, "token_malformed")
    challenge = header_dict(response.denied_response.headers)["www-authenticate"]
    assert 'error="invalid_token"' in challenge


def test_lone_bearer_scheme_is_no_token(ext_authz, pb):
    response = check(ext_authz, pb, headers={"authorization": "Bearer"})
    assert response.denied_response.status.code == 401
    assert (
        header_dict(response.denied_response.headers)["www-authenticate"]
        == 'Bearer realm="authgate"'
    )


def test_route_sets_scope_and_group_match(ext_authz, pb, cognito):
    token = {"authorization": "Bearer " + cognito["access_token"]}
    scope = "aws.cognito.signin.user.admin"
    # Defaults: scopes all-of, groups any-of.
    assert verdict(
        check(ext_authz, pb, headers=token, extensions={"authgate-scopes": f"{scope} nope"})
    ) == (403, "scope_missing")
    assert verdict(
        check(ext_authz, pb, headers=token, extensions={"authgate-groups": "admins,nope"})
    ) == ("OK", "")
    assert verdict(
        check(
            ext_authz,
            pb,
            headers=token,
            extensions={"authgate-scopes": f"{scope} nope", "authgate-scope-match": "any"},
        )
    ) == ("OK", "")
    assert verdict(
        check(
            ext_authz,
            pb,
            headers=token,
            extensions={"authgate-groups": "admins,nope", "authgate-group-match": "all"},
        )
    ) == (403, "group_missing")


def test_route_with_bad_match_value_is_a_server_error(ext_authz, pb, cognito):
    response = check(
        ext_authz,
        pb,
        headers={"authorization": "Bearer " + cognito["access_token"]},
        extensions={"authgate-scope-match": "most"},
    )
    assert verdict(response) == (500, "invalid_argument")


def test_route_can_require_a_nonce(ext_authz, pb, cognito):
    # moto's ID token carries no nonce: a route requiring one refuses it.
    response = check(
        ext_authz,
        pb,
        headers={"authorization": "Bearer " + cognito["id_token"]},
        extensions={"authgate-nonce": "n-1"},
    )
    assert verdict(response) == (401, "nonce_mismatch")
