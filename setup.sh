#!/usr/bin/env bash
# Set up p5knn on a fresh Debian/Ubuntu machine: system packages, a venv, the package.
# Idempotent: re-running only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb xauth)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)   # py5 runs on Java 17+
if ((${#missing[@]})); then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/python -c "import p5knn, sys; print('p5knn', p5knn.__version__, 'ready in', sys.prefix)"
