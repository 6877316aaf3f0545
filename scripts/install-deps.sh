#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs every Debian package synq's build, tests, demo and benchmarks need.
# Idempotent: packages already there are left alone, and it says what it did.
#   scripts/install-deps.sh               update the package lists, install what is missing
#   scripts/install-deps.sh --if-missing  do nothing at all when everything is installed
set -eu

packages=(
	# build: compilers, libbpf + skeletons, libxdp, ELF, terminal UI, unit tests
	make gcc clang llvm bpftool libbpf-dev libxdp-dev libelf-dev zlib1g-dev pkg-config
	libncurses-dev libcmocka-dev
	# make fuzz: libFuzzer and the sanitizers' runtimes for clang
	libclang-rt-14-dev
	# tests, demo and benchmarks: namespaces, real clients and servers, captures
	iproute2 iputils-ping ethtool procps util-linux curl wrk nginx tshark tcpdump tmux jq python3
	gnuplot-nox
	# the lifecycle test: kill -9 at every system call (strace -e inject)
	strace
	# make install and its tests: man pages from --help, rendering them, completion, units
	help2man man-db groff-base bash-completion systemd
	# synq export: a Prometheus server for its end-to-end test, promtool for the alert rules
	prometheus
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	[ "${1:-}" = --if-missing ] || echo "install-deps: all ${#packages[@]} packages already installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive	# tshark asks a question otherwise

# Packages with a service (prometheus) start it on install where systemd runs. The tests
# start their own servers on ports of their own: no daemon may be left running. A
# policy-rc.d that answers 101 forbids invoke-rc.d and deb-systemd-invoke to start any.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# install-deps: no service starts while packages install\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Nor at the next boot.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl > /dev/null; then
	systemctl disable --now prometheus > /dev/null 2>&1 || true
fi
echo "install-deps: installed ${#missing[@]} package(s)"
