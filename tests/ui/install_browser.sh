#!/usr/bin/env bash
# Installs what the dashboard's browser tests (tests/ui/test_browser.py) need on a fresh
# Debian machine: Debian's Chromium and ChromeDriver, and Selenium into the project venv.
# Selenium drives /usr/bin/chromium through /usr/bin/chromedriver given explicitly, so it
# never downloads a browser or a driver (this machine reaches only package registries).
# Idempotent; run from anywhere: `tests/ui/install_browser.sh` (CI: .ci/run).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q chromium chromium-driver fonts-liberation
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q 'selenium>=4.20,<5'

chromium --version
chromedriver --version
.venv/bin/python -c "import selenium; print('selenium', selenium.__version__)"
