#!/usr/bin/env bash
# Prepares the Python interpreter that the linkage reference test
# (crates/polso-core/tests/it/linkage_reference.rs) runs scipy with, and the
# linkage benchmark (cargo xtask bench) runs pandas and scipy with, and prints
# its path on stdout, so a caller can write:
#
#   POLSO_REFERENCE_PYTHON=$(bash scripts/python-reference-env.sh) cargo test -p polso-core -- --include-ignored
#
# It creates a virtual environment at target/reference-python (only when it is
# missing or lacks numpy, scipy or pandas) and installs them there with pip.
# Everything but the interpreter path goes to stderr. Needs python3 with the
# venv module (Debian: python3-venv). Override the interpreter that builds the
# environment with POLSO_BOOTSTRAP_PYTHON.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
venv_dir="${repo_root}/target/reference-python"
venv_python="${venv_dir}/bin/python"
bootstrap_python="${POLSO_BOOTSTRAP_PYTHON:-python3}"

has_packages() {
  [ -x "$venv_python" ] && "$venv_python" -c 'import numpy, scipy, pandas' >/dev/null 2>&1
}

if ! has_packages; then
  if ! command -v "$bootstrap_python" >/dev/null 2>&1; then
    echo "python-reference-env: '$bootstrap_python' not found; install python3 and python3-venv" >&2
    exit 1
  fi
  echo "python-reference-env: creating ${venv_dir} with numpy, scipy and pandas" >&2
  if [ ! -x "$venv_python" ]; then
    "$bootstrap_python" -m venv "$venv_dir" >&2
  fi
  "$venv_python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv_python" -m pip install --quiet --disable-pip-version-check 'numpy>=1.24' 'scipy>=1.11' 'pandas>=2' >&2
  if ! has_packages; then
    echo "python-reference-env: numpy, scipy and pandas still cannot be imported from ${venv_python}" >&2
    exit 1
  fi
fi

echo "$venv_python"
