#!/usr/bin/env bash
# Set up p5knn: a Python 3.11–3.13, system packages py5 needs (Debian/Ubuntu), a venv in .venv,
# and the package with its test extras. Idempotent: re-running only does what is missing, and
# rebuilds a .venv made with a wrong (too old, too new) or broken Python.
#
#   bash setup.sh                       # picks python3.13, python3.12, python3.11 or python3
#   PYTHON=/path/to/python3.12 bash setup.sh      # this Python (the .venv is rebuilt with it)
#   P5KNN_SKIP_APT=1 bash setup.sh      # no apt-get: only say which system packages are missing
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'setup.sh: %s\n' "$*" >&2; }

# --------------------------------------------------------------------------- Python 3.11–3.13
# p5knn needs >= 3.11; 3.14 cannot install yet (JPype 1.6, which py5 needs, has no wheel).
version_of() {   # "3.12" for a working interpreter, nothing (and status 0) for anything else
    { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; } |
        head -n 1
}
supported() {    # is version $1 (e.g. "3.12") one p5knn installs on?
    case "$1" in 3.11|3.12|3.13) return 0 ;; *) return 1 ;; esac
}

tried=()
python=""
if [ -n "${PYTHON:-}" ]; then
    candidates=("$PYTHON")
else
    candidates=(python3.13 python3.12 python3.11 python3)
fi
for candidate in "${candidates[@]}"; do
    command -v "$candidate" >/dev/null 2>&1 || { tried+=("$candidate: not found"); continue; }
    version="$(version_of "$candidate")"
    if supported "$version"; then
        python="$candidate"
        break
    fi
    tried+=("$candidate: ${version:-does not run}")
done
if [ -z "$python" ]; then
    {
        echo "setup.sh: p5knn needs Python 3.11, 3.12 or 3.13; found none ($(IFS=';'; echo "${tried[*]}" | sed 's/;/; /g'))."
        echo "  Install one, then run setup.sh again:"
        echo "    Debian 12 / Ubuntu 22.04 or later:  sudo apt install python3.11 python3.11-venv"
        echo "    macOS (Homebrew):                   brew install python@3.12"
        echo "  or point setup.sh at one you have:    PYTHON=/path/to/python3.12 bash setup.sh"
    } >&2
    exit 1
fi
version="$(version_of "$python")"

# --------------------------------------------------------------------------- system packages
missing=()
case "$(uname -s)" in
    Linux)
        command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb xauth)   # py5 without a screen
        command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)   # py5: Java 17+
        # Debian's Pythons need their venv package for "python -m venv"
        "$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=("python$version-venv")
        ;;
    Darwin)
        command -v java >/dev/null 2>&1 || \
            say "py5 needs Java 17+: brew install openjdk@17 (or, once set up: .venv/bin/python -c \"import py5_tools; py5_tools.install_jdk()\")"
        ;;
esac
if ((${#missing[@]})); then
    if [ "${P5KNN_SKIP_APT:-0}" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
        say "not installing system packages (P5KNN_SKIP_APT set, or no apt-get); missing: ${missing[*]}"
    else
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        say "installing ${missing[*]} with apt-get"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

# --------------------------------------------------------------------------- .venv
# Kept when it runs a supported Python (and, with PYTHON=, the same version as PYTHON) and
# has pip; otherwise rebuilt. Nothing outside .venv is removed.
if [ -e .venv ] || [ -L .venv ]; then
    venv_version="$(version_of .venv/bin/python)"
    reason=""
    if [ -z "$venv_version" ]; then
        reason="its Python does not run (made by a Python that is gone, or broken)"
    elif ! supported "$venv_version"; then
        reason="it was made with Python $venv_version"
    elif [ -n "${PYTHON:-}" ] && [ "$venv_version" != "$version" ]; then
        reason="it has Python $venv_version and PYTHON=$PYTHON is $version"
    elif ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
        reason="it has no working pip"
    fi
    if [ -n "$reason" ]; then
        say "rebuilding .venv: $reason; using $python ($version)"
        rm -rf .venv
    fi
fi
if [ ! -e .venv ]; then
    if ! "$python" -m venv .venv || [ -z "$(version_of .venv/bin/python)" ]; then
        rm -rf .venv
        say "$python could not make a venv; on Debian/Ubuntu: sudo apt install python$version-venv"
        exit 1
    fi
fi

.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/python -c "import p5knn, sys; print('p5knn', p5knn.__version__, 'ready in', sys.prefix, 'with Python', sys.version.split()[0])"
echo "next: .venv/bin/p5knn demo   (or: source .venv/bin/activate, then p5knn demo)"
