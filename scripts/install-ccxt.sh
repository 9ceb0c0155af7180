#!/usr/bin/env bash
# Installs ccxt from PyPI into .tools/python (pinned), the signing oracle of the Binance tests
# (api/tests/it/binance_ccxt.rs). Safe to rerun: does nothing when that version is there.
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.5.90
target=.tools/python
if PYTHONPATH="$target" python3 -c "import ccxt, sys; sys.exit(ccxt.__version__ != '$version')" 2>/dev/null; then
  echo "ccxt $version already in $target"
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check --target "$target" --upgrade "ccxt==$version"
PYTHONPATH="$target" python3 -c "import ccxt; print('ccxt', ccxt.__version__, 'in $target')"
