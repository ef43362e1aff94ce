"""Verifier.verify's two paths (python/src/fast_verify.h) give one answer.

verify(str, **keywords) runs the METH_FASTCALL entry point; bytes, unknown
keywords and mistyped values go to the pybind11 binding. Each case asserts
the exact outcome, whichever path takes it.
"""

from __future__ import annotations

import re

import authgate
import pytest
from conftest import CLIENT_ID, ISSUER, jwks_of


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


def _keyword_names(doc: str) -> list[str]:
    """The keyword-only parameter names of a pybind11 signature line."""
    signature = doc.split("\n", 1)[0]
    keyword_only = signature.split(", *, ", 1)[1].rsplit(") -> ", 1)[0]
    return re.findall(r"(\w+): ", keyword_only)


def _outcome(call):
    try:
        call()
    except Exception as e:  # the exact outcome is compared below
        return type(e).__name__, getattr(e, "reason", None), str(e)
    return "ok"


# One value per keyword that makes the call fail its own way.
_FAILING_KEYWORDS = {
    "provider": "elsewhere",
    "token_uses": "id",
    "audiences": "another-client",
    "scopes": ["nope"],
    "scope_match": "most",
    "groups": ["nope"],
    "group_match": "most",
    "nonce": "n-0",
}


def test_each_keyword_means_the_same_on_both_paths(verifier, mint):
    # The fast path reads the names from verify_keywords.h's kVerifyKeywords,
    # from which the binding's py::arg list is built too; this checks that
    # the binding's parameters follow the table's order (a str token takes
    # the fast path, bytes the binding).
    names = _keyword_names(authgate.Verifier.verify.__doc__)
    assert names == list(_FAILING_KEYWORDS)
    assert _keyword_names(authgate.Provider.verify.__doc__) == names[1:]
    token = mint()
    outcomes = set()
    for name, value in _FAILING_KEYWORDS.items():
        fast = _outcome(lambda: verifier.verify(token, **{name: value}))
        slow = _outcome(lambda: verifier.verify(token.encode(), **{name: value}))
        assert fast == slow != "ok", name
        outcomes.add(fast)
    # Eight different failures: a keyword bound to another's parameter in
    # the binding would show above as a fast/slow mismatch.
    assert len(outcomes) == len(_FAILING_KEYWORDS)


def test_a_scopes_value_that_raises_gets_the_bindings_answer(verifier, mint):
    token = mint()
    started = []

    def scopes():
        started.append(True)
        raise ValueError("not a scope")
        yield "orders/read"  # makes this a generator

    # The binding takes no generator (not a sequence) and never starts it:
    # both paths raise its TypeError, with no error left pending.
    for t in (token, token.encode()):
        with pytest.raises(TypeError, match="incompatible function arguments"):
            verifier.verify(t, scopes=scopes())
    assert started == []

    class Unsized(list):
        def __len__(self):
            raise ValueError("no length")

    # A sequence that raises while converting: the binding lets the error
    # out, and so does the fast path.
    for t in (token, token.encode()):
        with pytest.raises(ValueError, match="^no length$"):
            verifier.verify(t, scopes=Unsized(["orders/read"]))
    assert verifier.verify(token, scopes=["orders/read"]).sub


def test_a_python_subclass_of_verifier_verifies(rsa_key, mint):
    policy = authgate.ProviderPolicy(
        jwks_inline=jwks_of(rsa_key), issuer=ISSUER, client_id=CLIENT_ID
    )

    class Plain(authgate.Verifier):
        pass

    class Overriding(authgate.Verifier):
        def verify(self, token, **keywords):
            return ("mine", super().verify(token, **keywords))

    token = mint()
    plain = Plain([policy])
    claims = plain.verify(token, scopes=["orders/read"])
    assert type(claims) is authgate.Claims
    assert claims.sub == plain.verify(token.encode()).sub
    assert _reason(lambda: plain.verify(token, scopes=["nope"])) == (
        "PermissionDeniedError",
        "PERMISSION_DENIED",
        "scope_missing",
    )
    tag, claims = Overriding([policy]).verify(token, groups=["admins"])
    assert tag == "mine" and claims.sub == plain.verify(token).sub
    # The base's verify, called on the subclass's instance.
    assert authgate.Verifier.verify(plain, token).sub == claims.sub


def test_remembered_keywords_still_decide_every_call(verifier, mint):
    # The fast path remembers converted keywords by the identity of
    # immutable values (verify_options_memo.h): each set of values below,
    # more than it keeps, is answered for what it holds, again after being
    # pushed out.
    token = mint()
    cases = [(("orders/read",) if i % 2 else (f"nope-{i}",), i % 2 == 1) for i in range(20)]
    for _ in range(3):
        for scopes, accepted in cases:
            if accepted:
                assert verifier.verify(token, scopes=scopes).sub
            else:
                assert _reason(lambda: verifier.verify(token, scopes=scopes))[2] == (
                    "scope_missing"
                )
    # The same value under another name means what that name means, from
    # a call site or from a **kwargs dict (a new names tuple every call).
    admins = ("admins",)
    for _ in range(3):
        assert verifier.verify(token, groups=admins).sub
        assert _reason(lambda: verifier.verify(token, scopes=admins))[2] == "scope_missing"
        assert verifier.verify(token, **{"groups": admins}).sub
        assert _reason(lambda: verifier.verify(token, **{"scopes": admins}))[2] == (
            "scope_missing"
        )
    # A bad value is refused on every call, never remembered.
    for _ in range(3):
        assert _reason(lambda: verifier.verify(token, scope_match="most"))[2] == (
            "invalid_argument"
        )


def test_a_mutable_keyword_value_is_read_on_every_call(verifier, mint):
    token = mint()
    scopes = ["orders/read"]
    assert verifier.verify(token, scopes=scopes).sub
    scopes.append("nope")
    assert _reason(lambda: verifier.verify(token, scopes=scopes))[2] == "scope_missing"
    scopes.pop()
    assert verifier.verify(token, scopes=scopes).sub

    class Scope(str):
        pass

    # A str subclass is converted as the binding converts it, every call.
    subclassed = (Scope("orders/read"),)
    for _ in range(3):
        assert verifier.verify(token, scopes=subclassed).sub


def test_remembered_values_are_released_when_pushed_out(verifier, mint):
    import sys

    token = mint()
    scopes = tuple(["orders/read"])  # a new object, not a shared constant
    before = sys.getrefcount(scopes)
    verifier.verify(token, scopes=scopes)
    # Held by the memo, so its identity cannot pass to another object.
    assert sys.getrefcount(scopes) == before + 1
    for i in range(16):
        verifier.verify(token, groups=("admins", f"g{i}"))
    assert sys.getrefcount(scopes) == before
    # A list is never held.
    listed = ["orders/read"]
    before = sys.getrefcount(listed)
    verifier.verify(token, scopes=listed)
    assert sys.getrefcount(listed) == before


def test_remembered_keywords_hold_across_threads(jwks, mint):
    # Each thread passes its own tuples, more sets in all than the memo
    # keeps, so entries are replaced while other threads check signatures
    # with the GIL released (every call, the cache being off: a call then
    # verifies with its own copy of the options). Every verdict must be the
    # one for that thread's values.
    import threading

    verifier = authgate.Verifier.from_jwks(
        jwks, issuer=ISSUER, client_id=CLIENT_ID, cache_max_entries=0
    )
    threads = 6
    tokens = [[mint() for _ in range(4)] for _ in range(threads)]
    wrong: list[str] = []

    def work(t: int) -> None:
        passing, failing = tuple(["orders/read"]), (f"missing-{t}",)
        for _ in range(30):
            for token in tokens[t]:
                if not verifier.verify(token, scopes=passing).sub:
                    wrong.append(f"{t}: refused")
                try:
                    verifier.verify(token, scopes=failing)
                    wrong.append(f"{t}: accepted {failing}")
                except authgate.PermissionDeniedError as e:
                    if e.reason != "scope_missing":
                        wrong.append(f"{t}: {e.reason}")

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert wrong == []
