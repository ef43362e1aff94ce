"""Shared fixtures: where authgate is imported from, and tokens minted at
test time with keys generated for the session (no pasted blobs).

Set AUTHGATE_PYTHON_BUILD_DIR to a CMake build's ``python`` directory (for
example ``build/python``) to test the in-tree extension; without it the
installed ``authgate`` is tested.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

_BUILD_DIR = os.environ.get("AUTHGATE_PYTHON_BUILD_DIR")
if _BUILD_DIR:
    _BUILD_DIR = os.path.abspath(_BUILD_DIR)
    if not os.path.isdir(os.path.join(_BUILD_DIR, "authgate")):
        raise RuntimeError(
            f"AUTHGATE_PYTHON_BUILD_DIR={_BUILD_DIR} has no authgate/ package: "
            "build the _core target first"
        )
    sys.path.insert(0, _BUILD_DIR)
    # Subprocesses (stubtest, python -m authgate) must import the same build.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (_BUILD_DIR, os.environ.get("PYTHONPATH")) if p
    )

# tests/e2e/providers.py starts the real providers (not a package).
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e")
)
import providers  # noqa: E402

REGION = "eu-west-1"
POOL_ID = "eu-west-1_TestPool1"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
CLIENT_ID = "3example0client0id0abcdefgh"


@dataclass
class SigningKey:
    """A private key and the JWK of its public half."""

    kid: str
    alg: str
    private_key: Any
    jwk: Dict[str, Any]


def _make_rsa_key(kid: str) -> SigningKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return SigningKey(kid, "RS256", private_key, jwk)


def _make_ec_key(kid: str) -> SigningKey:
    private_key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key()))
    jwk.update({"kid": kid, "alg": "ES256", "use": "sig"})
    return SigningKey(kid, "ES256", private_key, jwk)


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    return _make_rsa_key("rsa-key-1")


@pytest.fixture(scope="session")
def other_rsa_key() -> SigningKey:
    return _make_rsa_key("rsa-key-2")


@pytest.fixture(scope="session")
def ec_key() -> SigningKey:
    return _make_ec_key("ec-key-1")


def jwks_of(*keys: SigningKey) -> str:
    """A JWKS document holding the public halves of `keys`."""
    return json.dumps({"keys": [k.jwk for k in keys]})


@pytest.fixture(scope="session")
def jwks(rsa_key: SigningKey, ec_key: SigningKey) -> str:
    return jwks_of(rsa_key, ec_key)


def access_claims(**overrides: Any) -> Dict[str, Any]:
    """Claims shaped like a Cognito access token, valid for an hour."""
    now = int(time.time())
    claims: Dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "cognito:groups": ["admins", "staff"],
        "iss": ISSUER,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "token_use": "access",
        "scope": "openid orders/read orders/write",
        "auth_time": now - 10,
        "exp": now + 3600,
        "iat": now - 10,
        "jti": str(uuid.uuid4()),
        "username": "alice",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def id_claims(**overrides: Any) -> Dict[str, Any]:
    """Claims shaped like a Cognito ID token, valid for an hour."""
    now = int(time.time())
    claims: Dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "aud": CLIENT_ID,
        "email_verified": True,
        "iss": ISSUER,
        "cognito:username": "alice",
        "cognito:groups": ["staff"],
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "token_use": "id",
        "auth_time": now - 10,
        "exp": now + 3600,
        "iat": now - 10,
        "jti": str(uuid.uuid4()),
        "email": "alice@example.com",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def sign(
    claims: Dict[str, Any],
    key: SigningKey,
    *,
    headers: Optional[Dict[str, Any]] = None,
) -> str:
    """Signs `claims` with `key` (kid in the header unless overridden)."""
    all_headers: Dict[str, Any] = {"kid": key.kid}
    all_headers.update(headers or {})
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers=all_headers)


@pytest.fixture(scope="session")
def mint(rsa_key: SigningKey) -> Callable[..., str]:
    """mint(**claim_overrides) -> a signed Cognito-shaped access token."""

    def _mint(**overrides: Any) -> str:
        return sign(access_claims(**overrides), rsa_key)

    return _mint


@pytest.fixture(scope="session")
def verifier(jwks: str):
    import authgate

    return authgate.Verifier.from_jwks(jwks, issuer=ISSUER, client_id=CLIENT_ID)


@pytest.fixture(scope="session")
def oidc():
    """panva oidc-provider shaped like a Cognito pool, on 127.0.0.1.

    Never skipped: if it cannot start, every test using it errors.
    """
    server = providers.start_oidc_provider()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def cognito():
    """moto's Cognito emulator with a pool, client, group, user and tokens."""
    moto = providers.start_moto()
    try:
        yield providers.setup_cognito(moto.endpoint)
    finally:
        moto.stop()
