# prs_install.sh -- install a ProSync instance: DROPS and re-creates its DB objects (lab simulation).
# Usage (bash, sourced, like the vendor script):  cd $PRS_HOME/install && . ./prs_install.sh
# Reads prs_install.cfg (prompts on stdin for passwords it lacks); writes config/, prs_instance.map
# (instance), the simulated DBs' ProSync schema and the shared process catalogue. Work: labsim.
# Sourced: it never exits the caller's shell; its status (the last command's) is the installer's.
if [ -z "${PRS_HOME:-}" ]; then
    echo "[ERROR] PRS_HOME is not set." >&2
    false
else
    # labsim lives next to the tools: $PRS_HOME/bin/prs_agent -> <lab>/bin/prs_agent.
    PYTHONPATH="${LAB_LIB:-$(dirname "$(dirname "$(readlink -f "$PRS_HOME/bin/prs_agent")")")}${PYTHONPATH:+:$PYTHONPATH}" \
        "${LAB_PYTHON:-python3}" -m labsim.prosync.install
fi
