#!/usr/bin/env bash
# One-time setup for a fresh machine: system packages the local mode and the tests need, then npm deps.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v chromium >/dev/null || need+=(chromium)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
if ((${#need[@]})); then
  echo "Installing system packages: ${need[*]}"
  if command -v apt-get >/dev/null; then
    sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
  else
    echo "Please install: ${need[*]} (this script knows apt-get only)." >&2
    exit 1
  fi
fi
npm ci --no-audit --no-fund
echo "Setup done. Next: npm start"
