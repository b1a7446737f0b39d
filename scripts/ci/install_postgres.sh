#!/usr/bin/env bash
# PostgreSQL 15 (Debian 12's) with pgvector 0.8 built from Debian 13's source package, for the tests of the
# PostgreSQL backend (tests/postgres.py starts a throw-away cluster). Needs root and Debian's archive; does
# nothing when pgvector is already installed. Debian 12 ships pgvector 0.4, which lacks hnsw.iterative_scan
# (0.8): filtered HNSW queries would return fewer than k rows. Takes about a minute on 2 cores.
set -euo pipefail
PG=15
PG_CONFIG=/usr/lib/postgresql/$PG/bin/pg_config
if [ -f "/usr/share/postgresql/$PG/extension/vector.control" ]; then
  echo "pgvector already installed"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "postgresql-$PG" "postgresql-server-dev-$PG" make gcc >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private apt state holding only trixie's source index: the system's sources and lists stay untouched.
mkdir -p "$work/parts" "$work/lists/partial"
cat >"$work/parts/trixie-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::State::Lists=$work/lists")
apt-get "${apt_opts[@]}" update -qq
(cd "$work" && apt-get "${apt_opts[@]}" source --download-only -qq pgvector)
tar -xzf "$work"/pgvector_*.orig.tar.gz -C "$work"
cd "$work"/pgvector-*/
# OPTFLAGS="" as Debian builds it: no -march=native, so the build runs on any x86-64.
make -s -j2 OPTFLAGS="" PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
echo "pgvector $(grep default_version vector.control | cut -d"'" -f2) installed for PostgreSQL $PG"
