#!/usr/bin/env bash
# Instructions per request, dynamorm / hand-written raw SDK, counted by callgrind (valgrind):
# each side runs `examples/instructions.rs` twice, with 200 and 600 calls, and the
# difference / 400 is the count per call — start-up and warm-up cancel out. The counts are
# the same on every machine, so this ratio is the work the library adds; the interleaved
# time ratios (`cargo bench --bench ratios`) add what caches and code layout make of it.
# SHA-256 (request signing, the same on both sides) is left out of the counts: valgrind
# hides the CPU's SHA instructions, so the software fallback would be half of every count.
#
#   bash scripts/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
cargo build --release -q --example instructions
bin=target/release/examples/instructions
out=$(mktemp)
trap 'rm -f "$out"' EXIT
count() { # operation side calls: instructions, SHA-256 compression left out
    local total sha
    total=$(valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$@" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    sha=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null \
        | sed -n 's/^ *\([0-9,]*\) .*sha2::sha256::compress256 .*/\1/p' | head -1 | tr -d ,)
    echo $(( total - ${sha:-0} ))
}
per_call() { # operation side
    local few many
    few=$(count "$1" "$2" 200)
    many=$(count "$1" "$2" 600)
    echo $(( (many - few) / 400 ))
}
echo "| request | raw SDK instructions | dynamorm instructions | ratio |"
echo "|---|---|---|---|"
for op in get put update query; do
    base=$(per_call "$op" baseline)
    ours=$(per_call "$op" dynamorm)
    ratio=$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
    echo "| $op | $base | $ours | $ratio |"
done
