#!/bin/sh
# First start on an empty PGDATA: a cluster whose superuser is $POSTGRES_USER (password
# $POSTGRES_PASSWORD), a database $POSTGRES_DB, password logins from any address. Then postgres.
set -eu
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  if [ "$db" != postgres ]; then
    pg_ctl -w -o "-c listen_addresses=''" start >/dev/null
    # (psql substitutes :"db", quoted as an identifier, only in what it reads, not in -c.)
    echo 'CREATE DATABASE :"db";' \
      | psql -q -v ON_ERROR_STOP=1 --username="$user" --dbname=postgres --set=db="$db"
    pg_ctl -w -m fast stop >/dev/null
  fi
  echo "initialised $PGDATA: user $user, database $db"
fi
exec "$@"
