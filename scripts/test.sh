#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, property tests, compile-fail tests, doctests,
# and the integration tests on both servers — the embedded engine (in-process) and DynamoDB
# Local (started here, on a free loopback port, and stopped again by PID).
#
#   bash scripts/test.sh [extra cargo test args]
#
# Set DYNAMORM_DDB_LOCAL_ENDPOINT to use a DynamoDB Local you started yourself.
set -euo pipefail
cd "$(dirname "$0")/.."

# Dummy credentials and region: the SDK never looks for real ones or probes the network.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_ENDPOINT_URL AWS_PROFILE

started=""
if [ -z "${DYNAMORM_DDB_LOCAL_ENDPOINT:-}" ]; then
  DYNAMORM_DDB_LOCAL_ENDPOINT="$(scripts/ddb-local.sh start)"
  export DYNAMORM_DDB_LOCAL_ENDPOINT
  started=yes
  trap 'scripts/ddb-local.sh stop; scripts/s3-local.sh stop' EXIT
fi
echo "DynamoDB Local: $DYNAMORM_DDB_LOCAL_ENDPOINT"

# An S3-compatible server (moto's) for the import/export tests.
s3_started=""
if [ -z "${DYNAMORM_S3_ENDPOINT:-}" ]; then
  DYNAMORM_S3_ENDPOINT="$(scripts/s3-local.sh start)"
  export DYNAMORM_S3_ENDPOINT
  s3_started=yes
fi
echo "S3 (moto): $DYNAMORM_S3_ENDPOINT"

log="$(mktemp)"
status=0
cargo test --workspace "$@" 2>&1 | tee "$log" || status=$?

embedded_ok=$(grep -cE '::case_[0-9]+_embedded \.\.\. ok$' "$log" || true)
embedded_failed=$(grep -cE '::case_[0-9]+_embedded \.\.\. FAILED$' "$log" || true)
local_ok=$(grep -cE '::case_[0-9]+_ddb_local \.\.\. ok$' "$log" || true)
local_failed=$(grep -cE '::case_[0-9]+_ddb_local \.\.\. FAILED$' "$log" || true)
rm -f "$log"
echo
echo "integration tests on the embedded engine: $embedded_ok passed, $embedded_failed failed"
echo "integration tests on DynamoDB Local:      $local_ok passed, $local_failed failed"
if [ "$status" -eq 0 ] && { [ "$embedded_ok" -eq 0 ] || [ "$local_ok" -eq 0 ]; }; then
  echo "error: no integration test ran on one of the backends" >&2
  status=1
fi
[ -n "$started" ] && echo "stopping DynamoDB Local"
[ -n "$s3_started" ] && scripts/s3-local.sh stop
exit "$status"
