#!/usr/bin/env bash
# Creates (idempotently) the benchmark venv that holds the reference SAR:
# microsoft recommenders 1.2.1, which needs numpy < 2 (it uses np.NaN).
#
# recommenders' declared dependencies pull in transformers, cornac, lightgbm,
# notebook, locust... none of which sar_singlenode, python_splitters or
# python_evaluation import. So it is installed with --no-deps, plus only what
# those three modules import (numpy, pandas, scipy, scikit-learn), pinned to
# releases that work with numpy 1.26. Our own recommender/ must run on them
# too; bench/parity.py puts the repo root on sys.path instead of installing it.
#
# Usage: bash bench/setup_reference_env.sh   (re-run is a quick no-op)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${REFERENCE_VENV:-$REPO_ROOT/.bench/reference-venv}"
PYTHON="${PYTHON:-python3}"

REFERENCE_PIN="recommenders==1.2.1"
DEPENDENCY_PINS=(
    "numpy==1.26.4"
    "pandas==2.2.3"
    "scipy==1.13.1"
    "scikit-learn==1.5.2"
    # bench/parity.py --distributed trains ours on a Dask LocalCluster (distributed_sar).
    "dask[distributed]==2026.8.0"
)
STAMP="$VENV/.reference-pins"
WANTED="$REFERENCE_PIN ${DEPENDENCY_PINS[*]}"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANTED" ]] \
    && "$VENV/bin/python" -c "import recommenders.models.sar, sklearn, distributed" 2>/dev/null; then
    echo "reference venv up to date: $VENV"
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${DEPENDENCY_PINS[@]}"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$REFERENCE_PIN"
"$VENV/bin/python" - <<'EOF'
import distributed, numpy, pandas, scipy, sklearn
from recommenders.models.sar import SAR  # noqa: F401
from recommenders.datasets.python_splitters import python_stratified_split  # noqa: F401
from recommenders.evaluation import python_evaluation  # noqa: F401
print("reference venv ready: numpy", numpy.__version__, "pandas", pandas.__version__,
      "scipy", scipy.__version__, "scikit-learn", sklearn.__version__)
EOF
echo "$WANTED" > "$STAMP"
