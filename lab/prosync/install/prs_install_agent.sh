# prs_install_agent.sh -- register ProSync agents on this node (lab simulation of ProSync 4).
# Usage (bash, sourced, like the vendor script):  cd $PRS_HOME/install && . ./prs_install_agent.sh
# Reads prs_install_agent.cfg; writes config/prs_agent_<id>.cfg (only if missing),
# config/prs_instance.map (agents), var/ and bin/prs_<CM_ID>.sh. The work is done by labsim.
# Sourced: it never exits the caller's shell; its status (the last command's) is the installer's.
if [ -z "${PRS_HOME:-}" ]; then
    echo "[ERROR] PRS_HOME is not set." >&2
    false
else
    # labsim lives next to the tools: $PRS_HOME/bin/prs_agent -> <lab>/bin/prs_agent.
    PYTHONPATH="${LAB_LIB:-$(dirname "$(dirname "$(readlink -f "$PRS_HOME/bin/prs_agent")")")}${PYTHONPATH:+:$PYTHONPATH}" \
        "${LAB_PYTHON:-python3}" -m labsim.prosync.install_agent
fi
