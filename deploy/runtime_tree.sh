#!/usr/bin/env bash
# Assembles the file tree a slim authgate container holds: the two binaries,
# every shared library ldd names for them (with the dynamic loader, without the
# vDSO), the CA bundle, and passwd/group entries for the non-root user
# authgate (uid 65532). The layout is Debian 12's merged /usr: bin, lib and
# lib64 are symlinks into usr/, so each library lands at the path ldd printed
# as seen through those links (the same paths in debian:bookworm-slim).
#
#   deploy/runtime_tree.sh OUT_DIR [SERVER_BINARY] [CLI_BINARY]
#
# OUT_DIR must not exist or be empty. Prints the files and links it wrote,
# one a line, relative to OUT_DIR.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

out=${1:?usage: runtime_tree.sh OUT_DIR [SERVER_BINARY] [CLI_BINARY]}
server=${2:-$repo/build/grpc_service/authgate-server}
cli=${3:-$repo/build/core/tools/authgate}
ca_bundle=${AUTHGATE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

for f in "$server" "$cli" "$ca_bundle"; do
  [ -f "$f" ] || { echo "runtime_tree.sh: $f: not a file" >&2; exit 1; }
done
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "runtime_tree.sh: $out exists and is not empty" >&2
  exit 1
fi
mkdir -p "$out"/usr/bin "$out"/usr/lib "$out"/usr/lib64 "$out"/etc/ssl/certs
# Merged /usr, as on Debian 12 (bookworm-slim has the same links).
ln -s usr/bin "$out"/bin
ln -s usr/lib "$out"/lib
ln -s usr/lib64 "$out"/lib64

install -m 0755 "$server" "$out"/usr/bin/authgate-server
install -m 0755 "$cli" "$out"/usr/bin/authgate

# ldd lines: "name => /path (addr)", "/path (addr)" (the loader), or
# "linux-vdso.so.1 (addr)" (in the kernel, no file).
# One binary per ldd call: with two, ldd adds "FILE:" header lines.
needed=$(ldd "$server"; ldd "$cli")
if grep -q "not found" <<<"$needed"; then
  echo "runtime_tree.sh: a library is missing:" >&2
  grep "not found" <<<"$needed" >&2
  exit 1
fi
libs=$(awk '
  $2 == "=>" && $3 ~ /^\// { print $3; next }
  $1 ~ /^\// { print $1 }' <<<"$needed" | sort -u)
for lib in $libs; do
  # The directory through the host's links (/lib -> /usr/lib), the file
  # dereferenced (libcurl.so.4 -> libcurl.so.4.8.0 becomes one regular file).
  dir=$(readlink -f "$(dirname "$lib")")
  mkdir -p "$out$dir"
  cp -L --preserve=mode "$lib" "$out$dir/$(basename "$lib")"
done

install -m 0644 "$ca_bundle" "$out"/etc/ssl/certs/ca-certificates.crt
printf 'authgate:x:65532:65532:authgate:/nonexistent:/usr/sbin/nologin\n' >"$out"/etc/passwd
printf 'authgate:x:65532:\n' >"$out"/etc/group
chmod 0644 "$out"/etc/passwd "$out"/etc/group

(cd "$out" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)
