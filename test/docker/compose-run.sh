#!/usr/bin/env bash
# Runs the dev Compose project kstack generates on a real Docker engine and checks that it works
# (issue 8). No registry is reachable, so every image is built here from Debian packages:
#
#   1. engine       start a private dockerd (own socket, data-root and exec-root in a temp folder,
#                   no iptables, no default bridge; overlay2 storage, else vfs)
#      base image   one debootstrap --variant=minbase bookworm rootfs with Debian's python3-fastapi,
#                   uvicorn, SQLAlchemy, psycopg2, alembic, postgresql-15, nginx and wget (the nginx
#                   healthcheck's client, busybox's in nginx:1.27-alpine), plus the host's node binary, `docker import`ed; the rootfs tarball is cached in
#                   $KSTACK_DOCKER_CACHE, keyed by the package list, the recipe and the node binary
#   2. app images   the Next.js standalone build on the host (npm ci && npm run build in a copy of
#                   examples/fullstack/frontend), then docker build (classic builder) of
#                   examples/fullstack/{backend,frontend}/Dockerfile.test and of the postgres and
#                   nginx stand-ins in test/docker/images/
#   3. compose up   kstack synth --target compose --env dev into the temp folder, a
#                   docker-compose.override.yml pointing each service at a local image (the
#                   generated file is not edited), .env from .env.example with test secrets,
#                   docker-compose up -d --no-build
#   4. checks       through nginx's published port: / lists items, /api/health (prefix stripped),
#                   POST + GET /api/items through PostgreSQL, migration finished before the API
#                   started, every long-running service (nginx too) has a healthcheck and is
#                   healthy (docker inspect), runs as its user on a read-only root,
#                   db stopped -> /api/ready 503, db started -> 200 again; api, then web, re-created
#                   on a new address (a throwaway container takes the old one): routed through nginx
#                   again within 10 s of answering, nginx neither restarted nor re-created (issue 16);
#                   down -v leaves nothing
#   5. cleanup      (trap EXIT, pass or fail) down -v, remove what is left on the private engine by
#                   id, stop dockerd by pid, unmount and delete the temp folder
#
# Needs root, docker.io, docker-compose (1.29), debootstrap, curl, node + npm, and the repository's
# node_modules (npm ci). Prints the time of each step. Exit status: 0 passed, 1 failed (a missing
# tool, or an engine that cannot start, is a failure: this tier never skips).
#
# Environment: KSTACK_DOCKER_CACHE (default /var/cache/kstack-docker), KSTACK_DEBIAN_MIRROR
# (default: the host's apt source),
# KSTACK_DOCKER_BUDGET (seconds, default 600: a warning is printed above it),
# KSTACK_DOCKER_STORAGE (storage drivers to try in order, default "overlay2 vfs").
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/test/docker"
SUITE=bookworm  # the package list (postgresql-15) is bookworm's
CACHE="${KSTACK_DOCKER_CACHE:-/var/cache/kstack-docker}"
BUDGET="${KSTACK_DOCKER_BUDGET:-600}"
# Bump to rebuild the cached base rootfs after a change the cache key would not see.
RECIPE_VERSION=1

# Images the override file points the services at.
IMG_BASE=kstack-test/debian-base:bookworm
IMG_BACKEND=kstack-test/backend:dev
IMG_FRONTEND=kstack-test/frontend:dev
IMG_POSTGRES=kstack-test/postgres:15
IMG_NGINX=kstack-test/nginx:test

T0=$(date +%s%N)
STEP_NAMES=()
STEP_SECS=()
CHECKS=()
STEP_NAME=""
STEP_T0=0
WORK=""
DOCKERD_PID=""
CONTAINERD_PID=""
EXIT_STATUS=""
COMPOSE_UP=0
PROJECT_DIR=""
PROJECT=""
RESULT="FAILED"

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
log() { printf '[compose-run +%ss] %s\n' "$(secs "$T0" "$(now)")" "$*"; }
step_begin() { STEP_NAME="$1"; STEP_T0=$(now); log "== $1"; }
step_end() {
  local s; s=$(secs "$STEP_T0" "$(now)")
  STEP_NAMES+=("$STEP_NAME"); STEP_SECS+=("$s")
  log "== $STEP_NAME: ${s}s"
  STEP_NAME=""
}
fail() { printf '[compose-run] FAIL: %s\n' "$*" >&2; exit 1; }
check() { CHECKS+=("$*"); log "ok - $*"; }

# ---------------------------------------------------------------------------------------------
# Cleanup: everything on the private engine was started by this run; the engine itself by pid.
# ---------------------------------------------------------------------------------------------
diagnostics() {
  [ "$COMPOSE_UP" = 1 ] || return 0
  echo "---- docker-compose ps"; compose ps || true
  local svc cid
  for cid in $(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null); do
    svc=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}' "$cid" 2>/dev/null || echo "?")
    echo "---- $svc ($cid): state $(docker inspect -f '{{.State.Status}} exit={{.State.ExitCode}} {{if .State.Health}}health={{.State.Health.Status}}{{end}}' "$cid" 2>/dev/null)"
    docker inspect -f '{{if .State.Health}}{{range .State.Health.Log}}health check exit {{.ExitCode}}: {{.Output}}{{"\n"}}{{end}}{{end}}' "$cid" 2>/dev/null | tail -n 6 || true
    docker logs --tail 40 "$cid" 2>&1 | sed "s/^/  $svc| /" || true
  done
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [ -n "$STEP_NAME" ] && log "step '$STEP_NAME' did not finish"
  if [ "$rc" != 0 ]; then diagnostics; fi
  local t; t=$(now)
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    if [ "$COMPOSE_UP" = 1 ]; then
      compose down -v --remove-orphans --timeout 10 >/dev/null 2>&1
    fi
    # Whatever is left on this private engine was started by this run: remove it by id.
    local ids
    ids=$(docker ps -aq 2>/dev/null); [ -n "$ids" ] && docker rm -f -v $ids >/dev/null 2>&1
    ids=$(docker network ls -q --filter type=custom 2>/dev/null); [ -n "$ids" ] && docker network rm $ids >/dev/null 2>&1
    ids=$(docker volume ls -q 2>/dev/null); [ -n "$ids" ] && docker volume rm -f $ids >/dev/null 2>&1
    log "stopping dockerd (pid $DOCKERD_PID)"
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    local i
    for i in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$DOCKERD_PID" 2>/dev/null; then log "dockerd $DOCKERD_PID did not stop in 30s: SIGKILL"; kill -KILL "$DOCKERD_PID" 2>/dev/null; fi
    wait "$DOCKERD_PID" 2>/dev/null
  fi
  if [ -n "$CONTAINERD_PID" ] && kill -0 "$CONTAINERD_PID" 2>/dev/null; then
    log "stopping containerd (pid $CONTAINERD_PID)"
    kill -TERM "$CONTAINERD_PID" 2>/dev/null
    for i in $(seq 1 30); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$CONTAINERD_PID" 2>/dev/null && kill -KILL "$CONTAINERD_PID" 2>/dev/null
    wait "$CONTAINERD_PID" 2>/dev/null
  fi
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    # The engine's own containerd and shims run with paths under $WORK: stop any left behind, by pid.
    local p
    for p in $(ls /proc | grep -E '^[0-9]+$'); do
      [ "$p" = "$$" ] && continue
      if tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | grep -qF -- "$WORK/"; then
        log "stopping leftover process $p: $(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-120)"
        kill -KILL "$p" 2>/dev/null
      fi
    done
    local m
    for m in $(awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null; done
    rm -rf "$WORK"
  fi
  STEP_NAMES+=("cleanup (down -v, stop engine, delete temp)"); STEP_SECS+=("$(secs "$t" "$(now)")")

  local total; total=$(secs "$T0" "$(now)")
  echo
  echo "compose-run: times per step"
  local j
  for j in "${!STEP_NAMES[@]}"; do printf '  %7ss  %s\n' "${STEP_SECS[$j]}" "${STEP_NAMES[$j]}"; done
  printf '  %7ss  total\n' "$total"
  if [ "${#CHECKS[@]}" -gt 0 ]; then
    echo "compose-run: checks passed (${#CHECKS[@]})"
    for j in "${CHECKS[@]}"; do echo "  ok - $j"; done
  fi
  if [ "$rc" = 0 ] && [ "$RESULT" = PASSED ] && awk -v t="$total" -v b="$BUDGET" 'BEGIN { exit !(t > b) }'; then
    echo "compose-run: WARNING: took ${total}s, over the budget of ${BUDGET}s"
  fi
  if [ "$rc" = 0 ]; then echo "compose-run: $RESULT"; else echo "compose-run: FAILED (exit $rc)"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Prerequisites (missing ones are a failure: CI installs them)
# ---------------------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || fail "must run as root (it starts its own dockerd and runs debootstrap)"
# Debian's docker.io client, when a different docker CLI comes first on PATH.
DOCKER_BIN="$(command -v docker || true)"
[ -x /usr/bin/docker ] && DOCKER_BIN=/usr/bin/docker
missing=()
for c in dockerd containerd docker-compose debootstrap curl node npm tar sha256sum; do command -v "$c" >/dev/null || missing+=("$c"); done
[ -n "$DOCKER_BIN" ] || missing+=(docker)
[ "${#missing[@]}" = 0 ] || fail "missing commands: ${missing[*]} (apt-get install -y docker.io docker-compose debootstrap curl)"
[ -d "$ROOT/node_modules/yaml" ] || fail "run npm ci in $ROOT first (the synth needs node_modules)"
docker() { "$DOCKER_BIN" "$@"; }

WORK="$(mktemp -d /tmp/kstack-compose-run.XXXXXX)"
chmod 0755 "$WORK"
mkdir -p "$CACHE"
export DOCKER_HOST="unix://$WORK/docker.sock"
export DOCKER_CONFIG="$WORK/docker-config"
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 COMPOSE_HTTP_TIMEOUT=300
export NEXT_TELEMETRY_DISABLED=1
log "work folder $WORK, cache $CACHE, docker client $DOCKER_BIN ($(docker --version)), $(docker-compose --version)"

compose() { (cd "$PROJECT_DIR" && docker-compose -f docker-compose.yml -f docker-compose.override.yml "$@"); }

# ---------------------------------------------------------------------------------------------
# 1a. Engine
# ---------------------------------------------------------------------------------------------
# The error lines of the dockerd log (its info lines are many and say little), else its last lines.
dockerd_errors() {
  grep -E 'level=(error|fatal)|^failed|Error' "$WORK/dockerd.log" 2>/dev/null | tail -n 8 | grep . || tail -n 8 "$WORK/dockerd.log" 2>/dev/null
}
engine_failed() {
  echo "================================================================================"
  echo "compose-run: FAILED: the Docker engine could not start on this machine: $*"
  echo "---- errors in the dockerd log:"
  dockerd_errors | sed 's/^/  /'
  echo "================================================================================"
  exit 1
}

step_begin "1a. start containerd + dockerd (own sockets, no iptables, no default bridge)"
# containerd of its own too: dockerd would otherwise share a running system containerd (e.g. the
# docker.io package's service on a systemd host) with the system's dockerd.
CONTAINERD_SOCK="$WORK/containerd/containerd.sock"
# Polls READY_CMD every 0.5 s while PID lives: 0 once it succeeds, 1 when the process exits (its
# status in EXIT_STATUS), 2 after TRIES polls.
await_daemon() { # PID TRIES READY_CMD...
  local pid=$1 tries=$2 i
  shift 2
  for i in $(seq 1 "$tries"); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null && EXIT_STATUS=0 || EXIT_STATUS=$?
      return 1
    fi
    "$@" && return 0
    sleep 0.5
  done
  return 2
}
start_containerd() {
  mkdir -p "$WORK/containerd"
  cat >"$WORK/containerd/config.toml" <<TOML
version = 2
root = "$WORK/containerd/root"
state = "$WORK/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
TOML
  containerd --config "$WORK/containerd/config.toml" --log-level warn >"$WORK/containerd.log" 2>&1 &
  CONTAINERD_PID=$!
  local rc=0
  await_daemon "$CONTAINERD_PID" 60 test -S "$CONTAINERD_SOCK" || rc=$?
  case $rc in
    0) return 0 ;;
    1) CONTAINERD_PID=""
       ENGINE_ERROR="containerd exited with status $EXIT_STATUS during startup: $(tail -n 3 "$WORK/containerd.log" | tr '\n' ' ')" ;;
    *) ENGINE_ERROR="containerd (pid $CONTAINERD_PID) did not create $CONTAINERD_SOCK within 30s" ;;
  esac
  return 1
}
# Returns 0 when dockerd answers, 1 when it exits, 2 when it does not answer within 60s.
start_dockerd() { # STORAGE_DRIVER
  dockerd --storage-driver="$1" --iptables=false --ip-masq=false --bridge=none \
    --data-root "$WORK/data" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
    --containerd "$CONTAINERD_SOCK" --host "$DOCKER_HOST" >"$WORK/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  local rc=0
  await_daemon "$DOCKERD_PID" 120 docker_answers || rc=$?
  case $rc in
    0) return 0 ;;
    1) DOCKERD_PID=""
       ENGINE_ERROR="dockerd --storage-driver=$1 exited with status $EXIT_STATUS during startup"
       return 1 ;;
    *) ENGINE_ERROR="dockerd --storage-driver=$1 (pid $DOCKERD_PID) did not answer on $DOCKER_HOST within 60s"
       return 2 ;;
  esac
}
docker_answers() { docker version >/dev/null 2>&1; }
# overlay2 shares image layers between containers; vfs (a full copy per container and build step,
# several times slower) works on any filesystem.
ENGINE_ERROR=""
start_containerd || engine_failed "$ENGINE_ERROR"
for driver in ${KSTACK_DOCKER_STORAGE:-overlay2 vfs}; do
  if start_dockerd "$driver"; then break; fi
  log "$ENGINE_ERROR; dockerd log:"
  dockerd_errors | sed 's/^/  /'
  if [ -n "$DOCKERD_PID" ]; then kill -KILL "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null; DOCKERD_PID=""; fi
  for m in $(awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null; done
  rm -rf "$WORK/data" "$WORK/exec"
done
[ -n "$DOCKERD_PID" ] || engine_failed "$ENGINE_ERROR"
log "containerd pid $CONTAINERD_PID, dockerd pid $DOCKERD_PID, server $(docker version -f '{{.Server.Version}}'), storage $(docker info -f '{{.Driver}}')"
step_end

# ---------------------------------------------------------------------------------------------
# 1b. Base image from Debian packages, cached as a rootfs tarball keyed by the recipe
# ---------------------------------------------------------------------------------------------
debian_mirror() {
  if [ -n "${KSTACK_DEBIAN_MIRROR:-}" ]; then echo "$KSTACK_DEBIAN_MIRROR"; return; fi
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $2 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR="$(debian_mirror)"

# One minbase rootfs holds what the four images need: one debootstrap (77 s here) instead of four
# (195 s in parallel on 2 cores), and with overlay2 the images share its layer.
# uvicorn and alembic: the packages with the commands (/usr/bin/uvicorn, /usr/bin/alembic) the images run.
# wget: the generated nginx healthcheck runs `wget -q -O /dev/null URL` (busybox's in nginx:1.27-alpine).
BASE_PACKAGES="python3,python3-fastapi,python3-uvicorn,uvicorn,python3-sqlalchemy,python3-psycopg2,python3-alembic,alembic,postgresql-15,nginx,wget"
NODE_BIN="$(readlink -f "$(command -v node)")"
NODE_SHA="$(sha256sum "$NODE_BIN" | cut -c1-64)"
# Smaller is faster to import (and to copy, with vfs).
trim_rootfs() {
  local r="$1"
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/* \
    "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* \
    "$r"/var/log/*.log "$r"/var/log/apt/*
  # PostgreSQL's JIT (LLVM) is optional and the largest part: without it, jit is simply unavailable.
  rm -rf "$r"/usr/lib/postgresql/15/lib/bitcode "$r"/usr/lib/postgresql/15/lib/llvmjit*.so \
    "$r"/usr/lib/x86_64-linux-gnu/libLLVM-*.so* "$r"/usr/lib/x86_64-linux-gnu/libz3.so*
  # Node.js: the host's binary (glibc, libstdc++ from the rootfs).
  install -m 0755 "$NODE_BIN" "$r/usr/local/bin/node"
}
BASE_KEY=$(printf '%s\n' "recipe=$RECIPE_VERSION" "suite=$SUITE" "variant=minbase" "packages=$BASE_PACKAGES" \
  "node-sha256=$NODE_SHA" "$(declare -f trim_rootfs)" | sha256sum | cut -c1-16)
BASE_TAR="$CACHE/base-$SUITE-$BASE_KEY.tar"

build_base_rootfs() {
  local rootfs="$WORK/rootfs" m
  timeout 900 debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$rootfs" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log"; fail "debootstrap failed (mirror $MIRROR)"; }
  for m in $(awk -v w="$rootfs/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m"; done
  trim_rootfs "$rootfs"
  tar --numeric-owner -C "$rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$BASE_TAR.tmp.$$" .
  mv "$BASE_TAR.tmp.$$" "$BASE_TAR"
  rm -rf "$rootfs"
  # Older recipes' tarballs are not used any more.
  find "$CACHE" -maxdepth 1 -name 'base-*.tar' ! -name "$(basename "$BASE_TAR")" -delete
}

step_begin "1b. base image from Debian packages (debootstrap minbase, cached)"
if [ -s "$BASE_TAR" ]; then
  log "base rootfs: cached $BASE_TAR"
else
  log "base rootfs: debootstrap --variant=minbase --include=$BASE_PACKAGES $SUITE $MIRROR, + node $(node --version) from $NODE_BIN"
  t=$(now); build_base_rootfs
  log "base rootfs: built in $(secs "$t" "$(now)")s, $(du -h "$BASE_TAR" | cut -f1) -> $BASE_TAR"
fi
docker import --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'CMD ["/bin/bash"]' "$BASE_TAR" "$IMG_BASE" >/dev/null
log "imported $IMG_BASE ($(docker images --format '{{.Size}}' "$IMG_BASE"))"
step_end

# ---------------------------------------------------------------------------------------------
# 2. App images
# ---------------------------------------------------------------------------------------------
step_begin "2a. Next.js standalone build on the host (npm ci && npm run build)"
FRONT_SRC="$WORK/frontend-src"
FRONT_CTX="$WORK/frontend-context"
mkdir -p "$FRONT_SRC" "$FRONT_CTX/.next"
# A copy, so the shared working tree's node_modules/.next are left alone.
tar -C "$ROOT/examples/fullstack/frontend" --exclude=./node_modules --exclude=./.next -cf - . | tar -C "$FRONT_SRC" -xf -
(cd "$FRONT_SRC" && timeout 600 npm ci --no-audit --no-fund --loglevel=error && timeout 600 npm run build) \
  >"$WORK/frontend-build.log" 2>&1 || { tail -n 40 "$WORK/frontend-build.log"; fail "the Next.js build failed"; }
[ -f "$FRONT_SRC/.next/standalone/server.js" ] || fail "the Next.js build made no .next/standalone/server.js (output: 'standalone'?)"
cp -a "$FRONT_SRC/public" "$FRONT_CTX/public"
cp -a "$FRONT_SRC/.next/standalone" "$FRONT_CTX/.next/standalone"
cp -a "$FRONT_SRC/.next/static" "$FRONT_CTX/.next/static"
step_end

build_image() { # TAG CONTEXT DOCKERFILE BASE
  local log="$WORK/build-${1//[\/:]/_}.log"
  if ! timeout 600 docker build --network none --force-rm -q -t "$1" -f "$3" --build-arg "BASE=$4" "$2" >"$log" 2>&1; then
    tail -n 30 "$log"; fail "docker build of $1 failed"
  fi
}
step_begin "2b. docker build: backend, frontend, postgres, nginx (classic builder)"
build_image "$IMG_BACKEND" "$ROOT/examples/fullstack/backend" "$ROOT/examples/fullstack/backend/Dockerfile.test" "$IMG_BASE"
build_image "$IMG_FRONTEND" "$FRONT_CTX" "$ROOT/examples/fullstack/frontend/Dockerfile.test" "$IMG_BASE"
build_image "$IMG_POSTGRES" "$HERE/images/postgres" "$HERE/images/postgres/Dockerfile" "$IMG_BASE"
build_image "$IMG_NGINX" "$HERE/images/nginx" "$HERE/images/nginx/Dockerfile" "$IMG_BASE"
rm -rf "$FRONT_SRC"
step_end

# ---------------------------------------------------------------------------------------------
# 3. Generate the dev Compose project, point it at the local images, up
# ---------------------------------------------------------------------------------------------
step_begin "3a. kstack synth --target compose --env dev, override file, .env"
(cd "$ROOT" && timeout 300 node bin/kstack.js synth --target compose --env dev --out "$WORK/synth") >"$WORK/synth.log" 2>&1 \
  || { cat "$WORK/synth.log"; fail "kstack synth --target compose failed"; }
PROJECT_DIR="$WORK/synth/dev/compose"
for f in docker-compose.yml .env.example; do [ -f "$PROJECT_DIR/$f" ] || fail "synth wrote no $PROJECT_DIR/$f"; done
# Reads the generated file; writes the override (image per service) and facts the checks use.
(cd "$ROOT" && node - "$PROJECT_DIR" "$IMG_POSTGRES" "$IMG_BACKEND" "$IMG_FRONTEND" "$IMG_NGINX" >"$WORK/facts.sh") <<'NODE' || fail "could not map the generated services to local images"
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const [dir, pg, backend, frontend, nginx] = process.argv.slice(2);
const compose = YAML.parse(fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8'), { version: '1.1' });
const lines = ['# Generated by test/docker/compose-run.sh: the locally built stand-ins for the images above.', 'services:'];
const facts = { SERVICES: [], HEALTHCHECKED: [], ONESHOT: [], LONGRUNNING: [] };
let db = '', api = '', web = '', publish = '', proxy = '', status = '';
for (const [name, s] of Object.entries(compose.services)) {
  const ctx = s.build ? path.basename(s.build.context) : '';
  let image;
  if (/^postgres:/.test(s.image)) { image = pg; db = db || name; }
  else if (ctx === 'backend' || /kstack-backend/.test(s.image)) image = backend;
  else if (ctx === 'frontend' || /kstack-frontend/.test(s.image)) image = frontend;
  else if (/(^|\/)nginx:/.test(s.image)) {
    image = nginx; proxy = proxy || name;
    // The healthcheck's URL (`wget ... http://127.0.0.1:PORT/healthz`): nginx's internal status server.
    const url = /^http:\/\/127\.0\.0\.1:(\d+)\//.exec(String((s.healthcheck && s.healthcheck.test || []).slice(-1)[0] || ''));
    status = url ? url[1] : '';
  }
  else { console.error(`no local image for service ${name} (image ${s.image})`); process.exit(1); }
  lines.push(`  ${name}:`, `    image: "${image}"`);
  facts.SERVICES.push(name);
  if (s.healthcheck) facts.HEALTHCHECKED.push(name);
  if (s.restart === 'no') facts.ONESHOT.push(name); else facts.LONGRUNNING.push(name);
  if (image === backend && s.restart !== 'no') api = api || name;
  if (image === frontend && s.restart !== 'no') web = web || name;
  if (s.ports && s.ports.length) publish = publish || String(s.ports[0]);
}
fs.writeFileSync(path.join(dir, 'docker-compose.override.yml'), `${lines.join('\n')}\n`);
const m = /^(?:([\d.]+):)?(\d+):(\d+)$/.exec(publish);
if (!m) { console.error(`no published port like HOST:PORT:PORT in the compose file (${publish})`); process.exit(1); }
const out = [];
for (const [k, v] of Object.entries(facts)) out.push(`${k}=(${v.join(' ')})`);
out.push(`DB_SERVICE=${db}`, `API_SERVICE=${api}`, `WEB_SERVICE=${web}`, `NGINX_SERVICE=${proxy}`, `NGINX_STATUS_PORT=${status}`, `PUBLISH_HOST=${m[1] || '127.0.0.1'}`, `PUBLISH_PORT=${m[2]}`, `PUBLISH_TARGET_PORT=${m[3]}`);
for (const [name, s] of Object.entries(compose.services)) {
  out.push(`USER_${name.replace(/\W/g, '_')}=${(s.user || '').split(':')[0]}`);
  out.push(`PORT_${name.replace(/\W/g, '_')}=${(s.expose || [])[0] || ''}`);
}
console.log(out.join('\n'));
NODE
# shellcheck disable=SC1091
. "$WORK/facts.sh"
[ -n "$DB_SERVICE" ] && [ -n "$API_SERVICE" ] && [ -n "$WEB_SERVICE" ] || fail "the generated project has no postgres, backend or frontend service"
[ -n "$NGINX_SERVICE" ] && [ -n "$NGINX_STATUS_PORT" ] || fail "the generated project has no nginx service with a healthcheck on http://127.0.0.1:PORT/"
BASE_URL="http://$PUBLISH_HOST:$PUBLISH_PORT"
# .env: the example's values, with test values for the secrets.
while IFS= read -r line; do
  name=""
  [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)= ]] && name="${BASH_REMATCH[1]}"
  if [[ "$name" =~ PASSWORD|SECRET|TOKEN|KEY ]]; then
    echo "$name=kstack-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  else
    echo "$line"
  fi
done <"$PROJECT_DIR/.env.example" >"$PROJECT_DIR/.env"
PROJECT=$(awk -F= '$1 == "COMPOSE_PROJECT_NAME" { print $2 }' "$PROJECT_DIR/.env")
[ -n "$PROJECT" ] || fail ".env.example has no COMPOSE_PROJECT_NAME"
envval() { awk -F= -v k="$1" '$1 == k { sub(/^[^=]*=/, ""); print }' "$PROJECT_DIR/.env"; }
compose config -q || fail "docker-compose config rejects the generated file + override"
log "project $PROJECT: services ${SERVICES[*]}; nginx on $BASE_URL; override:"
sed 's/^/  /' "$PROJECT_DIR/docker-compose.override.yml"
step_end

step_begin "3b. docker-compose up -d (waits for the healthchecks it depends on)"
if (exec 3<>"/dev/tcp/$PUBLISH_HOST/$PUBLISH_PORT") 2>/dev/null; then
  fail "$PUBLISH_HOST:$PUBLISH_PORT is already in use on this machine; the generated nginx service publishes it"
fi
COMPOSE_UP=1
timeout 600 bash -c 'cd "$1" && docker-compose -f docker-compose.yml -f docker-compose.override.yml up -d --no-build' _ "$PROJECT_DIR" \
  || fail "docker-compose up -d failed"
step_end

# ---------------------------------------------------------------------------------------------
# 4. Checks
# ---------------------------------------------------------------------------------------------
HTTP_BODY="$WORK/http-body"
HTTP_CODE=""
http() { # METHOD PATH [JSON]
  local args=(-sS -o "$HTTP_BODY" -w '%{http_code}' --max-time 20 -X "$1")
  [ $# -ge 3 ] && args+=(-H 'content-type: application/json' --data "$3")
  HTTP_CODE=$(curl "${args[@]}" "$BASE_URL$2" 2>"$WORK/curl-err") || HTTP_CODE="000 ($(cat "$WORK/curl-err"))"
}
body() { cat "$HTTP_BODY" 2>/dev/null; }
wait_http() { # CODE PATH SECONDS
  local deadline=$(( $(date +%s) + $3 ))
  while :; do
    http GET "$2"
    [ "$HTTP_CODE" = "$1" ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 1
  done
}
cid_of() { docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1" | head -n 1; }
state_of() { docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}/{{.State.ExitCode}}' "$(cid_of "$1")"; }
wait_healthy() { # SERVICE SECONDS
  local deadline=$(( $(date +%s) + $2 )) s
  while :; do
    s=$(state_of "$1")
    [ "$s" = "running/healthy/0" ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && { log "$1: $s"; return 1; }
    sleep 1
  done
}

step_begin "4a. checks through nginx on $BASE_URL"
wait_http 200 / 60 || fail "GET / through nginx: HTTP $HTTP_CODE $(body | head -c 300)"
grep -q '<ul id="items">' "$HTTP_BODY" || fail "GET / does not render the item list: $(body | head -c 500)"
check "GET / -> 200, the frontend page with <ul id=\"items\">"

http GET /api/health
[ "$HTTP_CODE" = 200 ] && grep -q '"status":"ok"' "$HTTP_BODY" || fail "GET /api/health: HTTP $HTTP_CODE $(body | head -c 300)"
check "GET /api/health -> 200 {\"status\":\"ok\"} (the backend's /health: /api prefix stripped)"

http GET /api/ready
[ "$HTTP_CODE" = 200 ] || fail "GET /api/ready with the database up: HTTP $HTTP_CODE $(body | head -c 300)"
check "GET /api/ready -> 200 (the backend reaches PostgreSQL)"

ITEM="compose-run-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
http POST /api/items "{\"name\":\"$ITEM\"}"
[ "$HTTP_CODE" = 201 ] && grep -q "\"name\":\"$ITEM\"" "$HTTP_BODY" || fail "POST /api/items: HTTP $HTTP_CODE $(body | head -c 300)"
http GET /api/items
[ "$HTTP_CODE" = 200 ] && grep -q "\"name\":\"$ITEM\"" "$HTTP_BODY" || fail "GET /api/items does not list $ITEM: HTTP $HTTP_CODE $(body | head -c 300)"
check "POST /api/items -> 201, GET /api/items lists it (round trip through PostgreSQL)"
http GET /
[ "$HTTP_CODE" = 200 ] && grep -q "<li>$ITEM</li>" "$HTTP_BODY" || fail "GET / does not list $ITEM: HTTP $HTTP_CODE $(body | head -c 500)"
check "GET / lists the new item (Next.js server-side fetch from http://api:8000)"

# nginx's healthcheck endpoint is on its internal status server, not the public listener: there
# /healthz is an app path like any other (the frontend's 404 page), never nginx's "ok".
http GET /healthz
[ "$HTTP_CODE" = 404 ] && ! grep -qx 'ok' "$HTTP_BODY" || fail "GET /healthz through the public port: HTTP $HTTP_CODE $(body | head -c 300), expected the app's 404"
check "GET /healthz -> 404 from the app (nginx's status server is internal, not on the public port)"

# Migration: the one-shot service(s) exited 0 before the backend started, and the schema is there.
api_started=$(docker inspect -f '{{.State.StartedAt}}' "$(cid_of "$API_SERVICE")")
for svc in "${ONESHOT[@]}"; do
  read -r status code finished < <(docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.FinishedAt}}' "$(cid_of "$svc")")
  [ "$status" = exited ] && [ "$code" = 0 ] || fail "$svc: $status, exit code $code"
  [ "$(date -d "$finished" +%s%N)" -le "$(date -d "$api_started" +%s%N)" ] \
    || fail "$svc finished at $finished, after $API_SERVICE started at $api_started"
  check "$svc exited 0 at $finished, before $API_SERVICE started at $api_started"
done
version=$(docker exec "$(cid_of "$DB_SERVICE")" psql -X -U "$(envval POSTGRES_USER)" -d "$(envval POSTGRES_DB)" -tAc 'SELECT version_num FROM alembic_version' 2>&1) \
  || fail "alembic_version not readable: $version"
head_rev=$(sed -n 's/^revision = "\(.*\)"$/\1/p' "$ROOT"/examples/fullstack/backend/migrations/versions/*.py | sort | tail -n 1)
[ "$version" = "$head_rev" ] || fail "alembic_version is '$version', expected the head revision '$head_rev'"
check "alembic_version = $head_rev (the migration ran against the db service)"

# Health and runtime properties of every service: each long-running one (nginx included) must have
# a healthcheck in the generated file and report healthy; only one-shot services may have none.
unchecked=()
for svc in "${LONGRUNNING[@]}"; do
  [[ " ${HEALTHCHECKED[*]} " == *" $svc "* ]] || unchecked+=("$svc")
done
[ "${#unchecked[@]}" = 0 ] || fail "long-running services without a healthcheck in the generated file: ${unchecked[*]}"
for svc in "${HEALTHCHECKED[@]}"; do
  wait_healthy "$svc" 120 || fail "$svc is not healthy"
done
check "every long-running service healthy (docker inspect): ${LONGRUNNING[*]}; no healthcheck only for one-shot: ${ONESHOT[*]:-(none)}"
for svc in "${LONGRUNNING[@]}"; do
  cid=$(cid_of "$svc")
  s=$(state_of "$svc")
  [[ "$s" == running/* ]] || fail "$svc is $s"
  ro=$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$cid")
  uid=$(docker exec "$cid" id -u)
  want_uid_var="USER_${svc//[^A-Za-z0-9_]/_}"
  want_uid="${!want_uid_var}"
  [ -z "$want_uid" ] || [ "$uid" = "$want_uid" ] || fail "$svc runs as uid $uid, the compose file says $want_uid"
  if [ "$ro" = true ]; then
    if docker exec "$cid" sh -c ': > /compose-run-probe' 2>/dev/null; then fail "$svc: wrote to / despite read_only"; fi
    docker exec "$cid" sh -c 't=$(mktemp) && rm "$t"' || fail "$svc: /tmp is not writable"
  fi
  check "$svc: ${s%%/*} (health: $(echo "$s" | cut -d/ -f2)), uid $uid, read-only root: $ro (/ not writable, /tmp writable)"
done
# nginx's status server listens on the container's loopback only: from another container on the
# project network its port is closed, while the public port answers.
probe='import socket, sys
def connects(port):
    s = socket.socket(); s.settimeout(3)
    try: return s.connect_ex((sys.argv[1], port)) == 0
    finally: s.close()
sys.exit(0 if connects(int(sys.argv[2])) and not connects(int(sys.argv[3])) else 1)'
docker exec "$(cid_of "$API_SERVICE")" python3 -c "$probe" "$NGINX_SERVICE" "$PUBLISH_TARGET_PORT" "$NGINX_STATUS_PORT" \
  || fail "from $API_SERVICE: $NGINX_SERVICE:$PUBLISH_TARGET_PORT should accept connections and $NGINX_SERVICE:$NGINX_STATUS_PORT (status server) refuse them"
check "$NGINX_SERVICE status server: 127.0.0.1:$NGINX_STATUS_PORT in its container only ($NGINX_SERVICE:$NGINX_STATUS_PORT refused from $API_SERVICE, $NGINX_SERVICE:$PUBLISH_TARGET_PORT open)"
# Not a check: what the services logged that looks like a problem, for whoever reads the output.
for svc in "${SERVICES[@]}"; do
  docker logs "$(cid_of "$svc")" 2>&1 | grep -E -i '\[(alert|emerg|crit|error|warn)\]|warning|error|fatal|panic|traceback|denied' \
    | head -n 5 | sed "s/^/  (log) $svc| /" || true
done
step_end

step_begin "4b. stop $DB_SERVICE: /api/ready fails; start it: recovers"
t=$(now)
compose stop "$DB_SERVICE" >/dev/null 2>&1 || fail "docker-compose stop $DB_SERVICE failed"
log "$DB_SERVICE stopped in $(secs "$t" "$(now)")s, exit code $(docker inspect -f '{{.State.ExitCode}}' "$(cid_of "$DB_SERVICE")")"
wait_http 503 /api/ready 60 || fail "GET /api/ready with $DB_SERVICE stopped: HTTP $HTTP_CODE $(body | head -c 300), expected 503"
check "$DB_SERVICE stopped -> GET /api/ready 503: $(body | head -c 160)"
http GET /api/health
[ "$HTTP_CODE" = 200 ] || fail "GET /api/health with $DB_SERVICE stopped: HTTP $HTTP_CODE (liveness must not depend on the database)"
check "$DB_SERVICE stopped -> GET /api/health still 200 (liveness has no dependencies)"
compose start "$DB_SERVICE" >/dev/null 2>&1 || fail "docker-compose start $DB_SERVICE failed"
wait_healthy "$DB_SERVICE" 120 || fail "$DB_SERVICE did not become healthy again"
wait_http 200 /api/ready 60 || fail "GET /api/ready after starting $DB_SERVICE again: HTTP $HTTP_CODE $(body | head -c 300)"
http GET /api/items
[ "$HTTP_CODE" = 200 ] && grep -q "\"name\":\"$ITEM\"" "$HTTP_BODY" || fail "after the restart GET /api/items lacks $ITEM: HTTP $HTTP_CODE"
check "$DB_SERVICE started -> healthy, GET /api/ready 200, the item is still there (named volume)"
step_end

step_begin "4c. re-create $API_SERVICE, then $WEB_SERVICE, on a new address: nginx follows without a restart"
ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
NGINX_CID=$(cid_of "$NGINX_SERVICE")
NGINX_STARTED=$(docker inspect -f '{{.State.StartedAt}}' "$NGINX_CID")
NETWORK=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "$NGINX_CID")
SQUATTERS=()
# A service's own answer, asked from the nginx container at an address (wget is in both nginx images).
direct() { docker exec "$NGINX_CID" wget -q -T 3 -O /dev/null "http://$1:$2$3" 2>/dev/null; }
# Through nginx: PATH answers CODE (and BODY_RE) STABLE times in a row (one DNS cache per worker).
routed() { # PATH BODY_RE STABLE SECONDS
  local deadline=$(( $(now) + $4 * 1000000000 )) streak=0
  while [ "$(now)" -lt "$deadline" ]; do
    http GET "$1"
    if [ "$HTTP_CODE" = 200 ] && grep -q "$2" "$HTTP_BODY"; then
      streak=$((streak + 1)); [ "$streak" -ge "$3" ] && return 0
    else
      streak=0; BAD_ANSWERS=$((BAD_ANSWERS + 1))
    fi
    sleep 0.2
  done
  return 1
}
for svc in "$API_SERVICE" "$WEB_SERVICE"; do
  if [ "$svc" = "$API_SERVICE" ]; then probe=/api/health; want='"status":"ok"'; direct_path=/health
  else probe=/; want='<ul id="items">'; direct_path=/; fi
  port_var="PORT_${svc//[^A-Za-z0-9_]/_}"; port="${!port_var}"
  [ -n "$port" ] || fail "$svc exposes no port in the generated file"
  old_cid=$(cid_of "$svc"); old_ip=$(ip_of "$old_cid")
  routed "$probe" "$want" 5 10 || fail "before re-creating $svc: GET $probe through nginx: HTTP $HTTP_CODE"
  # Stopping frees the address; a throwaway container on the project network takes it, so the
  # re-created service has to come back on another one (Docker hands out the lowest free address).
  compose stop "$svc" >/dev/null 2>&1 || fail "docker-compose stop $svc failed"
  # Docker gives the lowest free address: throwaway containers until one holds the old one (the
  # ones before it hold lower addresses that were free); all stay until the end of the step.
  got=""
  for i in 1 2 3 4 5 6; do
    squatter=$(docker run -d --network "$NETWORK" --name "compose-run-squatter-$svc-$i" "$IMG_BASE" sleep 600) \
      || fail "could not start a throwaway container on $NETWORK"
    SQUATTERS+=("$squatter"); got="$got $(ip_of "$squatter")"
    [ "$(ip_of "$squatter")" = "$old_ip" ] && break
  done
  log "$svc stopped (was $old_ip); throwaway containers on $NETWORK got:$got"
  t=$(now)
  compose up -d --force-recreate --no-deps "$svc" >"$WORK/recreate.log" 2>&1 || { cat "$WORK/recreate.log"; fail "docker-compose up -d --force-recreate --no-deps $svc failed"; }
  new_cid=$(cid_of "$svc"); new_ip=$(ip_of "$new_cid")
  [ "$new_cid" != "$old_cid" ] || fail "$svc was not re-created (same container $new_cid)"
  [ -n "$new_ip" ] && [ "$new_ip" != "$old_ip" ] || fail "$svc came back on ${new_ip:-no address}, not on a new address (old $old_ip)"
  # From the moment the new container answers on its own address, nginx must route to it within 10 s.
  deadline=$(( $(date +%s) + 120 ))
  until direct "$new_ip" "$port" "$direct_path"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "the re-created $svc does not answer on $new_ip:$port$direct_path"
    sleep 0.2
  done
  t_ready=$(now); BAD_ANSWERS=0
  routed "$probe" "$want" 10 10 || fail "nginx did not route $probe to the re-created $svc ($new_ip) within 10 s of it answering: HTTP $HTTP_CODE $(body | head -c 200)"
  lag=$(secs "$t_ready" "$(now)")
  [ "$(docker inspect -f '{{.State.StartedAt}} {{.RestartCount}}' "$NGINX_CID")" = "$NGINX_STARTED 0" ] \
    || fail "nginx was restarted (container $NGINX_CID)"
  [ "$(cid_of "$NGINX_SERVICE")" = "$NGINX_CID" ] || fail "nginx was re-created"
  check "$svc re-created on a new address ($old_ip -> $new_ip; the old one held by a throwaway container): GET $probe through nginx 200 ten times in a row $(secs "$t" "$t_ready")s after up, ${lag}s after it answered ($BAD_ANSWERS answers were not 200 meanwhile); nginx $NGINX_CID not restarted"
  wait_healthy "$svc" 120 || fail "the re-created $svc is not healthy"
done
docker rm -f "${SQUATTERS[@]}" >/dev/null
http GET /api/items
[ "$HTTP_CODE" = 200 ] && grep -q "\"name\":\"$ITEM\"" "$HTTP_BODY" || fail "after the re-creations GET /api/items lacks $ITEM: HTTP $HTTP_CODE"
http GET /
[ "$HTTP_CODE" = 200 ] && grep -q "<li>$ITEM</li>" "$HTTP_BODY" || fail "after the re-creations GET / lacks $ITEM: HTTP $HTTP_CODE"
check "after re-creating $API_SERVICE and $WEB_SERVICE: GET /api/items and GET / list the item (web -> api by service name too)"
step_end

step_begin "4d. docker-compose down -v"
compose down -v --timeout 20 >"$WORK/down.log" 2>&1 || { cat "$WORK/down.log"; fail "docker-compose down -v failed"; }
COMPOSE_UP=0
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "containers left after down -v: $left"
left=$(docker network ls -q --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "networks left after down -v: $left"
left=$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "volumes left after down -v: $left"
# The engine is private to this run, so it must be empty altogether.
left="$(docker ps -aq) $(docker volume ls -q) $(docker network ls -q --filter type=custom)"
[ -z "${left// /}" ] || fail "objects left on the engine after down -v: $left"
check "docker-compose down -v: no container, network or volume of $PROJECT left (none at all on the engine)"
step_end

RESULT=PASSED
