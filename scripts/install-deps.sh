#!/bin/sh
# Install the Debian packages callbench builds and runs with.
# Idempotent: does nothing (and needs no network) when all are present.
# Usage: scripts/install-deps.sh        (as root, or with sudo available)
set -eu

PKGS="build-essential pkg-config
libvpx-dev libopus-dev libsrtp2-dev
libcunit1-dev libpcap-dev libjansson-dev libssl-dev
gnuplot-nox
libxdp-dev libbpf-dev iproute2 sockperf
libopenh264-dev libspeexdsp-dev libyuv-dev
clang libclang-rt-14-dev
libwebsockets-dev python3 python3-websockets
libgstreamer1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base
gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
ffmpeg"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "install-deps: missing packages:$missing" >&2
		echo "install-deps: run as root (or install sudo) to install them" >&2
		exit 1
	fi
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing </dev/null
