#!/usr/bin/env bash
# Installs rp2 from PyPI into .tools/python (pinned), the cost-basis oracle of
# domain/tests/rp2_oracle.rs and rp2_ledger_oracle.rs. Safe to rerun: does nothing when that version is there.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.7.2
target=.tools/python
check="import importlib.metadata as m, sys; sys.exit(m.version('rp2') != '$version')"
if PYTHONPATH="$target" python3 -c "$check" 2>/dev/null; then
  echo "rp2 $version already in $target"
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check --target "$target" --upgrade "rp2==$version"
PYTHONPATH="$target" python3 -c "import importlib.metadata as m; print('rp2', m.version('rp2'), 'in $target')"
