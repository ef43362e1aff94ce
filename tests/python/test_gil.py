"""Network calls and verification release the GIL.

The keys are served by an HTTP server running on a thread of this very
interpreter: if Provider.discover() or a cold-cache verify() held the GIL
while waiting for the network, that thread could never answer and the call
would time out. Passing proves the GIL is released, with no timing guesswork.
"""

from __future__ import annotations

import http.server
import json
import threading

import authgate
import pytest
from conftest import access_claims, jwks_of, sign

CLIENT = "loopback-client"


@pytest.fixture()
def key_server(rsa_key):
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            requests.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/.well-known/openid-configuration":
                body = json.dumps(
                    {
                        "issuer": base,
                        "jwks_uri": base + "/jwks",
                        "authorization_endpoint": base + "/authorize",
                        "token_endpoint": base + "/token",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                )
            elif self.path == "/jwks":
                body = jwks_of(rsa_key)
            else:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_discovery_and_cold_verify_release_the_gil(key_server, rsa_key):
    issuer, requests = key_server
    # The server signs Cognito-shaped access tokens (client_id, no aud).
    provider = authgate.Provider.discover(
        issuer, kind="cognito", client_id=CLIENT, warm_up=False, http_timeout=3
    )
    assert provider.metadata["jwks_uri"] == issuer + "/jwks"
    assert not provider.jwks_ready
    verifier = authgate.Verifier.from_provider(provider)
    token = sign(access_claims(iss=issuer, client_id=CLIENT), rsa_key)
    # The first verify fetches the JWKS from the server thread above.
    assert verifier.verify(token).client_id == CLIENT
    assert provider.jwks_ready
    assert requests.count("/jwks") == 1
    # A provider dropped by Python keeps serving the verifier built from it.
    del provider
    assert verifier.verify(token).issuer == issuer


def test_warm_up_and_stats(key_server):
    issuer, requests = key_server
    provider = authgate.Provider.discover(issuer, client_id=CLIENT)
    assert provider.jwks_ready
    provider.warm_up()  # fresh: no second fetch
    stats = provider.jwks_stats()
    assert stats["key_sets_loaded"] == 1 and stats["fetch_failures"] == 0
    assert requests.count("/jwks") == 1


def test_fetch_provider_metadata(key_server):
    issuer, _ = key_server
    metadata = authgate.fetch_provider_metadata(issuer)
    assert metadata["issuer"] == issuer
    assert metadata["token_endpoint"] == issuer + "/token"


def test_discovery_issuer_mismatch_is_a_configuration_error(key_server):
    issuer, _ = key_server
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.fetch_provider_metadata(issuer + "/")
    assert excinfo.value.reason == "discovery_mismatch"
