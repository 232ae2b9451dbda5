#!/bin/sh
# Make sure the Debian packages the integration tests drive for real are installed: each entry is
# "package:binary". Root on Debian/Ubuntu installs what is missing with one apt-get call; anyone else
# gets the command to run. CHROMIUM_PATH points the browser tests at another Chromium/Chrome binary.
set -eu

PACKAGES="chromium:${CHROMIUM_PATH:-/usr/bin/chromium} openssh-server:/usr/sbin/sshd prometheus:/usr/bin/promtool tmux:/usr/bin/tmux redis-server:/usr/bin/redis-server"

if [ -n "${CHROMIUM_PATH:-}" ] && [ ! -x "$CHROMIUM_PATH" ]; then
  echo "ensure-packages: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
  exit 1
fi

missing=""
for entry in $PACKAGES; do
  package="${entry%%:*}"
  binary="${entry#*:}"
  [ -x "$binary" ] || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

if [ -n "${CHROMIUM_PATH:-}" ]; then
  # A custom Chromium is never replaced by Debian's.
  missing="$(echo "$missing" | tr ' ' '\n' | grep -vx chromium | tr '\n' ' ')"
  [ -z "$(echo "$missing" | tr -d ' ')" ] && exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-packages: installing Debian packages for the integration tests:$missing (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq $missing >/dev/null
  for entry in $PACKAGES; do
    binary="${entry#*:}"
    if [ ! -x "$binary" ]; then
      echo "ensure-packages: apt-get finished but $binary is still missing" >&2
      exit 1
    fi
  done
  exit 0
fi

cat >&2 <<MSG
ensure-packages: the integration tests need Debian packages that are not installed:$missing
Install them, e.g.:
  sudo apt-get update && sudo apt-get install -y$missing
(or point CHROMIUM_PATH at an existing Chromium/Chrome binary for the browser tests).
MSG
exit 1
