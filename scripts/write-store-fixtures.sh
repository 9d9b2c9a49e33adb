#!/usr/bin/env bash
# Writes the upgrade test's store fixtures: stores as THIS checkout's code writes them, as text, so that a later
# release's archive test can check that it opens, searches and indexes into them (sdembed-dist's ReleaseArchiveTest).
# Run it with a release's code, before the next release changes anything, and commit the output under
# sdembed-dist/src/test/resources/store-fixtures/<version>-<commit>/:
#
#   mvn -B -DskipTests package && scripts/write-store-fixtures.sh sdembed-dist/src/test/resources/store-fixtures/NAME
#
# What it does: `bin/sdembed samples` (the first 12 of the sample library), `bin/sdembed index` of them into
#   - the embedded store, then `sqlite3 .dump` of sdembed.db, with the page size, journal mode and schema version
#     (PRAGMAs a dump leaves out) around it: embedded-store.sql rebuilds the file as this code wrote it;
#   - a PostgreSQL store in a throwaway cluster (initdb + pg_ctl, as the postgres user when run as root), then
#     `pg_dump --schema=sdembed --inserts --no-owner --no-privileges`: postgres-store.sql, plain statements a JDBC
#     connection can run (psql's \restrict lines are dropped).
# The library's folder, different on every run, is written /previous-release/samples in both files.
# Needs: a built checkout, sqlite3, PostgreSQL server binaries with pgvector (scripts/install-prerequisites.sh).
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -ne 1 ]; then
  echo "usage: scripts/write-store-fixtures.sh OUT_DIR" >&2
  exit 2
fi
out="$1"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
command -v sqlite3 >/dev/null || { echo "write-store-fixtures: sqlite3 is missing (apt-get install sqlite3)" >&2; exit 2; }
pg_bin="${SDEMBED_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
[ -x "$pg_bin/initdb" ] || { echo "write-store-fixtures: no PostgreSQL binaries in '$pg_bin'" >&2; exit 2; }

work="$(mktemp -d -t sdembed-fixtures.XXXXXX)"
chmod 755 "$work"
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
cleanup() {
  if [ -f "$work/pg/data/postmaster.pid" ]; then
    "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

samples="$work/samples"
placeholder="/previous-release/samples"
"$home/bin/sdembed" samples "$samples" --count 12 >/dev/null
version="$("$home/bin/sdembed" --version)"

# Embedded store.
"$home/bin/sdembed" index "$samples" --store "$work/embedded" >/dev/null 2>&1
db="$work/embedded/sdembed.db"
{
  echo "-- An sdembed embedded store (sdembed.db) as $version wrote it: the first 12 images of"
  echo "-- \`sdembed samples\` indexed with bge-small-en-v1.5 (slot prompt_bge). Written by scripts/write-store-fixtures.sh."
  echo "PRAGMA page_size = $(sqlite3 "$db" 'PRAGMA page_size');"
  sqlite3 "$db" .dump | sed "s#$samples#$placeholder#g"
  echo "PRAGMA user_version = $(sqlite3 "$db" 'PRAGMA user_version');"
  echo "PRAGMA journal_mode = $(sqlite3 "$db" 'PRAGMA journal_mode');"
} >"$out/embedded-store.sql"

# PostgreSQL store.
mkdir -p "$work/pg"
[ ${#as_postgres[@]} -gt 0 ] && chown postgres "$work/pg"
"${as_postgres[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"$pg_bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE sdembed"
url="postgresql://postgres@127.0.0.1:$port/sdembed"
"$home/bin/sdembed" index "$samples" --store "$url" >/dev/null 2>&1
{
  echo "-- An sdembed PostgreSQL store (schema sdembed) as $version wrote it: the first 12 images of"
  echo "-- \`sdembed samples\` indexed with bge-small-en-v1.5 (slot prompt_bge). Written by scripts/write-store-fixtures.sh"
  echo "-- with pg_dump $("$pg_bin/pg_dump" --version | sed 's/^pg_dump //'); needs CREATE EXTENSION vector in the database first."
  "$pg_bin/pg_dump" -h 127.0.0.1 -p "$port" -U postgres -d sdembed --schema=sdembed --inserts --no-owner \
    --no-privileges | grep -v -E '^\\(un)?restrict ' | sed "s#$samples#$placeholder#g"
} >"$out/postgres-store.sql"

echo "write-store-fixtures: wrote $out/embedded-store.sql and $out/postgres-store.sql ($version)"
