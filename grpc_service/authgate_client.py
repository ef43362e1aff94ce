#!/usr/bin/python3
"""A small command-line gRPC client for authgate-server.

Generates the Python stubs from proto/ on first use (Debian's
python3-grpc-tools; cached under $XDG_CACHE_HOME/authgate) and calls the
server. Prints JSON; exits 0 on OK, 1 when the call failed (with the gRPC
code and the authgate-error-reason trailer).

    grpc_service/authgate_client.py --target 127.0.0.1:50051 validate "$TOKEN"
    grpc_service/authgate_client.py validate "$TOKEN" --scope orders/read
    grpc_service/authgate_client.py health
    grpc_service/authgate_client.py metadata --provider cognito

Needs Debian's python3 with python3-grpcio and python3-grpc-tools.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
PROTO_DIR = REPO / "proto"
HEALTH_PROTO = """syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
"""


def load_stubs():
    """Imports the generated modules, generating them when the protos changed."""
    protos = sorted(PROTO_DIR.rglob("*.proto"))
    digest = hashlib.sha256()
    for proto in protos:
        digest.update(proto.read_bytes())
    digest.update(HEALTH_PROTO.encode())
    cache = pathlib.Path(
        os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache")
    )
    out = cache / "authgate" / f"stubs-{digest.hexdigest()[:16]}"
    if not (out / "done").exists():
        from grpc_tools import protoc
        import grpc_tools

        (out / "health_wire").mkdir(parents=True, exist_ok=True)
        (out / "health_wire" / "health.proto").write_text(HEALTH_PROTO)
        well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
        files = [str(p.relative_to(PROTO_DIR)) for p in protos] + [
            "health_wire/health.proto"
        ]
        code = protoc.main(
            [
                "protoc",
                f"-I{PROTO_DIR}",
                f"-I{out}",
                f"-I{well_known}",
                f"--python_out={out}",
                f"--grpc_python_out={out}",
                *files,
            ]
        )
        if code != 0:
            sys.exit("protoc failed")
        (out / "done").write_text("")
    sys.path.insert(0, str(out))
    from authgate.v1 import auth_service_pb2, auth_service_pb2_grpc
    from health_wire import health_pb2, health_pb2_grpc

    return auth_service_pb2, auth_service_pb2_grpc, health_pb2, health_pb2_grpc


def whole_numbers(value):
    """Struct numbers are doubles on the wire; print exp, iat, ... as the
    integers the token holds."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--target",
        default=os.environ.get("AUTHGATE_TARGET", "127.0.0.1:50051"),
        help="host:port or unix:/path (default 127.0.0.1:50051)",
    )
    parser.add_argument("--timeout", type=float, default=5)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="ValidateToken")
    validate.add_argument(
        "token",
        help='a JWT, or an Authorization header value "Bearer <jwt>" (the '
        'scheme is removed here: the server takes the token byte for byte); '
        '"-" reads stdin',
    )
    validate.add_argument("--provider", default="")
    validate.add_argument("--token-use", action="append", default=[])
    validate.add_argument("--audience", action="append", default=[])
    validate.add_argument("--scope", action="append", default=[])
    validate.add_argument("--group", action="append", default=[])
    validate.add_argument("--claims", action="store_true", help="print every claim")
    commands.add_parser("health", help="grpc.health.v1.Health/Check")
    metadata = commands.add_parser("metadata", help="GetProviderMetadata")
    metadata.add_argument("--provider", default="")
    args = parser.parse_args(argv)

    import grpc
    from google.protobuf import json_format

    pb, pb_grpc, health_pb, health_grpc = load_stubs()
    with grpc.insecure_channel(args.target) as channel:
        try:
            if args.command == "health":
                response = health_grpc.HealthStub(channel).Check(
                    health_pb.HealthCheckRequest(), timeout=args.timeout
                )
                print(
                    json.dumps(
                        {
                            "status": health_pb.HealthCheckResponse.ServingStatus.Name(
                                response.status
                            )
                        }
                    )
                )
                return 0
            stub = pb_grpc.AuthServiceStub(channel)
            if args.command == "metadata":
                response = stub.GetProviderMetadata(
                    pb.GetProviderMetadataRequest(provider=args.provider),
                    timeout=args.timeout,
                )
                print(json_format.MessageToJson(response, indent=2))
                return 0
            token = sys.stdin.read().strip() if args.token == "-" else args.token
            if token[:7].lower() == "bearer ":
                token = token[7:]
            response = stub.ValidateToken(
                pb.ValidateTokenRequest(
                    token=token,
                    provider=args.provider,
                    token_uses=args.token_use,
                    audiences=args.audience,
                    required_scopes=args.scope,
                    required_groups=args.group,
                ),
                timeout=args.timeout,
            )
            result = {
                "verdict": "valid",
                "principal": json_format.MessageToDict(response.principal),
            }
            if args.claims:
                result["claims"] = whole_numbers(
                    json_format.MessageToDict(response.claims)
                )
            print(json.dumps(result, indent=2))
            return 0
        except grpc.RpcError as error:
            trailers = dict(error.trailing_metadata() or ())
            print(
                json.dumps(
                    {
                        "verdict": "rejected",
                        "code": error.code().name,
                        "reason": trailers.get("authgate-error-reason", ""),
                        "message": error.details(),
                    },
                    indent=2,
                )
            )
            return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
