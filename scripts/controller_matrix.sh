#!/bin/bash
# make controller-matrix: the controller-side tests on every other ansible-core release the
# collection declares (scripts/controller-matrix.txt; the main venv's 2.19 runs them in make units
# and make playbooks): the unit tests of the collection copy, then tests/roles (syntax check of
# every playbook, site.yml stopping in preflight on bad models, the validate playbook accepting the
# example inventories). No container, no lab. Needs the collection copy (make collection).
# TCM_MATRIX_JOBS releases run at once (default 2: the tests are single-threaded ansible-playbook
# runs); each writes build/controller-matrix/core-<release>.log, printed in order at the end, with
# one line per release (rc, seconds). Fails when one release failed.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

JOBS="${TCM_MATRIX_JOBS:-2}"
LOG_DIR="$TCM_ROOT/build/controller-matrix"
PYTEST_OPTS=(-q -p no:cacheprovider)

bash "$TCM_ROOT/scripts/bootstrap.sh" --controller-matrix
[[ -d "$TCM_COLLECTION_DIR" ]] || bash "$TCM_ROOT/scripts/build_collection.sh"

# One release: units in the collection copy, then tests/roles with the venv's ansible-playbook (the
# tests run the one next to their interpreter). The copy is built once, above: the tests must not
# rebuild it while another release reads it.
run_release() {
    local core=$1 venv=$2 start=$SECONDS rc=0
    echo "=== ansible-core $core ($("$venv/bin/python" -c 'import platform; print(platform.python_version())'), $venv)"
    # Two subshells, each its own verdict: errexit does not apply inside a subshell on the left of ||,
    # so one subshell running both would report only the second's exit code (a units failure was lost).
    (
        export PATH="$venv/bin:$PATH" TCM_COLLECTION_BUILT=1
        cd "$TCM_COLLECTION_DIR"
        PYTHONPATH="$TCM_COLLECTIONS_DIR" "$venv/bin/python" -m pytest "${PYTEST_OPTS[@]}" tests/unit
    ) || rc=$?
    (
        export PATH="$venv/bin:$PATH" TCM_COLLECTION_BUILT=1
        cd "$TCM_ROOT"
        "$venv/bin/python" -m pytest "${PYTEST_OPTS[@]}" tests/roles
    ) || rc=$((rc ? rc : $?))
    echo "ansible-core $core: rc=$rc $((SECONDS - start))s" >"$LOG_DIR/core-$core.result"
    return "$rc"
}

rm -rf "$LOG_DIR"
mkdir -p "$LOG_DIR"
start_all=$SECONDS
cores=()
running=0
while read -r core venv; do
    cores+=("$core")
    if ((running >= JOBS)); then
        wait -n || true
        running=$((running - 1))
    fi
    run_release "$core" "$venv" >"$LOG_DIR/core-$core.log" 2>&1 &
    running=$((running + 1))
done < <(bash "$TCM_ROOT/scripts/bootstrap.sh" --list-controller-matrix)
wait || true

failed=0
for core in "${cores[@]}"; do
    cat "$LOG_DIR/core-$core.log"
done
echo "=== controller matrix: ${#cores[@]} releases in $((SECONDS - start_all))s ($JOBS at a time)"
for core in "${cores[@]}"; do
    if [[ -f "$LOG_DIR/core-$core.result" ]]; then
        cat "$LOG_DIR/core-$core.result"
        grep -q ' rc=0 ' "$LOG_DIR/core-$core.result" || failed=$((failed + 1))
    else
        echo "ansible-core $core: no result"
        failed=$((failed + 1))
    fi
done
((failed == 0))
