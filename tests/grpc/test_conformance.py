"""The conformance table (tests/conformance, FORMAT.md) through the server's
four faces that judge tokens: AuthService.ValidateToken, Envoy's ext_authz
Check, and the browser face's two HTTP ones (docs/web.md): the JSON API's
POST /v1/ValidateToken and GET /oauth2/auth with `Authorization: Bearer`.

The materializer mints the table's tokens and key sets; ONE authgate-server
holds every provider of the table (static keys, default cache settings) and
each row goes through every face, which must give the table's code and
reason. A face that cannot express a row fails that row; nothing is skipped.
Each face is one test that collects every mismatch and fails listing them by
row name.

The browser face needs a provider it can sign browsers in with (OAuth
endpoints and a client; server_config.cc refuses static keys for
web.provider), which no table provider is. The same server therefore holds
one more provider, "web-signin", the suite's oidc-provider: its issuer is
nobody's in the table, so no row's routing changes, and every face answers
from one process (a second server would make a face difference and a config
difference look alike).

/oauth2/auth judges a bearer token with no request options by contract, so
it runs exactly the table's option-free rows, less the ones whose token no
HTTP header line can carry (CR or LF ends the line); the test counts the
rows it ran against both numbers, read from cases.json.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import pathlib
import subprocess

import grpc
import pytest
from google.protobuf import json_format

from conftest import (
    REPO,
    Server,
    oidc_provider_config,
    server_binary,
    trailing,
    wait_health,
)

CASES = REPO / "tests" / "conformance" / "cases.json"
REQUEST_KEYS = {
    "provider",
    "token_uses",
    "audiences",
    "scopes",
    "scope_match",
    "groups",
    "group_match",
    "nonce",
}
# A row's request as FORMAT.md defaults it: a row equal to it has no options.
DEFAULT_REQUEST = {
    "provider": "",
    "token_uses": [],
    "audiences": [],
    "scopes": [],
    "scope_match": "all",
    "groups": [],
    "group_match": "any",
    "nonce": "",
}
# Option-free rows whose token holds CR or LF: no HTTP header can carry it
# (the line would end there), so /oauth2/auth cannot be asked. Named, so a
# new such row is a decision, not a silent drop.
NO_HEADER_CAN_CARRY = {"text: trailing newline", "text: trailing CRLF"}
# Option-free rows whose token HTTP can carry but the face's HTTP library
# cannot: civetweb refuses a tab inside a header value before authgate sees
# the request (docs/web.md). Still a refusal, never a 202: the face must
# answer 400 invalid_argument for each (test_oauth2_auth_refuses_...).
HTTP_STACK_REFUSES = {"text: a tab inside"}
# The JSON API's HTTP status per gRPC code (docs/web.md).
HTTP_STATUS_OF_CODE = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
# /oauth2/auth's statuses back to the table's codes; 400 is only ever
# INVALID_ARGUMENT in the table (FAILED_PRECONDITION/OUT_OF_RANGE never are).
CODE_OF_AUTH_STATUS = {
    202: "OK",
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
CODE_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}


def materializer() -> str:
    """tests/cpp/conformance_materialize of the build authgate-server comes
    from ($AUTHGATE_CONFORMANCE_MATERIALIZE overrides)."""
    server = pathlib.Path(server_binary())
    candidates = [
        os.environ.get("AUTHGATE_CONFORMANCE_MATERIALIZE"),
        server.parents[1] / "tests" / "cpp" / "conformance_materialize",
        REPO / "build-grpc" / "tests" / "cpp" / "conformance_materialize",
        REPO / "build" / "tests" / "cpp" / "conformance_materialize",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.fail(
        "conformance_materialize not built; build that target in the build "
        f"directory of {server} or set AUTHGATE_CONFORMANCE_MATERIALIZE"
    )


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("conformance")
    done = subprocess.run(
        [materializer(), str(CASES), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((out / "materialized.json").read_text())


@pytest.fixture(scope="module")
def conformance_server(table, oidc, tmp_path_factory, pb):
    tmp = tmp_path_factory.mktemp("conformance-server")
    key_file = tmp / "cookie-keys"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    names = {provider["name"] for provider in table["providers"]}
    assert "web-signin" not in names
    config = {
        "server": {"provider_retry_max": "2s"},
        "providers": [
            *table["providers"],
            oidc_provider_config(oidc, name="web-signin"),
        ],
        "web": {
            "listen": "127.0.0.1:0",
            "provider": "web-signin",
            "cookie": {"secret_file": str(key_file)},
        },
    }
    srv = Server(config=config, tmp=tmp).started()
    srv.web_port = srv.wait_event("server_started")["web_port"]
    assert srv.web_port, "the browser face did not start"
    with srv.channel() as channel:
        # The table's keys are static; web-signin's come from oidc-provider.
        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING", timeout=30)
    yield srv
    assert srv.stop() == 0


class CannotExpress(Exception):
    """The face has no way to state this row's request."""


def match_mode(pb, value):
    if value is None:
        return pb.auth.MATCH_MODE_UNSPECIFIED  # the face's default applies
    modes = {"all": pb.auth.MATCH_MODE_ALL, "any": pb.auth.MATCH_MODE_ANY}
    if value not in modes:
        raise CannotExpress(f"match mode {value!r}")
    return modes[value]


def check_request_keys(request: dict) -> None:
    unknown = set(request) - REQUEST_KEYS
    if unknown:
        raise CannotExpress(f"request keys {sorted(unknown)}")


def validate_request(pb, token: str, request: dict):
    """The row as the ValidateTokenRequest message (gRPC and the JSON API)."""
    check_request_keys(request)
    return pb.auth.ValidateTokenRequest(
        token=token,
        provider=request.get("provider", ""),
        token_uses=request.get("token_uses", []),
        audiences=request.get("audiences", []),
        required_scopes=request.get("scopes", []),
        scope_match=match_mode(pb, request.get("scope_match")),
        required_groups=request.get("groups", []),
        group_match=match_mode(pb, request.get("group_match")),
        nonce=request.get("nonce", ""),
    )


def via_validate_token(stub, pb, token: str, request: dict) -> tuple[str, str]:
    message = validate_request(pb, token, request)
    try:
        stub.ValidateToken(message, timeout=10)
    except grpc.RpcError as error:
        return error.code().name, trailing(error).get("authgate-error-reason", "")
    return "OK", ""


def extension_list(values: list[str]) -> str:
    # Route lists are comma- or space-separated: an entry holding either
    # cannot be stated.
    for value in values:
        if not value or any(c in value for c in ", "):
            raise CannotExpress(f"list entry {value!r} in a context extension")
    return ",".join(values)


def via_ext_authz(stub, pb, token: str, request: dict) -> tuple[str, str]:
    check_request_keys(request)
    extensions = {}
    if "provider" in request:
        extensions["authgate-provider"] = request["provider"]
    for key, name in (
        ("token_uses", "authgate-token-uses"),
        ("audiences", "authgate-audiences"),
        ("scopes", "authgate-scopes"),
        ("groups", "authgate-groups"),
    ):
        if key in request:
            extensions[name] = extension_list(request[key])
    for key, name in (
        ("scope_match", "authgate-scope-match"),
        ("group_match", "authgate-group-match"),
        ("nonce", "authgate-nonce"),
    ):
        if key in request:
            extensions[name] = request[key]
    http = pb.attrs.AttributeContext.HttpRequest(
        id="conformance",
        method="GET",
        path="/",
        host="api.example.com",
        headers={"authorization": "Bearer " + token},
    )
    attributes = pb.attrs.AttributeContext(
        request=pb.attrs.AttributeContext.Request(http=http),
        context_extensions=extensions,
    )
    response = stub.Check(pb.ext.CheckRequest(attributes=attributes), timeout=10)
    if response.status.code == 0:
        return "OK", ""
    denied = response.denied_response
    http_status = denied.status.code
    if http_status == 401:
        code = "UNAUTHENTICATED"
    elif http_status == 403:
        code = "PERMISSION_DENIED"
    else:
        # 500 (a route error such as an unknown provider) and 503 carry the
        # canonical code in the Check status.
        names = {c.value[0]: c.name for c in grpc.StatusCode}
        code = names.get(response.status.code, f"code {response.status.code}")
    # authgate puts the stable reason in the JSON body of every denial.
    reason = json.loads(denied.body).get("reason", "")
    return code, "" if reason == "unspecified" else reason


class Http:
    """One keep-alive connection to the browser face, reopened when the
    server closed it."""

    def __init__(self, port: int):
        self.port = port
        self.conn = None

    def request(self, method: str, path: str, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=10
                )
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response, response.read()
            except (
                http.client.RemoteDisconnected,
                BrokenPipeError,
                ConnectionResetError,
            ):
                # A kept-alive connection the server closed: once more, anew.
                self.close()
                if attempt == 2:
                    raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def json_body(body: bytes) -> dict:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def token_subject(token: str):
    """The "sub" the (verified, so well-formed) token claims."""
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    claims = json.loads(base64.urlsafe_b64decode(padded))
    return claims.get("sub")


def via_json_api(web: Http, pb, token: str, request: dict) -> tuple[str, str]:
    """POST /v1/ValidateToken with the row's message in canonical JSON."""
    body = json_format.MessageToJson(validate_request(pb, token, request))
    response, data = web.request(
        "POST",
        "/v1/ValidateToken",
        body=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    answer = json_body(data)
    header = response.getheader("authgate-error-reason")
    if response.status == 200:
        reply = pb.auth.ValidateTokenResponse()
        try:
            json_format.Parse(data, reply)
        except json_format.ParseError as error:
            return "HTTP 200", f"not a ValidateTokenResponse ({error})"
        if reply.principal.subject != token_subject(token):
            return "OK", f"principal.subject {reply.principal.subject!r}"
        return ("OK", "") if header is None else ("OK", f"reason header {header}")
    code = CODE_NAMES.get(
        answer.get("code"), f"HTTP {response.status} code {answer.get('code')}"
    )
    reason = answer.get("reason", "")
    # The body, the header and the status must tell one story.
    if header != reason:
        return code, f"{reason} (header {header})"
    if HTTP_STATUS_OF_CODE.get(code, 500) != response.status:
        return code, f"{reason} (HTTP {response.status})"
    return code, reason


CHALLENGE = 'Bearer realm="authgate", error="invalid_token"'


def via_oauth2_auth(web: Http, pb, token: str, request: dict) -> tuple[str, str]:
    """GET /oauth2/auth with only `Authorization: Bearer TOKEN`."""
    check_request_keys(request)
    if {**DEFAULT_REQUEST, **request} != DEFAULT_REQUEST:
        raise CannotExpress("request options (the bearer verdict has none)")
    if any(c in token for c in "\r\n\0"):
        raise CannotExpress("CR, LF or NUL in a header")
    try:
        response, data = web.request(
            "GET", "/oauth2/auth", headers={"Authorization": "Bearer " + token}
        )
    except (ValueError, UnicodeEncodeError) as why:
        raise CannotExpress(f"header value ({why})") from None
    code = CODE_OF_AUTH_STATUS.get(response.status, f"HTTP {response.status}")
    header = response.getheader("authgate-error-reason")
    if response.status == 202:
        subject = response.getheader("X-Auth-Request-Sub")
        if subject != token_subject(token):
            return "OK", f"X-Auth-Request-Sub {subject!r}"
        return ("OK", "") if header is None else ("OK", f"reason header {header}")
    if header is None:
        # Not authgate's handler (civetweb's own refusals carry no reason).
        return code, (
            f"- (HTTP {response.status}, no reason header, body {data[:40]!r})"
        )
    reason = header
    error = json_body(data).get("error")
    if error != reason:
        return code, f"{reason} (body error {error})"
    challenge = response.getheader("WWW-Authenticate")
    if (response.status == 401) != (challenge == CHALLENGE):
        return code, f"{reason} (WWW-Authenticate {challenge})"
    return code, reason


FACES = {
    "ValidateToken": via_validate_token,
    "ext_authz": via_ext_authz,
    "json_api": via_json_api,
    "oauth2_auth": via_oauth2_auth,
}


@contextlib.contextmanager
def face_client(face: str, server, pb):
    if face in ("json_api", "oauth2_auth"):
        web = Http(server.web_port)
        try:
            yield web
        finally:
            web.close()
        return
    with server.channel() as channel:
        yield (
            pb.auth_grpc.AuthServiceStub(channel)
            if face == "ValidateToken"
            else pb.ext_grpc.AuthorizationStub(channel)
        )


def source_rows() -> list[dict]:
    return json.loads(CASES.read_text())["cases"]


def option_free(row: dict) -> bool:
    return {**DEFAULT_REQUEST, **row.get("request", {})} == DEFAULT_REQUEST


def test_table_has_enough_cases(table):
    assert len(table["cases"]) >= 100, len(table["cases"])
    names = [case["name"] for case in table["cases"]]
    assert len(set(names)) == len(names), "row names must be unique"


def run_face(face: str, server, pb, rows) -> tuple[list, list]:
    """Every given row through one face: the names it ran, the mismatches."""
    failures = []
    ran = []
    with face_client(face, server, pb) as client:
        for case in rows:
            want = (case["expect"]["code"], case["expect"].get("reason", ""))
            try:
                got = FACES[face](client, pb, case["token"], case.get("request", {}))
            except CannotExpress as why:
                failures.append(f"{case['name']}: cannot express ({why})")
                continue
            ran.append(case["name"])
            if got != want:
                failures.append(
                    f"{case['name']}: got {got[0]} {got[1] or '-'}, "
                    f"want {want[0]} {want[1] or '-'}"
                )
    return ran, failures


@pytest.mark.parametrize("face", ["ValidateToken", "ext_authz", "json_api"])
def test_face_gives_every_verdict(face, table, conformance_server, pb):
    ran, failures = run_face(face, conformance_server, pb, table["cases"])
    assert len(ran) >= 100, f"only {len(ran)} rows ran through {face}"
    assert not failures, (
        f"{len(failures)} of {len(table['cases'])} rows fail through {face}:\n"
        + "\n".join(failures)
    )


def test_oauth2_auth_gives_every_option_free_verdict(table, conformance_server, pb):
    """Bearer tokens on /oauth2/auth: the table's option-free rows, each with
    ValidateToken's code and reason (202 is OK)."""
    free = [row["name"] for row in source_rows() if option_free(row)]
    assert NO_HEADER_CAN_CARRY <= set(free), "the uncarriable rows moved"
    assert HTTP_STACK_REFUSES <= set(free), "the stack-refused rows moved"
    rows = [
        case
        for case in table["cases"]
        if case["name"] in set(free) - NO_HEADER_CAN_CARRY - HTTP_STACK_REFUSES
    ]
    carried = {
        case["name"]
        for case in table["cases"]
        if case["name"] in NO_HEADER_CAN_CARRY
        and not any(c in case["token"] for c in "\r\n")
    }
    assert not carried, f"these tokens fit a header now: {sorted(carried)}"
    ran, failures = run_face("oauth2_auth", conformance_server, pb, rows)
    want = len(free) - len(NO_HEADER_CAN_CARRY) - len(HTTP_STACK_REFUSES)
    assert len(ran) == want and len(free) >= 150, (
        f"/oauth2/auth ran {len(ran)} rows; the table has {len(free)} "
        f"option-free rows, {len(NO_HEADER_CAN_CARRY)} of them uncarriable, "
        f"{len(HTTP_STACK_REFUSES)} refused by the HTTP library"
    )
    assert not failures, (
        f"{len(failures)} of {len(rows)} option-free rows fail through "
        "/oauth2/auth:\n" + "\n".join(failures)
    )


def test_oauth2_auth_refuses_what_its_http_library_cannot_parse(
    table, conformance_server
):
    """The rows of HTTP_STACK_REFUSES never reach authgate's handler:
    civetweb refuses the request, and the face still answers with a reason
    (400 invalid_argument), never 202."""
    rows = [c for c in table["cases"] if c["name"] in HTTP_STACK_REFUSES]
    assert len(rows) == len(HTTP_STACK_REFUSES)
    web = Http(conformance_server.web_port)
    try:
        for case in rows:
            assert case["expect"]["code"] != "OK", case["name"]
            response, data = web.request(
                "GET",
                "/oauth2/auth",
                headers={"Authorization": "Bearer " + case["token"]},
            )
            assert response.status == 400, (case["name"], response.status)
            assert response.getheader("authgate-error-reason") == "invalid_argument"
            assert json_body(data)["error"] == "invalid_argument"
    finally:
        web.close()
