"""The .pyi stub must describe the extension exactly (mypy's stubtest)."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import authgate

_ALLOWLIST = pathlib.Path(__file__).with_name("stubtest_allowlist.txt")


def _stubtest(package_dir: pathlib.Path, cwd: pathlib.Path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(package_dir), env.get("PYTHONPATH")) if p
    )
    # Keep mypy's cache out of the source tree.
    env["MYPY_CACHE_DIR"] = str(cwd / ".mypy_cache")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "authgate._core",
            "--allowlist",
            str(_ALLOWLIST),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_stub_matches_extension(tmp_path):
    package_dir = pathlib.Path(authgate.__file__).resolve().parent.parent
    result = _stubtest(package_dir, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


# Verifies that the check has teeth: a stub missing one method fails it.
def test_stubtest_catches_a_missing_method(tmp_path):
    source = pathlib.Path(authgate.__file__).resolve().parent
    copy = tmp_path / "pkg" / "authgate"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    stub = copy / "_core.pyi"
    text = stub.read_text()
    assert "    def to_dict(self)" in text
    stub.write_text(text.replace("    def to_dict(self)", "    def to_dikt(self)"))
    result = _stubtest(copy.parent, tmp_path)
    assert result.returncode != 0
    assert "to_dict" in result.stdout
