"""The conformance table (tests/conformance, FORMAT.md) through the server's
two faces: AuthService.ValidateToken and Envoy's ext_authz Check.

The materializer mints the table's tokens and key sets; ONE authgate-server
holds every provider of the table (static keys, default cache settings) and
each row goes through both faces, which must give the table's code and
reason. A face that cannot express a row fails that row; nothing is skipped.
Each face is one test that collects every mismatch and fails listing them by
row name.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import grpc
import pytest

from conftest import REPO, Server, server_binary, trailing, wait_health

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
def conformance_server(table, tmp_path_factory, pb):
    srv = Server(
        config={"providers": table["providers"]},
        tmp=tmp_path_factory.mktemp("conformance-server"),
    ).started()
    with srv.channel() as channel:
        # Static keys: ready at once, no provider to wait for.
        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING", timeout=10)
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


def via_validate_token(stub, pb, token: str, request: dict) -> tuple[str, str]:
    check_request_keys(request)
    message = pb.auth.ValidateTokenRequest(
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


FACES = {"ValidateToken": via_validate_token, "ext_authz": via_ext_authz}


def test_table_has_enough_cases(table):
    assert len(table["cases"]) >= 100, len(table["cases"])
    names = [case["name"] for case in table["cases"]]
    assert len(set(names)) == len(names), "row names must be unique"


@pytest.mark.parametrize("face", sorted(FACES))
def test_face_gives_every_verdict(face, table, conformance_server, pb):
    with conformance_server.channel() as channel:
        stub = (
            pb.auth_grpc.AuthServiceStub(channel)
            if face == "ValidateToken"
            else pb.ext_grpc.AuthorizationStub(channel)
        )
        failures = []
        ran = 0
        for case in table["cases"]:
            want = (case["expect"]["code"], case["expect"].get("reason", ""))
            try:
                got = FACES[face](stub, pb, case["token"], case.get("request", {}))
            except CannotExpress as why:
                failures.append(f"{case['name']}: cannot express ({why})")
                continue
            ran += 1
            if got != want:
                failures.append(
                    f"{case['name']}: got {got[0]} {got[1] or '-'}, "
                    f"want {want[0]} {want[1] or '-'}"
                )
    assert ran >= 100, f"only {ran} rows ran through {face}"
    assert not failures, (
        f"{len(failures)} of {len(table['cases'])} rows fail through {face}:\n"
        + "\n".join(failures)
    )
