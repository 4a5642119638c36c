#!/usr/bin/env sh
# Stop early, with a clear message, on a Python older than 3.11.
"${1:-python3}" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null && exit 0
echo "Talkoot needs Python 3.11 or newer as '${1:-python3}' (try: make PYTHON=python3.11 ...)" >&2
exit 1
