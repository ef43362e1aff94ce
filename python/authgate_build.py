"""In-tree PEP 517 build backend: setuptools with a CMake-driven build_ext.

pyproject.toml names this module (``backend-path = ["python"]``) instead of a
``setup.py`` shim, because the repository root holds only the entries the
design card fixes. It is setuptools.build_meta with one change: the
``setup()`` call that a ``setup.py`` would make is made here, declaring the
``authgate._core`` extension and the commands that build it with CMake
(pybind11's cmake_example pattern; scikit-build-core is not available on
the project's machines).

Environment knobs:
    CMAKE_ARGS: extra arguments for the CMake configure step.
    CMAKE_BUILD_PARALLEL_LEVEL: build jobs (default 2).
    AUTHGATE_WHEEL_BUILD_DIR: setuptools' build directory (default
        ``build-wheel`` at the repository root).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import setuptools
from setuptools import build_meta as _setuptools_meta
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

_ROOT = Path(__file__).resolve().parent.parent

# What the C++ build of _core reads; shipped in the sdist so that a wheel can
# be built from it.
_SDIST_TREES = ("core", "python/src", "python/bench")
_SDIST_FILES = (
    "CMakeLists.txt",
    "python/CMakeLists.txt",
    "python/authgate_build.py",
    "docs/python.md",
)


class CMakeExtension(setuptools.Extension):
    """An extension whose sources CMake knows; setuptools compiles nothing."""

    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    """Builds CMake's ``_core`` target into setuptools' extension path."""

    def build_extension(self, ext: setuptools.Extension) -> None:
        if not isinstance(ext, CMakeExtension):
            super().build_extension(ext)
            return
        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        build_dir = Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake",
            "-S",
            str(_ROOT),
            "-B",
            str(build_dir),
            f"-DCMAKE_BUILD_TYPE={'Debug' if self.debug else 'Release'}",
            # The extension must match the interpreter that builds the wheel,
            # not whichever python3 comes first on PATH.
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DAUTHGATE_BUILD_TESTS=OFF",
            "-DAUTHGATE_BUILD_GRPC=OFF",
            "-DAUTHGATE_BUILD_PYTHON=ON",
            f"-DAUTHGATE_PYTHON_OUTPUT_DIR={target.parent}",
        ]
        pybind11_dir = _pybind11_cmake_dir()
        if pybind11_dir:
            configure.append(f"-Dpybind11_DIR={pybind11_dir}")
        if shutil.which("ninja") and not (build_dir / "CMakeCache.txt").exists():
            configure += ["-G", "Ninja"]
        configure += shlex.split(os.environ.get("CMAKE_ARGS", ""))
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.run(configure, check=True)
        subprocess.run(
            ["cmake", "--build", str(build_dir), "--target", "_core", "-j", jobs],
            check=True,
        )
        if not target.exists():
            raise RuntimeError(f"CMake did not produce {target}")


class SdistWithSources(sdist):
    """Adds the C++ sources that CMake needs to the source distribution."""

    def make_distribution(self) -> None:
        for name in _SDIST_FILES:
            if (_ROOT / name).is_file():
                self.filelist.append(name)
        for tree in _SDIST_TREES:
            for path in sorted((_ROOT / tree).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    self.filelist.append(str(path.relative_to(_ROOT)))
        super().make_distribution()


def _pybind11_cmake_dir() -> Optional[str]:
    try:
        import pybind11
    except ImportError:
        return None  # CMake then finds a system-wide pybind11 by itself.
    return pybind11.get_cmake_dir()


def _setup() -> None:
    build_base = os.environ.get("AUTHGATE_WHEEL_BUILD_DIR", str(_ROOT / "build-wheel"))
    setuptools.setup(
        ext_modules=[CMakeExtension("authgate._core")],
        cmdclass={"build_ext": CMakeBuild, "sdist": SdistWithSources},
        options={"build": {"build_base": build_base}},
        zip_safe=False,
    )


class _Backend(_setuptools_meta._BuildMetaBackend):
    """setuptools' backend, with _setup() in place of running setup.py."""

    def run_setup(self, setup_script: str = "setup.py") -> None:
        _setup()

    def get_requires_for_build_wheel(
        self, config_settings: Optional[Dict[str, Any]] = None
    ) -> List[str]:
        # Where PyPI is reachable and the machine lacks the tools, fetch them
        # into the isolated build environment; otherwise use the system ones.
        extra = [] if shutil.which("cmake") else ["cmake>=3.22"]
        return super().get_requires_for_build_wheel(config_settings) + extra


_BACKEND = _Backend()

get_requires_for_build_wheel = _BACKEND.get_requires_for_build_wheel
get_requires_for_build_sdist = _BACKEND.get_requires_for_build_sdist
prepare_metadata_for_build_wheel = _BACKEND.prepare_metadata_for_build_wheel
build_wheel = _BACKEND.build_wheel
build_sdist = _BACKEND.build_sdist
if hasattr(_BACKEND, "build_editable"):
    get_requires_for_build_editable = _BACKEND.get_requires_for_build_editable
    prepare_metadata_for_build_editable = _BACKEND.prepare_metadata_for_build_editable
    build_editable = _BACKEND.build_editable
