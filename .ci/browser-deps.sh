#!/bin/sh
# Installs Debian's chromium for the browser tests (tests/test_browser.py).
# Playwright drives it at /usr/bin/chromium; Playwright never downloads a browser
# (never run `playwright install`). Called by .ci/run as root.
set -eu
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium fonts-noto-cjk
