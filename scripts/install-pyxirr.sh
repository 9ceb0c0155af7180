#!/usr/bin/env bash
# Installs pyxirr from PyPI into .tools/python (pinned), the money-weighted-return oracle of
# domain/tests/returns_oracle.rs. Safe to rerun: does nothing when that version is there.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.10.8
target=.tools/python
check="import importlib.metadata as m, sys; sys.exit(m.version('pyxirr') != '$version')"
if PYTHONPATH="$target" python3 -c "$check" 2>/dev/null; then
  echo "pyxirr $version already in $target"
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check --target "$target" --upgrade "pyxirr==$version"
PYTHONPATH="$target" python3 -c "import importlib.metadata as m; print('pyxirr', m.version('pyxirr'), 'in $target')"
