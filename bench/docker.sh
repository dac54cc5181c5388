#!/usr/bin/env bash
# The docker runtime's benchmark and leak test (needs a running Docker engine). Usage:
#   bash bench/docker.sh parts [N]   start-to-ready and stop of nginx and redis-server: local, Testcontainers, plain docker run
#   bash bench/docker.sh leak [N]    N docker-runtime runs (default 100), a SIGKILLed run, one more: nothing may be left
# The reproduction rate of docker-proxy-hides-reset is the scenario benchmark's:
#   bash bench/run.sh --only docker-proxy-hides-reset --runs 20
# Images: BROKENPIPE_LAB_NGINX_IMAGE / BROKENPIPE_LAB_REDIS_IMAGE, else built from this machine's packages.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$here/BrokenPipe.Bench.Docker/BrokenPipe.Bench.Docker.csproj"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
log="$(mktemp)"
if ! dotnet build "$project" -c Release -nologo -v quiet >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "bench/docker.sh: the Release build failed" >&2
  exit 3
fi
rm -f "$log"
dll="$(dotnet msbuild "$project" -nologo -p:Configuration=Release -getProperty:TargetPath)"
exec dotnet "$dll" "$@"
