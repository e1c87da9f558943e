#!/usr/bin/env bash
# Schema-driven fuzzing campaign (issue 13): N generated bad and edge-case bodies (default 3000)
# on every POST/PATCH route of the served OpenAPI document, against the API on a throwaway
# PostgreSQL, asserting no 5xx and that every accepted job ends. Prints the summary table
# (category, attempts, 2xx, 4xx, 503, 5xx) and writes it to $LEAP_FUZZ_REPORT.
# Replay a failing run with LEAP_FUZZ_SEED=<seed printed by CsCheck>.
set -euo pipefail
cd "$(dirname "$0")/.."
export LEAP_FUZZ_REQUESTS="${1:-3000}"
export LEAP_FUZZ_REPORT="${LEAP_FUZZ_REPORT:-$PWD/fuzz-summary.md}"
dotnet test tests/LeapEngine.Api.Tests -c Release --filter "FullyQualifiedName~SchemaFuzzTests" \
  --logger "console;verbosity=normal"
cat "$LEAP_FUZZ_REPORT"
