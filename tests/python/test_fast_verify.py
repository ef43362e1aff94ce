"""Verifier.verify's two paths (python/src/fast_verify.h) give one answer.

verify(str, **keywords) runs the METH_FASTCALL entry point; bytes, unknown
keywords and mistyped values go to the pybind11 binding. Each case asserts
the exact outcome, whichever path takes it.
"""

from __future__ import annotations

import authgate
import pytest


def _reason(call):
    with pytest.raises(authgate.AuthgateError) as excinfo:
        call()
    return type(excinfo.value).__name__, excinfo.value.code, excinfo.value.reason


def test_keywords_on_the_fast_path_are_the_bindings_options(verifier, mint):
    token = mint()
    claims = verifier.verify(token, scopes=["orders/read"], groups=("admins",))
    assert claims.sub == verifier.verify(token).sub
    assert _reason(lambda: verifier.verify(token, scopes=["nope"])) == (
        "PermissionDeniedError",
        "PERMISSION_DENIED",
        "scope_missing",
    )
    assert _reason(
        lambda: verifier.verify(token, groups=["nope", "admins"], group_match="all")
    ) == ("PermissionDeniedError", "PERMISSION_DENIED", "group_missing")
    verifier.verify(token, groups=["nope", "admins"], group_match="any")
    assert _reason(lambda: verifier.verify(token, token_uses="id")) == (
        "InvalidTokenError",
        "UNAUTHENTICATED",
        "token_use_mismatch",
    )
    assert _reason(lambda: verifier.verify(token, scope_match="most")) == (
        "ConfigurationError",
        "INVALID_ARGUMENT",
        "invalid_argument",
    )
    assert _reason(lambda: verifier.verify(token, provider="elsewhere")) == (
        "ConfigurationError",
        "INVALID_ARGUMENT",
        "invalid_argument",
    )
    # None keeps the default, as in the binding.
    verifier.verify(token, provider=None, token_uses=None, nonce=None)


def test_calls_the_fast_path_does_not_take_get_the_bindings_errors(verifier, mint):
    token = mint()
    with pytest.raises(TypeError, match="incompatible function arguments"):
        verifier.verify(token, scope=["orders/read"])  # no such keyword
    with pytest.raises(TypeError, match="incompatible function arguments"):
        verifier.verify(token, scopes="orders/read")  # a str is not a list
    with pytest.raises(TypeError, match="incompatible function arguments"):
        verifier.verify(token, scopes=None)
    with pytest.raises(TypeError, match="incompatible function arguments"):
        verifier.verify(token, "access")  # options are keyword-only
    with pytest.raises(TypeError, match="incompatible function arguments"):
        verifier.verify()
    with pytest.raises(TypeError, match="incompatible function arguments"):
        verifier.verify(None)
    # bytes convert in the binding, and verify alike.
    assert verifier.verify(token.encode()).sub == verifier.verify(token).sub
    # A lone surrogate has no UTF-8 form: the binding refuses it.
    with pytest.raises((TypeError, UnicodeEncodeError)):
        verifier.verify(token + "\udc80")


def test_rejections_are_the_same_on_both_paths(verifier, mint):
    broken = mint()[:-4] + "AAAA"
    fast = _reason(lambda: verifier.verify(broken))
    slow = _reason(lambda: verifier.verify(broken.encode()))
    assert fast == slow == ("InvalidTokenError", "UNAUTHENTICATED", "signature_invalid")


def test_verify_keeps_its_documentation(verifier):
    doc = authgate.Verifier.verify.__doc__
    assert doc.startswith("verify(self: authgate._core.Verifier, token: str, *")
    assert "Verifies a token and returns its claims." in doc
    assert verifier.verify.__name__ == "verify"
