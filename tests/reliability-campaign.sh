#!/usr/bin/env bash
# The reliability campaign (docs/reliability.md): runs the API suite — fault drills, SIGKILLed
# API and workers, database outages, concurrent bursts against small plans, schema-driven fuzzing
# of every POST route, tenant isolation and stream caps — with the fuzzer at LEAP_FUZZ_REQUESTS
# generated bad requests (default 3000), and prints the table of what each category tried and
# how often an invariant broke. Needs what .ci/run installs (PostgreSQL server binaries) and
# ../shared beside the repository (or LEAP_SHARED_DIR). Takes about 10 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."

tally=$(mktemp)
export LEAP_CAMPAIGN_OUT="$tally"
export LEAP_FUZZ_REQUESTS="${LEAP_FUZZ_REQUESTS:-3000}"
# Replay a failing fuzz run with LEAP_FUZZ_SEED=<the seed CsCheck printed>.
fuzz=$(mktemp)
trap 'rm -f "$tally" "$fuzz"' EXIT
export LEAP_FUZZ_REPORT="$fuzz"

dotnet test tests/LeapEngine.Api.Tests -c Release --logger "console;verbosity=minimal" 2>&1 | tail -n 3
status=${PIPESTATUS[0]}

echo
echo "| category | attempts | failures |"
echo "| --- | ---: | ---: |"
awk -F'|' '{ a[$1] += $2; f[$1] += $3; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
           END { for (i = 0; i < n; i++) printf "| %s | %d | %d |\n", order[i], a[order[i]], f[order[i]] }' "$tally"
echo
cat "$fuzz"
echo
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%d), dotnet test exit $status"
exit "$status"
