#!/bin/sh
# The Node package's tests, run by `make check`. Without node (or npm to
# install koffi) they are skipped with a message. OFFLOG_LIBRARY may name
# the library to test; by default the build/ directory above is used.
set -eu
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1; then
	echo "bindings/node: node not found, Node binding tests skipped"
	exit 0
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
	echo "bindings/node: node $(node --version) is older than 18, Node binding tests skipped"
	exit 0
fi
if [ ! -d node_modules/koffi ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "bindings/node: npm not found to install koffi, Node binding tests skipped"
		exit 0
	fi
	# koffi's prebuilt binary comes in a package of its own: no install script is needed.
	npm ci --offline --ignore-scripts --no-audit --no-fund >/dev/null 2>&1 ||
		npm ci --ignore-scripts --no-audit --no-fund
fi
exec node --test test/*.test.js
