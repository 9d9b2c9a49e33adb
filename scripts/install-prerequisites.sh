#!/usr/bin/env bash
# Installs what sdembed's tests need on a Debian machine, and nothing when it is all present:
#   - the PostgreSQL server (postgresql-$PG_MAJOR),
#   - Chromium and its WebDriver (Debian's chromium and chromium-driver) for the server's browser test, which drives
#     /usr/bin/chromium through /usr/bin/chromedriver (nothing is downloaded at test time),
#   - zsh, which the shell completion test loads the zsh script into (bash is there anyway),
#   - pgvector >= $PGVECTOR_MIN, built from Debian 13 (trixie)'s source package against postgresql-server-dev-$PG_MAJOR
#     (Debian 12 has no binary package for it).
# The machine's apt sources are never changed: trixie's source index is fetched with a throwaway apt configuration
# under a temporary directory that is deleted on exit.
# Runs as root, or as a user with sudo. Override the server version with SDEMBED_PG_MAJOR (default 15).
set -euo pipefail

PG_MAJOR="${SDEMBED_PG_MAJOR:-15}"
# 0.8.0 brings iterative index scans (hnsw.iterative_scan), which filtered searches rely on; halfvec came in 0.7.
PGVECTOR_MIN="0.8.0"
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
TRIXIE_SOURCES="deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main"

say() { echo "install-prerequisites: $*"; }
die() { echo "install-prerequisites: ERROR: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  SUDO=(missing-sudo)
fi

as_root() {
  [ "${SUDO[0]:-}" = missing-sudo ] && die "need root to run: $* (run this script as root or install sudo)"
  "${SUDO[@]}" "$@"
}

# version_ge A B: true when version A >= version B (dotted numbers).
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

apt_updated=no
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "missing $*; this script installs packages on Debian only (apt-get not found)"
  if [ "$apt_updated" = no ]; then
    as_root apt-get update -qq
    apt_updated=yes
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

installed_pgvector_version() {
  local control="$1/extension/vector.control" lib="$2/vector.so"
  [ -f "$control" ] && [ -f "$lib" ] || return 0
  sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$control"
}

# 1. PostgreSQL server
if [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/initdb" ]; then
  say "PostgreSQL $PG_MAJOR server present ($PG_BIN)"
else
  apt_install "postgresql-$PG_MAJOR"
fi

# 2. Chromium and chromedriver for the web page's browser test
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  say "chromium and chromedriver present"
else
  apt_install chromium chromium-driver
fi

# 3. zsh for the completion test
if command -v zsh >/dev/null 2>&1; then
  say "zsh present"
else
  apt_install zsh
fi

# 4. pgvector
PG_CONFIG="$PG_BIN/pg_config"
have=""
if [ -x "$PG_CONFIG" ]; then
  have="$(installed_pgvector_version "$("$PG_CONFIG" --sharedir)" "$("$PG_CONFIG" --pkglibdir)")"
fi
if [ -n "$have" ] && version_ge "$have" "$PGVECTOR_MIN"; then
  say "pgvector $have present"
  exit 0
fi
say "pgvector ${have:-absent}; building >= $PGVECTOR_MIN from Debian trixie's source package"

missing=()
dpkg -s "postgresql-server-dev-$PG_MAJOR" >/dev/null 2>&1 || missing+=("postgresql-server-dev-$PG_MAJOR")
dpkg -s build-essential >/dev/null 2>&1 || missing+=(build-essential)
dpkg -s dpkg-dev >/dev/null 2>&1 || missing+=(dpkg-dev)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

work="$(mktemp -d -t sdembed-pgvector.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
echo "$TRIXIE_SOURCES" > "$work/sources.list"
# Every apt path that would be written points into $work: the system's lists, caches and sources stay untouched.
apt_tmp=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
         -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
         -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
         -o "APT::Sandbox::User=$(id -un)")
say "fetching trixie's source index into a temporary apt configuration"
apt-get "${apt_tmp[@]}" update -qq
(cd "$work/src" && apt-get "${apt_tmp[@]}" source --download-only -qq pgvector >/dev/null)
dsc="$(ls "$work"/src/pgvector_*.dsc | head -n1)"
[ -n "$dsc" ] || die "trixie's pgvector source package was not downloaded"
(cd "$work/src" && dpkg-source --no-check -x "$dsc" pgvector >/dev/null)
say "building $(basename "$dsc" .dsc) against PostgreSQL $PG_MAJOR"
make -s -C "$work/src/pgvector" PG_CONFIG="$PG_CONFIG" >/dev/null
as_root make -s -C "$work/src/pgvector" PG_CONFIG="$PG_CONFIG" install >/dev/null

have="$(installed_pgvector_version "$("$PG_CONFIG" --sharedir)" "$("$PG_CONFIG" --pkglibdir)")"
[ -n "$have" ] && version_ge "$have" "$PGVECTOR_MIN" || die "pgvector build finished but version '${have}' is installed"
say "pgvector $have installed into $("$PG_CONFIG" --pkglibdir)"
