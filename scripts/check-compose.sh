#!/usr/bin/env bash
# check-compose.sh: validate docker/ without a Docker engine.
#
# There is no Docker engine on the development machine (STACK-NOTES.md), so
# nothing is built or started here. What is checked:
#   - docker-compose config -q accepts docker/docker-compose.yml (Debian's
#     docker-compose parses and validates the file, interpolation included);
#   - the resolved configuration has every service with the images, commands,
#     environment, healthchecks and start order docker/README.md describes;
#   - docker/Dockerfile has the build and runtime stages it must have, and
#     docker/entrypoint.sh passes bash -n (and shellcheck when installed);
#   - what the image relies on from the rest of the repository exists: the
#     Makefile's build target, kore.conf with a bind line, scripts/migrate.sh,
#     the stand-ins, and their STANDIN_HOST setting (to listen on 0.0.0.0).
# Prints one line per check and "N passed, M failed"; exits 1 on any failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
compose=$root/docker/docker-compose.yml
dockerfile=$root/docker/Dockerfile
entrypoint=$root/docker/entrypoint.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/check-compose.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
result() {	# result <ok|fail> <text>
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok   $2"
	else
		failed=$((failed + 1))
		echo "FAIL $2"
	fi
}

if ! command -v docker-compose >/dev/null; then
	echo "check-compose: docker-compose is not installed (apt-get install docker-compose)" >&2
	exit 2
fi
dc_version=$(docker-compose version --short 2>/dev/null || echo unknown)
echo "check-compose: validating with Debian's docker-compose $dc_version (config only:" \
    "no Docker engine here, so the image is not built and no container is started)"

# Variables set in the caller's shell would change the resolved file; check
# the defaults the file itself carries.
unset_env=()
# shellcheck disable=SC2016 # a literal "${" in the pattern
for v in $(grep -oE '\$\{[A-Z_]+' "$compose" | tr -d '${' | sort -u); do
	unset_env+=(-u "$v")
done

if out=$(env "${unset_env[@]}" docker-compose -f "$compose" config -q 2>&1); then
	result ok "docker-compose config -q: docker/docker-compose.yml is valid"
else
	printf '%s\n' "$out" | sed 's/^/  /'
	result fail "docker-compose config -q: docker/docker-compose.yml is valid"
fi
env "${unset_env[@]}" docker-compose -f "$compose" config >"$work/resolved.yml" 2>/dev/null || true

# The resolved configuration, checked with Python's YAML (a docker-compose
# dependency, so present wherever docker-compose is).
cat >"$work/check.py" <<'EOF'
import os, re, sys, yaml

resolved, root = sys.argv[1], sys.argv[2]
try:
    cfg = yaml.safe_load(open(resolved)) or {}
except Exception as e:
    print(f"FAIL resolved configuration is YAML ({e})")
    sys.exit(0)
services = cfg.get("services", {})

def check(ok, text):
    print(("ok   " if ok else "FAIL ") + text)

APP_ENV = """ENCORE_ENV ENCORE_PUBLIC_URL ENCORE_DATABASE_URL ENCORE_REDIS_HOST
ENCORE_REDIS_PORT ENCORE_AMQP_HOST ENCORE_AMQP_PORT ENCORE_AMQP_USER ENCORE_AMQP_PASSWORD
ENCORE_JWT_SECRET ENCORE_DEV_LOGIN ENCORE_ADMIN_EMAILS ENCORE_TOSS_API_BASE
ENCORE_TOSS_SECRET_KEY ENCORE_TOSS_CHECKOUT_URL ENCORE_GOOGLE_AUTH_URL
ENCORE_GOOGLE_TOKEN_URL ENCORE_GOOGLE_USERINFO_URL ENCORE_GOOGLE_CLIENT_ID
ENCORE_GOOGLE_CLIENT_SECRET""".split()
PG_ENV = "PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD".split()

expected = {
    "postgres": "postgres:15", "redis": "redis:7", "rabbitmq": "rabbitmq:3.10",
    "migrate": "encore:local", "encore": "encore:local", "relay": "encore:local",
    "consumer-notifications": "encore:local", "consumer-stats": "encore:local",
    "toss-standin": "node:20", "google-standin": "node:20",
}
missing = sorted(set(expected) - set(services))
extra = sorted(set(services) - set(expected))
check(not missing and not extra,
      "services: " + ", ".join(sorted(expected)) +
      (f" (missing {missing})" if missing else "") + (f" (unexpected {extra})" if extra else ""))
wrong = [f"{n}={services[n].get('image')}" for n in expected
         if n in services and services[n].get("image") != expected[n]]
check(not wrong, "images: postgres:15, redis:7, rabbitmq:3.10, node:20, encore:local"
      + (f" (wrong: {wrong})" if wrong else ""))

app = ["migrate", "encore", "relay", "consumer-notifications", "consumer-stats"]
for name in app:
    s = services.get(name, {})
    b = s.get("build") or {}
    check(str(b.get("dockerfile", "")).endswith("docker/Dockerfile") and
          os.path.realpath(str(b.get("context", ""))) == os.path.realpath(root),
          f"{name}: built from docker/Dockerfile with the repository as context")
    env = s.get("environment") or {}
    lacking = [v for v in APP_ENV + PG_ENV if v not in env or env[v] in (None, "")]
    check(not lacking, f"{name}: all {len(APP_ENV)} ENCORE_* and the PG* variables set"
          + (f" (missing {lacking})" if lacking else ""))

enc = services.get("encore", {}).get("environment") or {}
url = str(enc.get("ENCORE_DATABASE_URL", ""))
check(all(k in url for k in ("host=postgres", "dbname=encore", "user=encore", "password=")),
      "ENCORE_DATABASE_URL is a libpq conninfo string for the postgres service")
check(len(str(enc.get("ENCORE_JWT_SECRET", ""))) >= 32, "ENCORE_JWT_SECRET is at least 32 bytes")
check(str(enc.get("ENCORE_TOSS_API_BASE", "")).startswith("http://toss-standin:") and
      str(enc.get("ENCORE_GOOGLE_TOKEN_URL", "")).startswith("http://google-standin:") and
      str(enc.get("ENCORE_GOOGLE_USERINFO_URL", "")).startswith("http://google-standin:"),
      "server-to-server URLs use the stand-ins' service names")
check(all(str(enc.get(v, "")).startswith("http://127.0.0.1:") for v in
          ("ENCORE_PUBLIC_URL", "ENCORE_TOSS_CHECKOUT_URL", "ENCORE_GOOGLE_AUTH_URL")),
      "browser-facing URLs use the published ports on 127.0.0.1")
pg = services.get("postgres", {}).get("environment") or {}
check(pg.get("POSTGRES_PASSWORD") == enc.get("PGPASSWORD") and
      f"password={pg.get('POSTGRES_PASSWORD')}" in url,
      "postgres password is the one encore and migrate use")
rmq = services.get("rabbitmq", {}).get("environment") or {}
check(rmq.get("RABBITMQ_DEFAULT_USER") == enc.get("ENCORE_AMQP_USER") and
      rmq.get("RABBITMQ_DEFAULT_PASS") == enc.get("ENCORE_AMQP_PASSWORD"),
      "rabbitmq user/password are the ones encore uses")

def test_of(name):
    t = (services.get(name, {}).get("healthcheck") or {}).get("test") or []
    return " ".join(t) if isinstance(t, list) else str(t)
for name, needle in [("postgres", "pg_isready"), ("redis", "redis-cli ping"),
                     ("rabbitmq", "rabbitmq-diagnostics -q ping"), ("encore", "/readyz"),
                     ("toss-standin", "/healthz"), ("google-standin", "/healthz")]:
    check(needle in test_of(name), f"{name}: healthcheck runs {needle}")

def deps(name):
    d = services.get(name, {}).get("depends_on") or {}
    return d if isinstance(d, dict) else {k: {} for k in d}
def cond(name, dep):
    return (deps(name).get(dep) or {}).get("condition")
check(cond("migrate", "postgres") == "service_healthy", "migrate waits for a healthy postgres")
check(all(cond(n, "migrate") == "service_completed_successfully"
          for n in ("encore", "relay", "consumer-notifications", "consumer-stats")),
      "encore, relay and consumers start after migrate succeeded")
check(all(cond("encore", d) == "service_healthy" for d in ("postgres", "redis", "rabbitmq")),
      "encore waits for healthy postgres, redis and rabbitmq")
check(all(cond(n, "rabbitmq") == "service_healthy"
          for n in ("relay", "consumer-notifications", "consumer-stats")),
      "relay and consumers wait for a healthy rabbitmq")

cmds = {n: services.get(n, {}).get("command") for n in app}
check(cmds == {"migrate": ["migrate", "--seed"], "encore": ["serve"], "relay": ["relay"],
               "consumer-notifications": ["consumer", "notifications"],
               "consumer-stats": ["consumer", "stats"]},
      "roles: migrate --seed, serve, relay, consumer notifications, consumer stats")
check(str(services.get("migrate", {}).get("restart", "no")) == "no",
      "migrate runs once (restart: no)")

for name, script in [("toss-standin", "toss.mjs"), ("google-standin", "google.mjs")]:
    s = services.get(name, {})
    vols = [str(v) for v in s.get("volumes") or []]
    cmd = s.get("command") or []
    check(script in cmd and any(v.startswith(os.path.join(root, "tools/standins") + ":")
                                for v in vols),
          f"{name}: runs tools/standins/{script} from a read-only mount")

ports = {n: [str(p) for p in services.get(n, {}).get("ports") or []] for n in services}
published = sorted(n for n in ports if ports[n])
check(published == ["encore", "google-standin", "toss-standin"] and
      all(p.startswith("127.0.0.1:") for n in published for p in ports[n]),
      "only encore and the stand-ins are published, on 127.0.0.1")
EOF
if [ -s "$work/resolved.yml" ]; then
	while IFS= read -r line; do
		case "$line" in
		"ok   "*) result ok "${line#ok   }" ;;
		"FAIL "*) result fail "${line#FAIL }" ;;
		*) echo "$line" ;;
		esac
	done < <(python3 "$work/check.py" "$work/resolved.yml" "$root")
else
	result fail "docker-compose config printed the resolved configuration"
fi

# The Dockerfile: two bookworm stages, make build, the runtime libraries,
# the copies the runtime stage needs, a non-root user.
verdict() {	# verdict <text> <command...>: ok when the command succeeds
	local text=$1
	shift
	if "$@"; then
		result ok "$text"
	else
		result fail "$text"
	fi
}
has() { grep -Eq "$1" "$dockerfile"; }
runtime_has() {	# a package name in the runtime stage's text
	sed -n '/^FROM debian:bookworm$/,$p' "$dockerfile" |
	    grep -Eq "(^|[[:space:]])$1([[:space:]]|$)"
}
two_stages() {
	[ "$(grep -cE '^FROM debian:bookworm( |$)' "$dockerfile")" -eq 2 ] &&
	    has '^FROM debian:bookworm AS build'
}
build_stage() {
	local p
	has 'make build' || return 1
	for p in libpq-dev libhiredis-dev librabbitmq-dev libjwt-dev \
	    libcurl4-openssl-dev libssl-dev libjson-c-dev; do
		has "$p" || return 1
	done
}
runtime_libs() {
	local p
	for p in kore libpq5 libhiredis0.14 librabbitmq4 libjwt0 libcurl4 libjson-c5; do
		runtime_has "$p" || { echo "  missing in the runtime stage: $p"; return 1; }
	done
}
runtime_copies() {
	local src
	for src in /src/kore.conf /src/build/encore.so /src/build/encore-relay \
	    /src/build/encore-consumer /src/assets /src/docs /src/sql /src/scripts/migrate.sh; do
		grep -E '^COPY --from=build ' "$dockerfile" | grep -q -- "$src" ||
		    { echo "  not copied: $src"; return 1; }
	done
}
non_root() {
	local user
	user=$(grep -E '^USER ' "$dockerfile" | tail -1 | awk '{print $2}')
	[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ]
}
entrypoint_ok() {
	bash -n "$entrypoint" || return 1
	# shellcheck disable=SC2016 # the literal text of the kore command line
	grep -q 'kore -c "$conf" -f -n -r' "$entrypoint" || return 1
	if command -v shellcheck >/dev/null; then
		shellcheck "$entrypoint" || return 1
	fi
}
if [ -f "$dockerfile" ]; then
	verdict "Dockerfile: build and runtime stages FROM debian:bookworm" two_stages
	verdict "Dockerfile: build stage installs the -dev packages and runs make build" build_stage
	verdict "Dockerfile: runtime stage installs kore and the runtime libraries" runtime_libs
	verdict "Dockerfile: runtime copies kore.conf, build/, assets/, docs/, sql/, migrate.sh" runtime_copies
	verdict "Dockerfile: runs as a non-root user" non_root
else
	result fail "docker/Dockerfile exists"
fi
verdict "docker/entrypoint.sh: bash -n, shellcheck, runs kore -c ... -f -n -r" entrypoint_ok

# What the image relies on from the rest of the repository.
make_build() {
	local out
	out=$(make -C "$root" -n build 2>&1) || { printf '%s\n' "$out" | tail -3 | sed 's/^/  /'; return 1; }
}
kore_bind() {
	grep -Eq '^[[:space:]]*bind[[:space:]]+[^[:space:]]+[[:space:]]+8080' "$root/kore.conf" 2>/dev/null
}
migrate_seed() { [ -x "$root/scripts/migrate.sh" ] && grep -q -- '--seed' "$root/scripts/migrate.sh"; }
standins() { [ -f "$root/tools/standins/toss.mjs" ] && [ -f "$root/tools/standins/google.mjs" ]; }
standin_host() {
	grep -rqs 'STANDIN_HOST' "$root/tools/standins"/*.mjs "$root/tools/standins/lib"
}
verdict "Makefile has a build target (make -n build)" make_build
verdict "kore.conf binds port 8080 (the entrypoint rewrites the address)" kore_bind
verdict "scripts/migrate.sh exists and takes --seed" migrate_seed
verdict "tools/standins/toss.mjs and google.mjs exist" standins
verdict "stand-ins read STANDIN_HOST (else they listen on 127.0.0.1 only, unreachable from other containers)" standin_host

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
