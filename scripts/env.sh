# shellcheck shell=bash
# Sourced (never executed) by the project's scripts and by the Makefile's recipes:
#   . scripts/env.sh
# Sets the environment every tool of this repository runs with. Safe to source several times.

TCM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TCM_ROOT
export TCM_VENV="${TCM_VENV:-$TCM_ROOT/.venv}"
# The venv's interpreter: used for the controller (localhost), never for the lab containers.
export TCM_PYTHON="$TCM_VENV/bin/python"
# Where scripts/build_collection.sh puts the collection; ansible-test needs a real directory.
export TCM_COLLECTIONS_DIR="$TCM_ROOT/build/collections"
export TCM_COLLECTION_DIR="$TCM_COLLECTIONS_DIR/ansible_collections/tibero/cm"

case ":$PATH:" in
    *":$TCM_VENV/bin:"*) ;;
    *) export PATH="$TCM_VENV/bin:$PATH" ;;
esac

export ANSIBLE_CONFIG="$TCM_ROOT/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$TCM_COLLECTIONS_DIR"
# Controller quirk (shared/docs/offline-molecule.md): interpreter discovery on localhost may pick a
# pyenv shim of a Python that is not installed. Ansible gives the implicit localhost sys.executable
# (the venv's python); an inventory that names localhost sets
# ansible_python_interpreter: "{{ ansible_playbook_python }}". ANSIBLE_PYTHON_INTERPRETER is not
# exported: it would also apply to the lab containers, whose interpreter is /usr/bin/python3
# (ansible.cfg interpreter_python).
unset ANSIBLE_PYTHON_INTERPRETER
if [[ -n "${CI:-}" ]]; then
    # CI logs are files: no colour escapes.
    export ANSIBLE_NOCOLOR=1 PY_COLORS=0 NO_COLOR=1
fi

# Mitogen, an option for the lab and CI only (README "Speed: mitogen"; scripts/bootstrap.sh installs
# it into build/mitogen): TCM_MITOGEN=1 runs every playbook with its mitogen_linear strategy. The
# collection never depends on it: ansible-core 2.19+ deprecates strategy plugins outside ansible.builtin.
export TCM_MITOGEN_DIR="$TCM_ROOT/build/mitogen"
if [[ "${TCM_MITOGEN:-}" == 1 ]]; then
    export ANSIBLE_STRATEGY_PLUGINS="$TCM_MITOGEN_DIR/ansible_mitogen/plugins/strategy"
    export ANSIBLE_STRATEGY=mitogen_linear
fi

# The lab's SSH key (made by scripts/lab_ssh_key.sh at lab start, never committed): inventories/lab,
# inventories/tsc_lab and molecule connect with it as the login user.
export TCM_LAB_SSH_KEY="${TCM_LAB_SSH_KEY:-$TCM_ROOT/build/lab/ssh/id_ed25519}"

# The lab image's tag is a hash of lab/ (lab/image/build.sh); computing it builds nothing.
# Exported for molecule/*/molecule.yml (image: ${TIBERO_LAB_IMAGE}) and scripts/lab.sh.
if [[ -z "${TIBERO_LAB_IMAGE:-}" ]]; then
    TIBERO_LAB_IMAGE="$(bash "$TCM_ROOT/lab/image/build.sh" --print-tag)"
    export TIBERO_LAB_IMAGE
fi
