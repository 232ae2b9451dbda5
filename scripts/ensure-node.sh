#!/bin/sh
# Prints the bin directory of Node.js VERSION (e.g. 22.23.5), fetching the official binary from the npm
# registry's node-<platform>-<arch> package into .cache/node/ the first time. No system change: CI
# puts the directory first on PATH to run the test command under that Node.
set -eu

VERSION="${1:?usage: scripts/ensure-node.sh VERSION}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
case "$(uname -m)" in
  x86_64 | amd64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) echo "ensure-node: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
case "$(uname -s)" in
  Linux) OS=linux ;;
  Darwin) OS=darwin ;;
  *) echo "ensure-node: unsupported system $(uname -s)" >&2; exit 1 ;;
esac
DIR="$ROOT/.cache/node/$VERSION-$OS-$ARCH"

if [ ! -x "$DIR/bin/node" ]; then
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  echo "ensure-node: fetching node-$OS-$ARCH@$VERSION from the npm registry..." >&2
  (cd "$TMP" && npm pack --silent "node-$OS-$ARCH@$VERSION" >/dev/null)
  mkdir -p "$TMP/unpacked"
  tar -xzf "$TMP"/node-*.tgz -C "$TMP/unpacked"
  rm -rf "$DIR"
  mkdir -p "$(dirname "$DIR")"
  mv "$TMP/unpacked/package" "$DIR"
fi

"$DIR/bin/node" --version >/dev/null
echo "$DIR/bin"
