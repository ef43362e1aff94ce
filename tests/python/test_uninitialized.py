"""An instance made with __new__ alone raises ValueError; it never crashes.

pybind11 2.10 returns such an instance with no C++ object behind it and,
unguarded, lets its first use read raw memory (python/src/uninitialized_guard.h).
Each probe runs in a child interpreter, so a crash fails the test instead of
ending the session.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import authgate
import pytest
from conftest import CLIENT_ID, ISSUER, jwks_of

_UNINITIALIZED = "uninitialized authgate object"

# Every class the extension binds, and calls that need its C++ object.
_CALLS = {
    "Verifier": ["u.verify('a.b.c')", "u.verify(b'a.b.c')", "u.stats()"],
    "Provider": ["u.verify('a.b.c')", "u.describe()", "u.authorization_url()"],
    "ProviderPolicy": ["u.describe()"],
    "Claims": ["u.get('sub')"],
    "TokenResponse": [],
    "AuthorizationUrl": [],
}


def _bound_classes() -> list[str]:
    return sorted(
        name
        for name, value in vars(authgate._core).items()
        if isinstance(value, type) and type(value).__name__ == "pybind11_type"
    )


def test_every_bound_class_is_probed():
    assert _bound_classes() == sorted(_CALLS)


def _probe(cls_expression: str, calls: list[str]) -> list[str]:
    """What each call on cls.__new__(cls) did, in a child interpreter."""
    probe = textwrap.dedent(
        f"""
        import authgate._core as core
        cls = {cls_expression}
        u = cls.__new__(cls)
        calls = {calls!r}
        calls += ["u." + attr for attr, value in vars(cls).items()
                  if isinstance(value, property)]
        for call in calls:
            try:
                eval(call)
            except ValueError as e:
                print(call, "ValueError", e)
            else:
                print(call, "answered")
        del u
        print("done")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "done"
    return lines[:-1]


@pytest.mark.parametrize("name", sorted(_CALLS))
def test_an_instance_made_with_new_alone_refuses_every_use(name):
    outcomes = _probe(f"core.{name}", _CALLS[name])
    assert outcomes and all(f"ValueError {_UNINITIALIZED}" in o for o in outcomes), outcomes


def test_a_python_subclass_made_with_new_alone_is_refused(rsa_key, mint):
    outcomes = _probe("type('Sub', (core.Verifier,), {})", _CALLS["Verifier"])
    assert len(outcomes) == 3
    assert all(f"ValueError {_UNINITIALIZED}" in o for o in outcomes), outcomes

    class Sub(authgate.Verifier):
        pass

    # A constructed one works as before.
    policy = authgate.ProviderPolicy(
        jwks_inline=jwks_of(rsa_key), issuer=ISSUER, client_id=CLIENT_ID
    )
    assert Sub([policy]).verify(mint()).sub
