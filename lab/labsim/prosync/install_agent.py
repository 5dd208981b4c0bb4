"""`. prs_install_agent.sh`: register the ProSync agents of a site on this node (seed 000, step 1).

Reads $PRS_HOME/install/prs_install_agent.cfg, checks it completely before writing anything, then
writes config/prs_agent_<id>.cfg for agents that have none yet, the agents section of
config/prs_instance.map, var/, and bin/prs_<CM_ID>.sh for every agent with a CM id. Agents of
different CM groups share CM ids (agent1 and agent3 are both CM id 0), so the last agent wins
bin/prs_0.sh on every node, exactly as the vendor script does: the operator's step 2 fixes it.
"""

import os
import platform
import sys

from labsim import common
from labsim.prosync import config, layout

TOOL = "prs_install_agent.sh"
RULER = "*" * 80
REQUIRED_FIELDS = ("ID", "HOST", "PORT")
OPTIONAL_FIELDS = ("CM_GROUP", "CM_ID")

# The seed's example of step 2, generated per agent (shebang and all: see the module docstring).
CM_SCRIPT_TEMPLATE = """\
#!/bin/sh

export TB_HOME={tb_home}   ## TB_HOME 입력
export PRS_HOME={prs_home}
AGENT_ID={agent_id}                              ## agent_id 입력
TIMEOUT_CNT=7
source $PRS_HOME/bin/prs_cm.sh
export logdir=$PRS_HOME/var

echo "`date +%Y/%m/%d\\ %H:%M:%S` cm agent Start (Agent Command $1)" >> $logdir/cmagent.log
case $1 in
START)
    echo "start $TIMEOUT_CNT $AGENT_ID" >> $logdir/cmagent.log
    start $TIMEOUT_CNT $AGENT_ID
    rc=$?
    ;;
PROBE)
    echo "probe $TIMEOUT_CNT $AGENT_ID" >> $logdir/cmagent.log
    probe $TIMEOUT_CNT $AGENT_ID
    rc=$?
    ;;
DOWN)
    echo "stop $TIMEOUT_CNT $AGENT_ID" >> $logdir/cmagent.log
    stop $TIMEOUT_CNT $AGENT_ID
    rc=$?
    ;;
KILL)
    echo "stop $TIMEOUT_CNT $AGENT_ID" >> $logdir/cmagent.log
    stop $TIMEOUT_CNT $AGENT_ID
    rc=$?
    ;;
NOTI)
    rc=0
    ;;
COMMIT)
    echo "send $TIMEOUT_CNT $AGENT_ID ${{@:2}}" >> $logdir/cmagent.log
    send $TIMEOUT_CNT $AGENT_ID ${{@:2}}
    rc=$?
    ;;

*)
    ;;
esac
echo "`date +%Y/%m/%d\\ %H:%M:%S` cm agent End  (Agent Command $1)" >> $logdir/cmagent.log


exit $rc
"""

# Written when TB_HOME is not in the installer's environment: the seed's value, to be edited.
DEFAULT_TB_HOME = "/home/tibero/tibero/tibero7"


def banner(*lines):
    print(RULER)
    for line in lines:
        print(line)
    print(RULER)


def error(message):
    sys.stdout.flush()
    sys.stderr.write("[ERROR] %s\n" % message)
    sys.stderr.flush()


# ---------------------------------------------------------------- step 2: checks

def check_agents(raw):
    """The agents of prs_install_agent.cfg as dicts, printing the seed's per-agent lines.

    Raises config.ConfigError on the first problem (nothing has been written yet).
    """
    count = _agent_count(raw)
    agents = []
    for index in range(count):
        print("parameter check for Agent[%d] Started " % index)
        agent = _check_agent(raw, index)
        print("parameter check for Agent[%d] Done " % index)
        agents.append(agent)
    _check_no_extra_agents(raw, count)
    _check_unique(agents)
    return agents


def _agent_count(raw):
    value = raw.get("AGENT_CNT")
    if value in (None, ""):
        raise config.ConfigError("AGENT_CNT is not set in prs_install_agent.cfg.")
    if not value.isdigit() or int(value) < 1:
        raise config.ConfigError("AGENT_CNT must be a positive number (got '%s')." % value)
    return int(value)


def _check_agent(raw, index):
    agent = {}
    for field in REQUIRED_FIELDS + OPTIONAL_FIELDS:
        key = "AGENT_%s_%d" % (field, index)
        value = raw.get(key, "")
        if field in REQUIRED_FIELDS and not value:
            raise config.ConfigError("%s is not set (AGENT_CNT=%s)." % (key, raw["AGENT_CNT"]))
        if value:
            print("    AGENT_%s: %s" % (field, value))
        agent[field.lower()] = value
    if not agent["port"].isdigit() or not 0 < int(agent["port"]) < 65536:
        raise config.ConfigError("AGENT_PORT_%d must be a port number (got '%s')." % (index, agent["port"]))
    if bool(agent["cm_group"]) != bool(agent["cm_id"]):
        raise config.ConfigError(
            "AGENT_CM_GROUP_%d and AGENT_CM_ID_%d must be set together." % (index, index))
    if agent["cm_id"] and not agent["cm_id"].isdigit():
        raise config.ConfigError("AGENT_CM_ID_%d must be a number (got '%s')." % (index, agent["cm_id"]))
    return agent


def _check_no_extra_agents(raw, count):
    extra = sorted(k for k in raw if k.startswith("AGENT_ID_") and k[9:].isdigit() and int(k[9:]) >= count)
    if extra:
        raise config.ConfigError("AGENT_CNT is %d but %s is defined: the count does not match the agents."
                                 % (count, ", ".join(extra)))


def _check_unique(agents):
    seen = set()
    for agent in agents:
        if agent["id"] in seen:
            raise config.ConfigError("AGENT_ID %s is defined twice." % agent["id"])
        seen.add(agent["id"])


# ---------------------------------------------------------------- step 3 and 4: writing

def write_agent(index, agent):
    print("* Writing Agent.. Index:           %d" % index)
    for field in REQUIRED_FIELDS + OPTIONAL_FIELDS:
        print("* Writing Agent.. %-17s%s" % ("AGENT_%s:" % field, agent[field.lower()]))
    print("* Writing Agent configuration... ")
    path = layout.agent_cfg(agent["id"])
    if os.path.exists(path):
        # An existing cfg carries the operator's edits (USE_CM, ...): never overwritten.
        print("%s already exists. Skipped." % path)
    else:
        print("%s not found. Writing files..." % path)
        config.write_text_atomic(path, config.render_agent_cfg(agent, layout.default_agent_log_dir(agent["id"])))
        print("Done.")
    print()
    print("* Writing Agent information... ")
    print()
    print()


def write_instance_map_agents(agents):
    path = layout.instance_map()
    model = config.read_instance_map(path)
    model["agents"] = agents
    config.write_instance_map(path, model)


def create_var_dir():
    print("* Creating var directory...")
    if os.path.isdir(layout.var_dir()):
        print("   * Already Created.")
    else:
        os.makedirs(layout.var_dir(), mode=0o2775)
        print("   * Created.")


def write_cm_script(agent):
    print("AGENT_CM_ID detected")
    name = "prs_%s.sh" % agent["cm_id"]
    print("generating %s..." % name)
    print("PRS_HOME=%s" % layout.prs_home())
    print("AGENT_ID=%s" % agent["id"])
    text = CM_SCRIPT_TEMPLATE.format(tb_home=common.tb_home() or DEFAULT_TB_HOME,
                                     prs_home=layout.prs_home(), agent_id=agent["id"])
    config.write_text_atomic(layout.cm_script(agent["cm_id"]), text, mode=0o775)
    print("%s has created in $PRS_HOME/bin/" % name)


# ---------------------------------------------------------------- the four steps

def step_system():
    banner("* Agent Install Step (1/4)", "* Check System Parameters ")
    print("* Checking system type... ")
    print(platform.system())
    print()
    print("* Checking PRS_HOME... ")
    if not common.prs_home():
        raise config.ConfigError("PRS_HOME is not set.")
    print("PRS_HOME: %s" % common.prs_home())
    print()


def step_check():
    banner("* Agent Install Step (2/4)",
           "* Check install agent config file   [prs_install_agent.cfg]  ",
           "* Check Instance file               [prs_instance.map] ")
    print("* Checking configuration file... ")
    cfg = layout.install_agent_cfg()
    if not os.path.isfile(cfg):
        raise config.ConfigError("[%s] not found." % cfg)
    print("[%s] exists." % cfg)
    print()
    print("* Checking Agent configuration... ")
    agents = check_agents(common.read_kv_file(cfg))
    print()
    print("* Checking prs_instance.map file... ")
    path = layout.instance_map()
    print("[%s] %s." % (path, "exists" if os.path.isfile(path) else "not found. It will be created"))
    print()
    return agents


def step_write(agents):
    banner("* Agent Install Step (3/4)",
           "* Writing agent config file         [%s]  " % layout.install_agent_cfg(),
           "* Writing Instance file             [%s] " % layout.instance_map(),
           "* Total Agent Cnt                   [%d] " % len(agents))
    print("* Writing all agents.. cnt: %d" % len(agents))
    for index, agent in enumerate(agents):
        write_agent(index, agent)
    write_instance_map_agents(agents)
    create_var_dir()


def step_cm_files(agents):
    banner("* Agent Install Step (4/4)", "* Creating files for CM")
    for agent in agents:
        if agent["cm_id"]:
            write_cm_script(agent)


def main():
    common.setup_tool(TOOL)
    try:
        step_system()
        agents = step_check()
        step_write(agents)
        step_cm_files(agents)
    except config.ConfigError as exc:
        error(str(exc))
        error("Agent installation failed.")
        return 1
    print("Agent installation Done.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
