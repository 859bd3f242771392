#!/usr/bin/env sh
# The browser tests drive Debian's Chromium (playwright cannot download its own browser here).
# Installs it when it is missing; CHROMIUM_PATH may point at another Chromium instead.
set -e
path="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$path" ] && exit 0
echo "ensure-chromium: $path is missing, installing Debian's chromium…"
if [ "$(id -u)" = "0" ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "ensure-chromium: not root and no sudo; install chromium, or set CHROMIUM_PATH" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
[ -x "$path" ] || { echo "ensure-chromium: chromium did not install at $path" >&2; exit 1; }
