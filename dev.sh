#!/usr/bin/env bash
# Developer entry point. Usage:
#   ./dev.sh setup          create .venv and install core + every plugin (editable)
#   ./dev.sh eval [ARGS]    setup, then the main job: nasplug eval (default: synflow, 100 cells
#                           on every installed NAS-Bench-201 task)
#   ./dev.sh test [ARGS]    setup, then the whole test suite (pytest ARGS)
#   ./dev.sh lint           setup, then ruff check . and mypy (configured in pyproject.toml)
#   ./dev.sh bench NAME     setup, then python benchmarks/NAME.py
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV=${NASPLUG_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

# Dev tooling falls back to the shared benchmark data beside the checkout.
if [ -z "${NASPLUG_DATA:-}" ] && [ -d "$ROOT/../shared/data" ]; then
  export NASPLUG_DATA="$(cd "$ROOT/../shared/data" && pwd)"
fi
# Keep the score store of dev runs inside the checkout (ignored by git).
export NASPLUG_CACHE=${NASPLUG_CACHE:-$ROOT/.nasplug-cache}

distributions() {
  echo "."
  for d in plugins/*/ contrib_predictors/*/; do
    [ -f "$d/pyproject.toml" ] && echo "${d%/}"
  done
}

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "creating virtual environment $VENV"
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.nasplug-installed"
  local want
  want=$( (cat constraints.txt; for d in $(distributions); do echo "$d"; cat "$d/pyproject.toml"; done) | sha1sum | cut -c1-40)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "installing the versions of constraints.txt (torch, torchvision, ray, xgboost, test and lint tools), nasplug and its plugins into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt \
    torch torchvision ray matplotlib setuptools wheel pytest hypothesis scikit-learn xgboost ruff mypy build twine
  local args=()
  for d in $(distributions); do args+=(-e "$d"); done
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt --no-build-isolation "${args[@]}"
  echo "$want" > "$stamp"
}

cmd=${1:-help}
shift || true
case "$cmd" in
  setup) setup ;;
  eval)
    setup
    # Without NASPLUG_DATA (and no ../shared/data) the plugins' packaged tables and the core's
    # packaged CIFAR sample are used (see README, "Data").
    if [ $# -eq 0 ]; then
      set -- --predictor synflow --benchmark nasbench201/cifar10 --benchmark nasbench201/cifar100 \
             --benchmark nasbench201/ImageNet16-120 --test-size 100
    fi
    exec "$VENV/bin/nasplug" eval "$@"
    ;;
  test)
    setup
    exec "$VENV/bin/python" -m pytest -q "$@"
    ;;
  lint)
    setup
    "$VENV/bin/ruff" check .
    exec "$VENV/bin/mypy"
    ;;
  bench)
    setup
    name=${1:?usage: ./dev.sh bench NAME}; shift
    exec "$VENV/bin/python" "benchmarks/$name.py" "$@"
    ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    ;;
esac
