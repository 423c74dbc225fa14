#!/bin/sh
# The `exports` test: libpto.so exports exactly the public API.
#   sh exports.sh NM LIBPTO_SO INCLUDE_PTO_DIR
# Fails, naming the symbols, when the library exports a symbol that is not a
# function declared with PTO_API in INCLUDE_PTO_DIR/*.h or is not named
# pto_*, when a header declares a function without PTO_API, or when a PTO_API
# function the library defines is not exported (the file defining it does
# not include its header).
set -eu
nm=$1
lib=$2
inc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declared: the name before the '(' of every PTO_API declaration (a
# declaration may span lines, so the headers are read as one line, without
# comments; export.h only defines the mark).
for h in "$inc"/*.h; do [ "${h##*/}" = export.h ] || cat "$h"; done | tr '\n' ' ' |
    sed 's:/\*[^*]*\*\+\([^/*][^*]*\*\+\)*/::g' | grep -o 'PTO_API[^;(]*(' |
    sed 's/.*[^A-Za-z0-9_]\([A-Za-z_][A-Za-z0-9_]*\) *($/\1/' | sort -u >"$tmp/declared"
# Exported: the dynamic symbol table's defined symbols.
"$nm" -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/exported"
# Defined at all: the full symbol table (empty if the library is stripped).
"$nm" --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 { print $3 }' | sort -u >"$tmp/defined"

status=0
# A declaration starts at column 0 (clang-format) with its type; static
# inline helpers (tile.h, example.h) are not exported and need no mark.
unmarked=$(grep -hE '^[A-Za-z_][A-Za-z0-9_ *]*[ *]pto_[a-z0-9_]+ *\(' "$inc"/*.h |
    grep -vE '^(PTO_API|static|typedef|#)' || true)
if [ -n "$unmarked" ]; then
    echo "exports: functions declared in $inc without PTO_API:"
    echo "$unmarked" | sed 's/^/  /'
    status=1
fi
if [ ! -s "$tmp/declared" ] || [ ! -s "$tmp/exported" ]; then
    echo "exports: nothing declared in $inc or nothing exported by $lib"
    exit 1
fi
extra=$(comm -23 "$tmp/exported" "$tmp/declared")
if [ -n "$extra" ]; then
    echo "exports: $lib exports symbols not declared with PTO_API in $inc:"
    echo "$extra" | sed 's/^/  /'
    status=1
fi
unprefixed=$(grep -v '^pto_' "$tmp/exported" || true)
if [ -n "$unprefixed" ]; then
    echo "exports: $lib exports symbols not named pto_*:"
    echo "$unprefixed" | sed 's/^/  /'
    status=1
fi
hidden=$(comm -12 "$tmp/declared" "$tmp/defined" | comm -23 - "$tmp/exported")
if [ -n "$hidden" ]; then
    echo "exports: $lib defines PTO_API functions it does not export:"
    echo "$hidden" | sed 's/^/  /'
    status=1
fi
if [ $status -eq 0 ]; then
    echo "exports: $(wc -l <"$tmp/exported") symbols exported, all declared with PTO_API" \
        "($(wc -l <"$tmp/declared") declared; the others are libpto_tools')"
fi
exit $status
