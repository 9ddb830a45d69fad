#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 started from the machine's own binaries.
# The server listens on 127.0.0.1 (a free port) and a socket in a temporary directory, trusts
# local connections, and is stopped and deleted when the command ends. The command sees
# PARLEY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres.
#
#   scripts/with-postgres.sh cargo test -p parley-store
set -euo pipefail

find_pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  done
}

PG_BIN=$(find_pg_bin || true)
if [ -z "${PG_BIN}" ]; then
  echo "with-postgres: no initdb/pg_ctl found; installing PostgreSQL from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(find_pg_bin)
fi

# PostgreSQL refuses to run as root: run it as an unprivileged user.
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  id parleypg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin parleypg
  RUN_AS=(runuser -u parleypg --)
fi

WORK=$(mktemp -d /tmp/parley-pg.XXXXXX)
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown parleypg "$WORK"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$WORK/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; exit 1; }
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
  start >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

export PARLEY_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PORT" >&2
"$@"
