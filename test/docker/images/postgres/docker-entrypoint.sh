#!/bin/sh
# Test stand-in for the entrypoint of the official postgres image, for test/docker/compose-run.sh
# (no registry there, so the image is built from Debian's postgresql-15). It implements what the
# generated compose service relies on, running as the non-root user the service sets (999):
#   - first start (no $PGDATA/PG_VERSION): initdb with POSTGRES_USER as superuser and
#     POSTGRES_PASSWORD as its password, create POSTGRES_DB, accept scram-sha-256 logins from the
#     network, listen on every address (as the official image does);
#   - then exec postgres (or the given command).
set -eu

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set (the official image refuses to initialize without it too)}"
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA"
  rm -f "$pwfile"
  printf '\nhost all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  if [ "$db" != postgres ]; then
    # A server on a private socket only, as the official entrypoint does, to create the database.
    sockdir="$(mktemp -d)"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=$sockdir" -w start
    psql -X -v ON_ERROR_STOP=1 -h "$sockdir" -U "$user" -d postgres \
      -c "CREATE DATABASE \"$db\" OWNER \"$user\""
    pg_ctl -D "$PGDATA" -m fast -w stop
    rmdir "$sockdir"
  fi
  echo "docker-entrypoint.sh: initialized $PGDATA (user $user, database $db)"
fi

exec "$@"
