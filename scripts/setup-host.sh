#!/bin/sh
# Prepare this machine for colcon deb, idempotently (sourced by demo.sh and
# test.sh; safe to run again and again):
#  - Debian packages: the Docker engine, debootstrap, git;
#  - a running Docker engine (started in the background if none answers);
#  - a virtualenv with this plugin and the test tools, readable by all users
#    (the tests also run colcon deb as an unprivileged user);
#  - the base image local/debian:bookworm, made with debootstrap if missing
#    (and, for the tests, local/debian:bookworm-arm64 and local/debian:trixie).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${COLCON_DEB_VENV:-/opt/colcon-deb-venv}
base_image=${COLCON_DEB_BASE_IMAGE:-local/debian:bookworm}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need=""
command -v dockerd >/dev/null || need="$need docker.io"
command -v debootstrap >/dev/null || need="$need debootstrap"
command -v gpg >/dev/null || need="$need gnupg"
if [ -n "${COLCON_DEB_FOREIGN_ARCH:-}" ]; then
    [ -x /usr/bin/qemu-aarch64-static ] || need="$need qemu-user-static"
    command -v update-binfmts >/dev/null || need="$need binfmt-support"
fi
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import venv, ensurepip' \
    2>/dev/null || need="$need python3-venv"
if [ -n "$need" ]; then
    echo "== installing:$need"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need
fi

sock=/var/run/docker.sock
engine_up() {
    python_bin=$1
    "$python_bin" - <<'PY' 2>/dev/null
import socket
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect('/var/run/docker.sock')
s.sendall(b'GET /_ping HTTP/1.0\r\n\r\n')
assert b'OK' in s.recv(1024)
PY
}
if ! engine_up /usr/bin/python3; then
    echo "== starting the Docker engine"
    as_root sh -c 'nohup /usr/sbin/dockerd > /var/log/colcon-deb-dockerd.log 2>&1 &'
    i=0
    until engine_up /usr/bin/python3; do
        i=$((i + 1))
        if [ "$i" -gt 60 ]; then
            echo "the Docker engine did not start; see /var/log/colcon-deb-dockerd.log" >&2
            exit 1
        fi
        sleep 1
    done
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $venv"
    as_root /usr/bin/python3 -m venv "$venv"
fi
echo "== installing colcon-deb-docker into $venv"
as_root "$venv/bin/pip" install -q --disable-pip-version-check \
    "$repo[test]"
as_root chmod -R a+rX "$venv"

if ! "$venv/bin/python" -c "
import docker, sys
sys.exit(0 if docker.from_env().images.list(name='$base_image') else 1)"
then
    echo "== making the base image $base_image (debootstrap, about a minute)"
    as_root "$venv/bin/colcon-deb-base-image" --tag "$base_image"
fi
# A foreign architecture (the tests use arm64): QEMU user emulation through
# binfmt_misc, and a base image of that architecture.
if [ -n "${COLCON_DEB_FOREIGN_ARCH:-}" ]; then
    arch=$COLCON_DEB_FOREIGN_ARCH
    qemu=$(case "$arch" in arm64) echo aarch64 ;; armhf) echo arm ;;
           *) echo "$arch" ;; esac)
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        as_root mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    fi
    as_root update-binfmts --enable "qemu-$qemu" 2>/dev/null || true
    if ! "$venv/bin/python" -c "
import docker, sys
sys.exit(0 if docker.from_env().images.list(name='$base_image-$arch') else 1)"
    then
        echo "== making the base image $base_image-$arch (debootstrap under emulation, a few minutes)"
        as_root "$venv/bin/colcon-deb-base-image" --arch "$arch" \
            --tag "$base_image-$arch"
    fi
fi
# A second distribution (the tests build for two, as one repository)
if [ -n "${COLCON_DEB_SECOND_SUITE:-}" ]; then
    second="local/debian:$COLCON_DEB_SECOND_SUITE"
    if ! "$venv/bin/python" -c "
import docker, sys
sys.exit(0 if docker.from_env().images.list(name='$second') else 1)"
    then
        echo "== making the base image $second (debootstrap, about a minute)"
        as_root "$venv/bin/colcon-deb-base-image" --tag "$second"
    fi
fi
export PATH="$venv/bin:$PATH"
