#!/usr/bin/env bash
# Install Debian packages non-interactively, waiting for another apt/dpkg run to finish.
#
# Usage: scripts/apt-install.sh PACKAGE...
# Needs root (or passwordless sudo). Reads no stdin, so it works in CI.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 PACKAGE..." >&2
    exit 2
fi

export DEBIAN_FRONTEND=noninteractive
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n env DEBIAN_FRONTEND=noninteractive)
    else
        echo "apt-install: need root to install: $*" >&2
        echo "apt-install: install them yourself (apt-get install $*) and run again." >&2
        exit 1
    fi
fi

# apt-get waits on the dpkg lock for DPkg::Lock::Timeout seconds; `apt-get update` takes
# the lists lock, which that option does not always cover, so lock errors are retried here.
APT=("${SUDO[@]}" apt-get -q -y -o DPkg::Lock::Timeout=1200
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

retry_on_lock() {
    local log deadline=$((SECONDS + 1200))
    log=$(mktemp)
    while true; do
        if "$@" </dev/null 2> >(tee "$log" >&2); then
            rm -f "$log"
            return 0
        fi
        sleep 1 # let the tee above flush
        if grep -qiE 'lock|another process' "$log" && [ "$SECONDS" -lt "$deadline" ]; then
            echo "apt-install: apt is busy (another install running); waiting..." >&2
            sleep 5
            continue
        fi
        rm -f "$log"
        return 1
    done
}

echo "apt-install: installing $*" >&2
retry_on_lock "${APT[@]}" update
retry_on_lock "${APT[@]}" install "$@"
