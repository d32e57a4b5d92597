#!/usr/bin/env bash
# Builds the local stand-ins for node:20-bookworm-slim that the image test passes as BASE and
# BUILD_BASE (no registry to pull from here): Debian bookworm (debootstrap, minbase) with this
# machine's Node at /usr/local/bin/node, npm at /usr/local/lib/node_modules/npm and Node's headers
# at /usr/local/include/node — the official image's layout. BUILD_BASE adds python3, make and g++.
# Cached in $LINKWIRE_IMAGE_CACHE (default /var/tmp/linkwire-image-base); delete it to rebuild.
set -euo pipefail
CACHE=${LINKWIRE_IMAGE_CACHE:-/var/tmp/linkwire-image-base}
MIRROR=${LINKWIRE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$CACHE"

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # …/node_modules/npm
headers=""
for dir in "$(dirname "$(dirname "$node_bin")")/include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$dir/node.h" ]; then headers=$dir; break; fi
done
[ -n "$headers" ] || { echo "Node's headers (node.h) not found next to $node_bin" >&2; exit 1; }

with_node() {
  local root=$1
  install -D -m 755 "$node_bin" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
  rm -rf "$root/usr/local/lib/node_modules/npm" "$root/usr/local/include/node"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  cp -a "$headers" "$root/usr/local/include/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # The libraries this Node links (the official image's Node needs only Debian's libstdc++ and libc).
  chroot "$root" /usr/local/bin/node -e 'process.exit(0)'
}

if [ ! -f "$CACHE/run/.done" ]; then
  rm -rf "$CACHE/run"
  debootstrap --variant=minbase bookworm "$CACHE/run" "$MIRROR"
  with_node "$CACHE/run"
  chroot "$CACHE/run" apt-get clean
  rm -rf "$CACHE/run/var/lib/apt/lists/"*
  touch "$CACHE/run/.done"
fi
if [ ! -f "$CACHE/build/.done" ]; then
  rm -rf "$CACHE/build"
  cp -a "$CACHE/run" "$CACHE/build"
  rm -f "$CACHE/build/.done"
  cp /etc/resolv.conf "$CACHE/build/etc/resolv.conf"
  chroot "$CACHE/build" sh -c "echo 'deb $MIRROR bookworm main' > /etc/apt/sources.list && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ && apt-get clean && rm -rf /var/lib/apt/lists/*"
  touch "$CACHE/build/.done"
fi

import() {
  local name=$1 root=$2
  if buildah inspect --type image "$name" >/dev/null 2>&1; then return; fi
  local ctr mnt
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  tar -C "$root" --exclude=./.done -cf - . | tar -C "$mnt" -xf -
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$ctr"
  buildah commit --quiet "$ctr" "$name" >/dev/null
  buildah rm "$ctr" >/dev/null
}
import localhost/linkwire-test-base "$CACHE/run"
import localhost/linkwire-test-build-base "$CACHE/build"
echo "stand-in bases: localhost/linkwire-test-base, localhost/linkwire-test-build-base"
