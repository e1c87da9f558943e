#!/usr/bin/env bash
# The scale-out benchmark (docs/performance.md): the job system's throughput with 1, 2 and 4 worker
# processes, the submit-to-start latency of an idle worker, and what an idle worker costs the database.
# Real processes on a throwaway PostgreSQL cluster: one API (no in-process worker) and LeapEngine.Worker
# processes of one worker thread each, all on stories260K, with 1-token generations so the figures measure
# queueing, claiming, bookkeeping and billing rather than the model. Times come from the job rows
# (created_at by the API, started_at/finished_at by the worker; one machine, one clock).
#
#   dotnet build tests/LeapEngine.Api.Tests -c Release    # builds the API and the worker
#   tests/scaleout-benchmark.sh [jobs per run (200)] [latency samples (100)] [poll seconds (0.2)]
#
# Needs the PostgreSQL server binaries (/usr/lib/postgresql/*/bin), curl, jq, and ../shared/models beside
# the repository (or LEAP_SHARED_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
jobs=${1:-200}
samples=${2:-100}
poll=${3:-0.2}
models=${LEAP_SHARED_DIR:-$repo/../shared}/models
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
api_dll=$(ls "$repo"/src/LeapEngine.Api/bin/Release/net*/linux-x64/LeapEngine.Api.dll | head -n 1)
worker_dll=$(ls "$repo"/src/LeapEngine.Worker/bin/Release/net*/linux-x64/LeapEngine.Worker.dll | head -n 1)
[ -d "$models/stories260K" ] || { echo "no stories260K under $models: set LEAP_SHARED_DIR" >&2; exit 2; }

work=$(mktemp -d /tmp/leap-bench-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    as_pg "$bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# PostgreSQL: durability off, as in the tests (the figures are about the job system, not fsync).
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/pg" "$work/sock"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$work/pg" "$work/sock"
as_pg "$bin/initdb" -D "$work/pg" -A trust -U postgres --no-sync -E UTF8 >/dev/null
as_pg "$bin/pg_ctl" -D "$work/pg" -w -l "$work/pg/server.log" \
    -o "-p $pgport -k $work/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
sql() { psql -h 127.0.0.1 -p "$pgport" -U postgres -d leap -Atq -c "$1"; }
psql -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -q -c "CREATE DATABASE leap" >/dev/null
connection="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=leap"

export DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production
export Leap__Database__Provider=postgres Leap__Database__ConnectionString="$connection"
export Leap__Models__ModelsDir="$models" Leap__Jobs__QueuePollIntervalSeconds="$poll"
operator=bench-operator-key
apiport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
Leap__Api__RunWorkerInProcess=false Leap__Api__OperatorKey=$operator Leap__Api__BootstrapFreeKey=false \
Leap__Api__OperatorRequestsPerMinute=1000000 Leap__Plans__bench__RequestsPerMinute=1000000 \
Leap__Plans__bench__JobsPerDay=10000000 Leap__Plans__bench__ConcurrentJobs=10000 \
Leap__Plans__bench__ComputeTokensPerMonth=1000000000 Leap__Jobs__MaxQueuedJobs=1000000 \
ASPNETCORE_URLS=http://127.0.0.1:$apiport dotnet "$api_dll" >"$work/api.log" 2>&1 &
pids+=($!)
api=http://127.0.0.1:$apiport
until curl -fs "$api/healthz" >/dev/null; do
    kill -0 "${pids[0]}" 2>/dev/null || { echo "the API did not start:" >&2; tail -c 2000 "$work/api.log" >&2; exit 1; }
    sleep 0.5
done

tenant=$(curl -fs -X POST "$api/v1/admin/tenants" -H "Authorization: Bearer $operator" -H 'Content-Type: application/json' \
    -d '{"name":"bench","plan":"bench"}' | jq -r .id)
key=$(curl -fs -X POST "$api/v1/admin/tenants/$tenant/keys" -H "Authorization: Bearer $operator" -H 'Content-Type: application/json' \
    -d '{"name":"bench"}' | jq -r .key)
submit() { curl -fs -X POST "$api/v1/generations" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"prompt":"Once upon a time","max_tokens":1}' | jq -r .id; }
export -f submit; export api key

start_workers() {   # $1 processes of one worker thread each; waits until every one is polling
    workers=()
    for i in $(seq 1 "$1"); do
        Leap__Jobs__WorkerCount=1 dotnet "$worker_dll" >"$work/worker-$1-$i.log" 2>&1 &
        workers+=($!); pids+=($!)
    done
    for i in $(seq 1 "$1"); do until grep -q "all the dispatchers started" "$work/worker-$1-$i.log"; do sleep 0.2; done; done
}
stop_workers() { for w in "${workers[@]}"; do kill -TERM "$w"; done; for w in "${workers[@]}"; do wait "$w" || true; done; }
wait_done() { until [ "$(sql "SELECT count(*) FROM jobs WHERE status NOT IN ('succeeded','failed','cancelled')")" = 0 ]; do sleep 0.2; done; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, poll ${poll}s"
echo
echo "| worker processes | jobs | seconds (first start to last finish) | jobs/s |"
echo "| ---: | ---: | ---: | ---: |"
for n in 1 2 4; do
    start_workers "$n"
    # Warm-up: every worker loads the model once before the clock starts.
    for i in $(seq 1 $((n * 2))); do submit >/dev/null; done; wait_done
    mark=$(sql "SELECT now()")
    seq 1 "$jobs" | xargs -P 8 -I{} bash -c submit >/dev/null
    wait_done
    read -r count span <<<"$(sql "SELECT count(*), extract(epoch FROM max(finished_at) - min(started_at)) FROM jobs WHERE created_at > '$mark' AND status = 'succeeded'" | tr '|' ' ')"
    printf "| %d | %d | %.1f | %.1f |\n" "$n" "$count" "$span" "$(echo "$count / $span" | bc -l)"
    stop_workers
done

# Submit-to-start with an idle worker: one job at a time, the next submitted once the last has finished.
start_workers 1
submit >/dev/null; wait_done
mark=$(sql "SELECT now()")
for i in $(seq 1 "$samples"); do
    id=$(submit)
    curl -fs "$api/v1/jobs/$id?wait=10" -H "Authorization: Bearer $key" >/dev/null
    sleep 0.$((RANDOM % 10))   # submissions land anywhere in the poll cycle
done
wait_done
echo
echo "submit-to-start with an idle worker ($samples jobs, poll ${poll}s):"
sql "SELECT 'p50 ' || round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at))::numeric) || ' ms, p99 '
            || round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at))::numeric) || ' ms, max '
            || round(1000 * max(extract(epoch FROM started_at - created_at))::numeric) || ' ms'
     FROM jobs WHERE created_at > '$mark'"

# What idle polling costs: the database's transactions per second with the worker idle, less the API's own.
commits() { sql "SELECT xact_commit FROM pg_stat_database WHERE datname = 'leap'"; }
idle_rate() { local a b; a=$(commits); sleep 20; b=$(commits); echo "($b - $a - 1) / 20" | bc -l; }
with_worker=$(idle_rate)
stop_workers
without=$(idle_rate)
printf "\nidle database cost: %.1f transactions/s with one idle worker process (one worker thread), %.1f without it\n" "$with_worker" "$without"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
