#!/usr/bin/env bash
# Install the Debian packages encore needs, only those that are missing.
# Non-interactive; uses sudo when not root. Safe to run any number of times.
set -euo pipefail

packages=(
	kore postgresql-15 postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
	libpq-dev libhiredis-dev redis-server librabbitmq-dev rabbitmq-server
	libjwt-dev libcurl4-openssl-dev libssl-dev libcmocka-dev libjson-c-dev
	build-essential pkg-config curl ca-certificates nodejs npm wrk
	chromium fonts-liberation fonts-nanum docker-compose nginx-light
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

# node and npm may come from elsewhere (e.g. the machine image): accept them.
if command -v node >/dev/null && command -v npm >/dev/null; then
	filtered=()
	for p in "${missing[@]}"; do
		case "$p" in nodejs|npm) ;; *) filtered+=("$p") ;; esac
	done
	missing=("${filtered[@]}")
	[ "${#missing[@]}" -eq 0 ] && exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts its own services on install; encore runs private ones.
for svc in postgresql redis-server rabbitmq-server nginx; do
	$sudo systemctl stop "$svc" >/dev/null 2>&1 || true
	$sudo systemctl disable "$svc" >/dev/null 2>&1 || true
done
echo "deps: done"
