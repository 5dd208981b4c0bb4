#!/bin/bash
# Copy the repository into build/collections/ansible_collections/tibero/cm, the layout that
# ansible-test, ansible-doc, ansible-lint and the unit tests need (a real directory, not a symlink).
# Only what the collection ships or tests: the lab, the benchmark, the scripts, caches and VCS data
# stay out. rsync --delete keeps the copy exact, so a file removed from the repo leaves the copy too.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

mkdir -p "$TCM_COLLECTION_DIR"
rsync -a --delete --delete-excluded \
    --exclude='/lab/' --exclude='/bench/' --exclude='/scripts/' \
    --exclude='/.venv/' --exclude='/build/' --exclude='/.git/' --exclude='/.cache/' \
    --exclude='/tests/output/' --exclude='/molecule/*/.cache/' \
    --exclude='__pycache__/' --exclude='*.pyc' --exclude='.pytest_cache/' \
    "$TCM_ROOT/" "$TCM_COLLECTION_DIR/"
echo "collection copied to $TCM_COLLECTION_DIR" >&2
