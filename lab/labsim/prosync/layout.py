"""Where ProSync files live: per node under $PRS_HOME, cluster-wide under $LAB_SHARED/prosync.

$LAB_SHARED/prosync stands in for what a real site keeps in the source DB (the instance catalogue)
and for the network between agents (heartbeats): every node's agents read it.
"""

import os

from labsim import common

AGENTS_DIR_NAME = "agents"


def prs_home(tool="ProSync"):
    return common.require_env("PRS_HOME", tool)


def install_dir():
    return os.path.join(prs_home(), "install")


def config_dir():
    return os.path.join(prs_home(), "config")


def bin_dir():
    return os.path.join(prs_home(), "bin")


def var_dir():
    return os.path.join(prs_home(), "var")


def install_agent_cfg():
    return os.path.join(install_dir(), "prs_install_agent.cfg")


def install_cfg():
    return os.path.join(install_dir(), "prs_install.cfg")


def instance_map():
    return os.path.join(config_dir(), "prs_instance.map")


def agent_cfg(agent_id):
    return os.path.join(config_dir(), "prs_agent_%s.cfg" % agent_id)


def cm_script(cm_id):
    return os.path.join(bin_dir(), "prs_%s.sh" % cm_id)


def instance_config_dir(instance_id):
    return os.path.join(config_dir(), instance_id)


def default_agent_log_dir(agent_id):
    return os.path.join(var_dir(), "agent", agent_id, "log")


def tool_path(name):
    """A ProSync executable of this node ($PRS_HOME/bin/<name>)."""
    return os.path.join(bin_dir(), name)


# ---------------------------------------------------------------- shared ($LAB_SHARED/prosync)

def shared_root():
    return common.shared_path("prosync")


def heartbeat_file(agent_id):
    return os.path.join(shared_root(), AGENTS_DIR_NAME, "%s.json" % agent_id)


def fence_file(agent_id):
    return os.path.join(shared_root(), AGENTS_DIR_NAME, "%s.fence.json" % agent_id)


def catalogue_dir(instance_id):
    return os.path.join(shared_root(), instance_id)


def catalogue_file(instance_id):
    return os.path.join(catalogue_dir(instance_id), "layout.json")


def claims_file(instance_id):
    return os.path.join(catalogue_dir(instance_id), "claims.json")


def admin_file(instance_id):
    """Set by `prs_adm shutd <inst> abort`, removed by `prs_adm start <inst>` (PRS-3)."""
    return os.path.join(catalogue_dir(instance_id), "admin.json")


def catalogue_instances():
    """Instance ids published in the catalogue, sorted."""
    try:
        names = os.listdir(shared_root())
    except FileNotFoundError:
        return []
    return sorted(n for n in names
                  if n != AGENTS_DIR_NAME and os.path.isfile(catalogue_file(n)))


def db_prosync_file(db_name):
    """The ProSync schema of a simulated database: $LAB_SHARED/db/<db>/prosync.json."""
    return os.path.join(common.db_dir(db_name), "prosync.json")
