#!/usr/bin/env bash
# Install what the tests need (Debian packages, virtualenv) and run the whole test suite.
# Extra arguments go to pytest, e.g. ./test.sh -k dvh
set -euo pipefail
source "$(dirname "$0")/tools/bootstrap.sh"
bootstrap_rtreview test
cd "$RTREVIEW_ROOT"
exec "$RTREVIEW_VENV/bin/python" -m pytest -q "$@"
