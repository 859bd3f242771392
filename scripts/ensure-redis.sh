#!/usr/bin/env sh
# The Redis tests start their own redis-server (Debian's package); this installs it when missing.
# REDIS_SERVER may point at another redis-server (or valkey-server) instead.
set -e
path="${REDIS_SERVER:-redis-server}"
command -v "$path" >/dev/null 2>&1 && exit 0
echo "ensure-redis: $path is missing, installing Debian's redis-server…"
if [ "$(id -u)" = "0" ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "ensure-redis: not root and no sudo; install redis-server, or set REDIS_SERVER" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq redis-server >/dev/null
command -v "$path" >/dev/null 2>&1 || { echo "ensure-redis: redis-server did not install" >&2; exit 1; }
