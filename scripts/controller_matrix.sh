#!/bin/bash
# make controller-matrix: the controller-side tests on every other ansible-core release the
# collection declares (scripts/controller-matrix.txt; the main venv's 2.19 runs them in make units
# and make playbooks): the unit tests of the collection copy, then tests/roles (syntax check of
# every playbook, site.yml stopping in preflight on bad models, the validate playbook accepting the
# example inventories). No container, no lab. Needs the collection copy (make collection).
# Ends with one line per release: rc and seconds; fails when one release failed.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

PYTEST_OPTS=(-q -p no:cacheprovider)
bash "$TCM_ROOT/scripts/bootstrap.sh" --controller-matrix

results=()
failed=0
start_all=$SECONDS
while read -r core venv; do
    echo "=== ansible-core $core ($("$venv/bin/python" -c 'import platform; print(platform.python_version())'), $venv)"
    start=$SECONDS
    rc=0
    # The venv's bin first: tests/roles runs ansible-playbook next to the interpreter running pytest.
    (
        export PATH="$venv/bin:$PATH"
        cd "$TCM_COLLECTION_DIR"
        PYTHONPATH="$TCM_COLLECTIONS_DIR" "$venv/bin/python" -m pytest "${PYTEST_OPTS[@]}" tests/unit
    ) || rc=$?
    if ((rc == 0)); then
        (
            export PATH="$venv/bin:$PATH"
            cd "$TCM_ROOT"
            "$venv/bin/python" -m pytest "${PYTEST_OPTS[@]}" tests/roles
        ) || rc=$?
    fi
    results+=("ansible-core $core: rc=$rc $((SECONDS - start))s")
    ((rc == 0)) || failed=$((failed + 1))
done < <(bash "$TCM_ROOT/scripts/bootstrap.sh" --list-controller-matrix)
echo "=== controller matrix ($((SECONDS - start_all))s)"
printf '%s\n' "${results[@]}"
((failed == 0))
