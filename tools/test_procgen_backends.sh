#!/usr/bin/env bash
# Run the procgen tests on Python 3.12 (procgen-mirror) and 3.13 (procgen-gym) in throwaway venvs,
# for real (no mocks). Needs pyenv's 3.12 and 3.13 and the package index. About 2 minutes.
# Usage: bash tools/test_procgen_backends.sh [PY312] [PY313]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py312=${1:-$HOME/.pyenv/versions/3.12.1/bin/python}
py313=${2:-$HOME/.pyenv/versions/3.13.0/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for py in "$py312" "$py313"; do
    venv="$work/$(basename "$(dirname "$(dirname "$py")")")"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q numpy==2.4.6 gymnasium==1.4.0 pandas tqdm pytest imageio pillow matplotlib
    if "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 13))'; then
        "$venv/bin/python" -m pip install -q procgen-gym==0.1.1
    else
        "$venv/bin/python" -m pip install -q --no-deps procgen-mirror==0.10.7 gym3==0.3.3 gym==0.26.2
        "$venv/bin/python" -m pip install -q cffi==1.17.1 gym-notices==0.1.0 cloudpickle
    fi
    (cd "$root" && PYTHONPATH=src "$venv/bin/python" -m pytest -q -o addopts="" tests/test_procgen_state.py tests/test_procgen_env.py)
done
