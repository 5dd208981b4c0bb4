#!/bin/bash
# make docs: the collection's documentation site, offline, in build/docs/html (issue 15).
#   antsibull-docs sphinx-init --use-current writes a Sphinx project for tibero.cm (from the
#   collection copy on ANSIBLE_COLLECTIONS_PATH, scripts/build_collection.sh), antsibull-docs
#   collection renders the RST, sphinx-build -W turns it into HTML. Intersphinx is switched off:
#   its inventories (Python, Jinja, Ansible docs) would be fetched from the network.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[docs] %s\n' "$*" >&2; }

start=$SECONDS
python -m pip install -q --disable-pip-version-check -r "$TCM_ROOT/scripts/requirements-docs.txt"
[[ -d "$TCM_COLLECTION_DIR" ]] || bash "$TCM_ROOT/scripts/build_collection.sh"

site="$TCM_ROOT/build/docs/site"
rm -rf "$site" "$TCM_ROOT/build/docs/html"
# antsibull-docs writes only into a directory that nobody else can write to.
mkdir -p -m 0700 "$site"
chmod 0700 "$site"
log "antsibull-docs sphinx-init"
antsibull-docs sphinx-init --use-current --dest-dir "$site" --fail-on-error \
    --project tibero.cm --copyright 'tibero.cm contributors' \
    --title 'tibero.cm documentation' --html-short-title tibero.cm tibero.cm >/dev/null
cat >>"$site/conf.py" <<'PY'

# Offline build (scripts/docs_build.sh): no intersphinx inventories from the network.
extensions = [e for e in extensions if e != 'sphinx.ext.intersphinx']
intersphinx_mapping = {}
PY
mkdir -p -m 0700 "$site/rst"
log "antsibull-docs collection"
(cd "$site" && antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything \
    --use-current --fail-on-error --dest-dir rst tibero.cm)
# The generated pages refer to two labels of the Ansible documentation, which intersphinx would
# resolve online; an orphan page defines them here and links to the pages they stand for.
cat >"$site/rst/ansible_references.rst" <<'RST'
:orphan:

References to the Ansible documentation
=======================================

.. _ansible_configuration_settings:

Ansible configuration settings
------------------------------

See `Ansible Configuration Settings <https://docs.ansible.com/ansible/latest/reference_appendices/config.html>`_.

.. _common_return_values:

Return values common to all modules
-----------------------------------

See `Return Values <https://docs.ansible.com/ansible/latest/reference_appendices/common_return_values.html>`_.
RST
log "sphinx-build"
sphinx-build -q -b html -W --keep-going -c "$site" "$site/rst" "$TCM_ROOT/build/docs/html"
log "build/docs/html/index.html written in $((SECONDS - start))s"
