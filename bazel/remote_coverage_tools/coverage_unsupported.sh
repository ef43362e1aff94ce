#!/bin/sh
echo "coverage is not available in the offline Bazel build; use CMake" >&2
exit 1
