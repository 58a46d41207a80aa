# Shared helpers for scripts/dextbed.  Sourced, not run.

DEXTBED_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Everything fetched or built outside the repo lives in one cache, shared by
# every checkout on the machine, so a fresh clone does not rebuild QEMU.
DEXTBED_CACHE=${DEXTBED_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/dextbed}
DEXTBED_BUILD=${DEXTBED_BUILD:-$DEXTBED_ROOT/build}
# The Debian python that sees Debian's packages (meson, pycotap).
DEXTBED_PYTHON=/usr/bin/python3

QEMU_SERIES=10.0
QEMU_SUITE=trixie
QEMU_BUILD_DIR=$DEXTBED_CACHE/qemu-build
QEMU_BIN=$QEMU_BUILD_DIR/qemu-system-x86_64

say()  { printf 'dextbed: %s\n' "$*"; }
warn() { printf 'dextbed: warning: %s\n' "$*" >&2; }
die()  { printf 'dextbed: error: %s\n' "$*" >&2; exit 1; }

# run_logged LOG STEP CMD...: run CMD with its output in LOG; on failure name
# the step and the log, and show the log's tail.
run_logged() {
    local log=$1 step=$2
    shift 2
    mkdir -p "$(dirname "$log")"
    if ! "$@" >"$log" 2>&1; then
        printf 'dextbed: error: %s failed; last lines of %s:\n' "$step" "$log" >&2
        tail -n 25 "$log" | sed 's/^/    /' >&2
        printf 'dextbed: error: %s failed (full log: %s)\n' "$step" "$log" >&2
        exit 1
    fi
}
