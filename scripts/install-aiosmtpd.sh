#!/usr/bin/env bash
# Installs aiosmtpd from PyPI into .tools/python (pinned): the real SMTP server the alert
# e-mail tests (api/tests/it/alerts_email.rs) run on loopback. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.4.6
target=.tools/python
check="import importlib.metadata as m, sys; sys.exit(m.version('aiosmtpd') != '$version')"
if PYTHONPATH="$target" python3 -c "$check" 2>/dev/null; then
  echo "aiosmtpd $version already in $target"
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check --target "$target" --upgrade "aiosmtpd==$version"
PYTHONPATH="$target" python3 -c "import importlib.metadata as m; print('aiosmtpd', m.version('aiosmtpd'), 'in $target')"
