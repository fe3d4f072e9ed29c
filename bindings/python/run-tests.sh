#!/bin/sh
# The Python package's tests, as `make check` runs them (with OFFLOG_LIBRARY
# set to the library it built). Without python3 (3.8 or newer) they are
# skipped with a message.
cd "$(dirname "$0")" || exit 1
if ! command -v python3 >/dev/null 2>&1; then
	echo "bindings/python: python3 not found: tests skipped"
	exit 0
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 8))'; then
	echo "bindings/python: python3 is older than 3.8: tests skipped"
	exit 0
fi
exec python3 -m unittest discover -s tests -t tests "$@"
