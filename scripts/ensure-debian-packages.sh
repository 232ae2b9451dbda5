#!/bin/sh
# Make sure the Debian packages some integration tests drive are installed, e.g.
#   sh scripts/ensure-debian-packages.sh openssh-server redis-server
# Root installs the missing ones with apt-get (one `apt-get update` first); anyone else gets the command to
# run. Packages already installed cost one dpkg-query each, so `npm test` can call this every time.
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: sh scripts/ensure-debian-packages.sh PACKAGE..." >&2
  exit 2
fi

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "$@"; do
    installed "$package" || missing="$missing $package"
  done
else
  missing=" $*"
fi

if [ -z "$missing" ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian-packages: installing$missing for the integration tests (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  for package in $missing; do
    if ! installed "$package"; then
      echo "ensure-debian-packages: apt-get finished but $package is still not installed" >&2
      exit 1
    fi
  done
  exit 0
fi

cat >&2 <<MSG
ensure-debian-packages:$missing not installed; some integration tests need them (they skip, saying why).
Install them with, e.g.:
  sudo apt-get update && sudo apt-get install -y$missing
MSG
exit 0
