#!/usr/bin/env bash
# Builds the authgate Debian package (server, CLI, systemd unit, config) with
# CPack in BUILD_DIR (default build-deploy) and prints the .deb's path.
#
#   deploy/build_deb.sh [BUILD_DIR]
#   sudo apt install ./build-deploy/authgate_<version>_amd64.deb
#
# A new BUILD_DIR is configured for the two packaged targets only (no tests,
# no Python module; CMAKE_SKIP_INSTALL_ALL_DEPENDENCY stops cpack building
# "all"). An existing one (e.g. scripts/test's build/) keeps its settings.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$repo/build-deploy}

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build_dir" -G Ninja \
    -DCMAKE_BUILD_TYPE="${AUTHGATE_BUILD_TYPE:-RelWithDebInfo}" \
    -DPython3_EXECUTABLE=/usr/bin/python3 -DAUTHGATE_BUILD_TESTS=OFF \
    -DAUTHGATE_BUILD_PYTHON=OFF -DAUTHGATE_BORINGSSL_TESTS=OFF \
    -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >/dev/null
else
  cmake -S "$repo" -B "$build_dir" >/dev/null
fi
cmake --build "$build_dir" -j"${AUTHGATE_JOBS:-2}" --target authgate-server authgate >&2
rm -f "$build_dir"/authgate_*.deb
(cd "$build_dir" && cpack -G DEB >&2)
ls "$build_dir"/authgate_*.deb
