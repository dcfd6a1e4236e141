#!/usr/bin/env bash
# Installs what a fresh machine (Rust toolchain, gcc, Python, Node, npm) lacks
# to build and test DAiFi: protoc and OpenSSL headers (networking crates), mold
# (linker), the wasm32v1-none target and rust-src (the runtime's wasm), and the
# end-to-end tests' npm packages (exact versions from the committed lockfile).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v protoc >/dev/null || need_apt+=(protobuf-compiler)
command -v mold >/dev/null || need_apt+=(mold)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "setup: installing ${need_apt[*]} (Debian)"
	sudo_cmd=""
	[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

rustup target list --installed | grep -qx wasm32v1-none || rustup target add wasm32v1-none
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src

if [ ! -d scripts/e2e/node_modules ] || [ scripts/e2e/package-lock.json -nt scripts/e2e/node_modules ]; then
	echo "setup: installing the end-to-end tests' npm packages"
	(cd scripts/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
