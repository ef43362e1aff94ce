"""``python -m authgate``: the authgate command-line tool, in Python.

Mirrors the native ``authgate`` tool::

    python -m authgate verify --jwks jwks.json --issuer ISSUER \\
        --client-id CLIENT --token-use access [TOKEN]
    python -m authgate inspect [TOKEN]
    python -m authgate discover ISSUER
    python -m authgate login --issuer ISSUER --client-id CLIENT [--port 0]

The token is read from stdin when not given (a pasted ``Bearer`` prefix is
dropped). Output is one JSON document; ``verify`` exits 0 only for a valid
token, every command exits 1 on an authgate error and 2 on bad usage.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import sys
import threading
import urllib.parse
from typing import Any, Dict, List, Optional, Sequence

import authgate

_USAGE = (
    "python -m authgate verify|inspect [flags] [TOKEN] | discover ISSUER | " "login ..."
)


def _split(values: Optional[List[str]]) -> List[str]:
    """Flattens repeated and comma-separated flag values."""
    out: List[str] = []
    for value in values or []:
        out.extend(v for v in value.split(",") if v)
    return out


def _read_token(token: Optional[str]) -> str:
    text = token if token is not None else sys.stdin.read()
    text = text.strip()
    if text[:7].lower() == "bearer ":
        text = text[7:]
    return text.strip()


def _print(document: Dict[str, Any]) -> None:
    print(json.dumps(document, indent=2, sort_keys=False))


def _fail(error: authgate.AuthgateError) -> int:
    _print(
        {
            "valid": False,
            "code": error.code,
            "reason": error.reason,
            "message": error.message,
        }
    )
    return 1


def _claims_json(claims: authgate.Claims) -> Dict[str, Any]:
    return {
        "valid": True,
        "issuer": claims.issuer,
        "subject": claims.sub,
        "token_use": claims.token_use,
        "key_id": claims.key_id,
        "alg": claims.algorithm,
        "claims": claims.to_dict(),
    }


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ca-file", "--ca_file", help="PEM CA bundle to trust")


def _verify(args: argparse.Namespace) -> int:
    issuers = _split(args.issuer)
    if not issuers:
        print("verify needs --issuer", file=sys.stderr)
        return 2
    if not (args.jwks or args.jwks_uri or args.discover):
        print("verify needs --jwks, --jwks-uri or --discover", file=sys.stderr)
        return 2
    token = _read_token(args.token)
    audiences = _split(args.client_id)
    policy: Dict[str, Any] = {
        "issuer": issuers,
        "audience": audiences or None,
        "allow_any_audience": args.any_audience,
        "token_type": _split(args.token_type) or None,
    }
    try:
        if args.jwks:
            verifier = authgate.Verifier.from_jwks_file(args.jwks, **policy)
        else:
            # A Provider needs a client id; the policy's audience rules apply.
            provider = authgate.Provider.discover(
                issuers[0],
                client_id=(audiences or ["authgate-cli"])[0],
                jwks_uri=args.jwks_uri,
                use_discovery=not args.jwks_uri,
                ca_file=args.ca_file,
            )
            verifier = authgate.Verifier.from_provider(provider, **policy)
        claims = verifier.verify(
            token,
            token_use=args.token_use or None,
            scopes=_split(args.scope),
            require_all=not args.any_scope,
        )
        groups = _split(args.group)
        if groups:
            # Groups default to any-of and scopes to all-of, as in the native
            # tool; this second call is a verified-token cache hit.
            claims = verifier.verify(token, groups=groups, require_all=args.all_groups)
    except authgate.AuthgateError as error:
        return _fail(error)
    _print(_claims_json(claims))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    token = _read_token(args.token)
    try:
        header, claims = authgate.decode_unverified(token)
    except authgate.AuthgateError as error:
        return _fail(error)
    _print(
        {
            "warning": "UNVERIFIED: signature and claims were not checked",
            "fingerprint": authgate.token_fingerprint(token),
            "header": header,
            "claims": claims,
        }
    )
    return 0


def _discover(args: argparse.Namespace) -> int:
    try:
        metadata = authgate.fetch_provider_metadata(
            args.issuer, timeout=args.timeout_ms / 1000.0, ca_file=args.ca_file
        )
    except authgate.AuthgateError as error:
        return _fail(error)
    _print(metadata)
    return 0


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    """Takes the provider's redirect to /callback once."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/callback":
            self.send_error(404)
            return
        params = dict(urllib.parse.parse_qsl(url.query))
        self.server.callback_params = params  # type: ignore[attr-defined]
        body = b"authgate: signed in, you can close this window.\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The query string holds the authorization code: never log it.
        pass


def _access_token_json(
    provider: authgate.Provider, access_token: str
) -> Dict[str, Any]:
    try:
        return _claims_json(provider.verify(access_token, token_use=None))
    except authgate.InvalidTokenError as error:
        # Many providers issue opaque or resource-bound access tokens: show
        # why this one is not verifiable for the client, and its claims only
        # when it is a JWT, clearly marked.
        document: Dict[str, Any] = {"valid": False, "reason": error.reason}
        try:
            document["unverified_claims"] = authgate.decode_unverified(access_token)[1]
        except authgate.AuthgateError:
            document["opaque"] = True
        return document


def _login(args: argparse.Namespace) -> int:
    secret = args.client_secret or os.environ.get("AUTHGATE_CLIENT_SECRET")
    server = http.server.HTTPServer(("127.0.0.1", args.port), _CallbackHandler)
    server.callback_params = None  # type: ignore[attr-defined]
    server.timeout = 1.0
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/callback"
    options: Dict[str, Any] = {
        "client_id": args.client_id,
        "client_secret": secret,
        "redirect_uri": redirect_uri,
        "ca_file": args.ca_file,
        "jwks_uri": args.jwks_uri,
    }
    if args.auth_method:
        options["auth_method"] = args.auth_method
    scopes = _split(args.scope)
    if scopes:
        options["scopes"] = scopes
    try:
        try:
            if args.cognito_domain:
                region, pool_id = authgate.parse_cognito_issuer(args.issuer)
                provider = authgate.Provider.cognito(
                    region, pool_id, domain=args.cognito_domain, **options
                )
            else:
                provider = authgate.Provider.discover(args.issuer, **options)
            login = provider.authorization_url()
            print(
                f"Open this URL in a browser (redirect URI {redirect_uri} must "
                f"be registered):\n{login.url}",
                file=sys.stderr,
                flush=True,
            )
            deadline = threading.Event()
            timer = threading.Timer(args.timeout_s, deadline.set)
            timer.start()
            try:
                while server.callback_params is None and not deadline.is_set():
                    server.handle_request()
            finally:
                timer.cancel()
            params: Optional[Dict[str, str]] = server.callback_params
            if params is None:
                raise authgate.ProviderUnavailableError(
                    "no callback before the timeout",
                    code="DEADLINE_EXCEEDED",
                    reason="provider_timeout",
                )
            if "error" in params:
                raise authgate.OAuthError(
                    "the provider returned an error to the callback",
                    reason="oauth_error",
                    error=params["error"],
                    error_description=params.get("error_description", ""),
                )
            if not authgate.state_matches(login.state, params.get("state", "")):
                raise authgate.OAuthError(
                    "callback state does not match", reason="state_mismatch"
                )
            tokens = provider.exchange_code(
                params.get("code", ""),
                code_verifier=login.code_verifier,
                nonce=login.nonce,
                redirect_uri=redirect_uri,
            )
        finally:
            server.server_close()
    except authgate.AuthgateError as error:
        return _fail(error)
    id_claims = tokens.id_token_claims
    _print(
        {
            "valid": True,
            "id_token": _claims_json(id_claims) if id_claims is not None else None,
            "access_token": _access_token_json(provider, tokens.access_token),
            "refresh_token_received": bool(tokens.refresh_token),
            "scope": tokens.scope,
            "expires_in": tokens.expires_in,
        }
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m authgate", usage=_USAGE)
    commands = parser.add_subparsers(dest="command", required=True)

    verify = commands.add_parser(
        "verify", help="check a token's signature and claims; exit 0 only if valid"
    )
    verify.add_argument("token", nargs="?", help="the token (default: stdin)")
    verify.add_argument("--jwks", help="JWKS file holding the provider's keys")
    verify.add_argument(
        "--jwks-uri", "--jwks_uri", help="URL of the provider's JWKS (fetched live)"
    )
    verify.add_argument(
        "--discover",
        action="store_true",
        help="find the JWKS through {issuer}/.well-known/openid-configuration",
    )
    verify.add_argument(
        "--issuer", action="append", help="trusted issuer(s), comma separated"
    )
    verify.add_argument(
        "--client-id",
        "--client_id",
        action="append",
        help="accepted audience / Cognito client_id values, comma separated",
    )
    verify.add_argument(
        "--any-audience",
        "--any_audience",
        action="store_true",
        help="accept any audience (not recommended)",
    )
    verify.add_argument(
        "--token-use", "--token_use", help="required Cognito token_use: id or access"
    )
    verify.add_argument(
        "--token-type",
        "--token_type",
        action="append",
        help="accepted JOSE header typ values, e.g. at+jwt, comma separated",
    )
    verify.add_argument("--scope", action="append", help="required scopes")
    verify.add_argument(
        "--any-scope",
        "--any_scope",
        action="store_true",
        help="one of --scope suffices (default: all)",
    )
    verify.add_argument("--group", action="append", help="required cognito:groups")
    verify.add_argument(
        "--all-groups",
        "--all_groups",
        action="store_true",
        help="all of --group are needed (default: any)",
    )
    _add_common(verify)
    verify.set_defaults(run=_verify)

    inspect = commands.add_parser("inspect", help="decode a token WITHOUT verifying it")
    inspect.add_argument("token", nargs="?", help="the token (default: stdin)")
    inspect.set_defaults(run=_inspect)

    discover = commands.add_parser(
        "discover", help="fetch and check an issuer's discovery document"
    )
    discover.add_argument("issuer")
    discover.add_argument("--timeout-ms", "--timeout_ms", type=int, default=5000)
    _add_common(discover)
    discover.set_defaults(run=_discover)

    login = commands.add_parser(
        "login", help="sign in through the provider and print the tokens' claims"
    )
    login.add_argument("--issuer", required=True)
    login.add_argument("--client-id", "--client_id", required=True)
    login.add_argument(
        "--client-secret",
        "--client_secret",
        help="better given as the AUTHGATE_CLIENT_SECRET environment variable",
    )
    login.add_argument(
        "--auth-method", "--auth_method", choices=["basic", "post", "none"]
    )
    login.add_argument(
        "--port", type=int, default=0, help="callback port on 127.0.0.1 (0: free)"
    )
    login.add_argument("--scope", action="append")
    login.add_argument(
        "--cognito-domain",
        "--cognito_domain",
        help="hosted UI domain (prefix, host or origin) of a Cognito pool",
    )
    login.add_argument("--jwks-uri", "--jwks_uri")
    login.add_argument("--timeout-s", "--timeout_s", type=float, default=300.0)
    _add_common(login)
    login.set_defaults(run=_login)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line; returns the exit status.

    Args:
        argv: Arguments after the program name; ``sys.argv[1:]`` when None.

    Returns:
        0 on success, 1 on an authgate error, 2 on bad usage.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:
        # The reader went away (`... | head`): no traceback, and no second
        # error when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
