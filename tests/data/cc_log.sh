#!/bin/sh
# A compiler for tests (CC="sh cc_log.sh"): appends one line per call to
# $PTO_TEST_CC_LOG, then runs cc with the same arguments.
echo "cc $*" >> "$PTO_TEST_CC_LOG"
exec cc "$@"
