#!/usr/bin/env bash
# Runs every benchmark and prints each measurement as a ratio against its baseline
# (hand-written aws-sdk-dynamodb + serde_dynamo) measured in the same run, and where it can,
# against modyne 0.3 (the peer column): the interleaved ratio table (benches/ratios.rs),
# criterion's absolute times, end-to-end batch/stream ratios, allocations, streaming
# memory, start-up.
#
#   bash scripts/bench.sh            # full run (a few minutes, release build)
#   QUICK=1 bash scripts/bench.sh    # shorter measurement, noisier
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
echo "== ratios: dynamorm / baseline, measured interleaved (QUICK=1: fewer rounds)"
cargo bench -q --bench ratios
echo
echo "== absolute times (criterion; reports in target/criterion)"
args=(--noplot)
if [ -n "${QUICK:-}" ]; then args+=(--warm-up-time 1 --measurement-time 3); fi
cargo bench -q --bench marshal --bench overhead -- "${args[@]}" 2>&1 | grep -E "time:"
echo
echo "== end to end against the embedded engine"
cargo run --release -q --example io_ratios
echo
echo "== allocations per entity and per request"
cargo run --release -q --example allocations
echo
echo "== memory while streaming a partition"
cargo run --release -q --example stream_memory -- 2000 20000 100000
echo
echo "== start-up (DynamoDB Local)"
python3 scripts/startup.py
