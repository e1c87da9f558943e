#!/usr/bin/env bash
# Packs `leap` as a .NET tool, installs it from that folder alone (a nuget.config with only that source: no network),
# and runs the installed command: its help, a server command's exit code without a server, the engine itself and leap check
# (libtorch loads, the embedded model answers). Run from anywhere:
#   build/check-tool-package.sh                  # Release, builds first
#   CONFIGURATION=Debug NO_BUILD=1 build/check-tool-package.sh   # reuse a build (what the CLI tests do)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
configuration=${CONFIGURATION:-Release}
work=$(mktemp -d "${TMPDIR:-/tmp}/leap-tool-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== dotnet pack ($configuration)"
dotnet pack "$repo/src/LeapEngine.Cli/LeapEngine.Cli.csproj" -c "$configuration" -o "$work/feed" ${NO_BUILD:+--no-build} -nologo -v q
package=$(ls "$work"/feed/LeapEngine.Cli.*.nupkg)
echo "package: $(basename "$package"), $(( $(stat -c %s "$package") / 1024 / 1024 )) MiB"

cat > "$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="leap-local" value="$work/feed" />
  </packageSources>
</configuration>
CONFIG

echo "== dotnet tool install (offline: the local folder is the only source)"
dotnet tool install --tool-path "$work/tool" --configfile "$work/nuget.config" LeapEngine.Cli
leap="$work/tool/leap"

echo "== leap --version, leap jobs --help"
"$leap" --version
"$leap" jobs --help | grep -q "wait"

echo "== leap jobs list without a server: exit 2"
set +e
env -u LEAP_API_URL LEAP_API_KEY=x "$leap" jobs list 2> "$work/err"
code=$?
set -e
[ "$code" -eq 2 ] || { echo "expected exit 2, got $code"; cat "$work/err"; exit 1; }
grep -q "no server: set LEAP_API_URL" "$work/err"

echo "== leap generate with the embedded model (libtorch loads from the tool's folder)"
mkdir -p "$work/empty-models"
out=$(cd "$work" && "$leap" generate --model stories260K --text "Once upon a time" --max-tokens 8 --offline --models-dir "$work/empty-models")
echo "$out"
case "$out" in *"there was"*) ;; *) echo "unexpected generation: $out"; exit 1 ;; esac

echo "== leap check --local with the embedded model (the config is read with the packaged YamlDotNet)"
cat > "$work/leap.yaml" <<'YAML'
model: stories260K
system_prompt: "Lily loved her cat."
settings: {max_new_tokens: 4}
cases:
  - user: "Once upon a time"
    assert: [attribution_share: {max: 1}, visible_share: {min: 0}]
YAML
out=$(cd "$work" && "$leap" check --local --offline --models-dir "$work/empty-models")
echo "$out"
case "$out" in *"2 passed, 0 failed"*) ;; *) echo "unexpected check summary: $out"; exit 1 ;; esac

echo "ok: LeapEngine.Cli packs as a .NET tool and installs offline"
