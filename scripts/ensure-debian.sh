#!/usr/bin/env sh
# Installs a Debian package when the command the tests need is missing (the browser tests drive
# Debian's Chromium, the Redis tests start their own redis-server):
#   sh scripts/ensure-debian.sh <command or path> <package>
# CHROMIUM_PATH and REDIS_SERVER point the tests at another Chromium or redis-server instead.
set -e
command="$1"
package="$2"
command -v "$command" >/dev/null 2>&1 && exit 0
echo "ensure-debian: $command is missing, installing Debian's $package…"
if [ "$(id -u)" = "0" ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "ensure-debian: not root and no sudo; install $package yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "$package" >/dev/null
command -v "$command" >/dev/null 2>&1 || { echo "ensure-debian: $package did not install $command" >&2; exit 1; }
