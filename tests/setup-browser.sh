#!/usr/bin/env bash
# Installs what the console's browser tests drive: Debian's Chromium and
# ChromeDriver. Does nothing when both are already there.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "the console's browser tests need Chromium and ChromeDriver; install them (set CHROMIUM and CHROMEDRIVER to their paths)," >&2
    echo "or set LEVER_NAMELY_SKIP_BROWSER_TESTS=1 to skip those tests" >&2
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "== installing chromium and chromium-driver for the console's browser tests"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q chromium chromium-driver >/dev/null \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium chromium-driver >/dev/null; }
