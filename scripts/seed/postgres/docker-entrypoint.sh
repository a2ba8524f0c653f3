#!/usr/bin/env bash
# Entrypoint of the offline postgres:15 that scripts/engine seeds. It does
# what the official image's entrypoint does for the settings devparity's
# tests and examples use, so one devparity.toml works with either image:
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#   POSTGRES_USER (default postgres), POSTGRES_DB (default $POSTGRES_USER),
#   POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256),
#   PGDATA (default /var/lib/postgresql/data), /docker-entrypoint-initdb.d.
# initdb runs only on an empty data directory; the server runs as postgres.
set -Eeo pipefail

# `docker run postgres:15 -c fsync=off` means the server with those flags.
if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  # A fresh named volume is root-owned; give it to postgres, then drop root.
  mkdir -p "$PGDATA" /var/run/postgresql
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  chmod 00700 "$PGDATA" || :
  chown postgres:postgres /var/run/postgresql
  chmod 03775 /var/run/postgresql || :
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

run_initdb_scripts() {
  local f
  shopt -s nullglob
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "$0: running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
      *.sql) echo "$0: running $f"; psql_setup -f "$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | psql_setup ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
}

psql_setup() {
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname postgres "$@"
}

init_database() {
  local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
MSG
    exit 1
  fi
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    # The password goes through a pipe, never a file in the image or argv.
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") ${POSTGRES_INITDB_ARGS:-}
  else
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" ${POSTGRES_INITDB_ARGS:-}
  fi
  printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

  # The setup server listens on the socket only, so a TCP ready probe does
  # not mistake it for the real one (the official image does the same).
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    psql_setup --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
  fi
  run_initdb_scripts
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo
  echo 'PostgreSQL init process complete; ready for start up.'
  echo
}

if [ "$1" = postgres ]; then
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  export POSTGRES_USER POSTGRES_DB
  if [ -s "$PGDATA/PG_VERSION" ]; then
    echo
    echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
    echo
  else
    init_database
  fi
fi

exec "$@"
