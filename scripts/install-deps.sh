#!/usr/bin/env bash
# Installs what the build and tests need on Debian 12, only if missing:
# C compiler, cmake, pkg-config, cmocka (tests), cJSON (trace tools) and
# NumPy for /usr/bin/python3 (the .npy interop test).
set -euo pipefail
missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc)
if [ "${CI:-}" = true ]; then command -v clang >/dev/null 2>&1 || missing+=(clang); fi
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists cmocka || missing+=(libcmocka-dev)
  pkg-config --exists libcjson || missing+=(libcjson-dev)
else
  missing+=(libcmocka-dev libcjson-dev)
fi
dpkg -s python3-numpy >/dev/null 2>&1 || missing+=(python3-numpy)
for extra in "$@"; do
  dpkg -s "$extra" >/dev/null 2>&1 || missing+=("$extra")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "error: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
