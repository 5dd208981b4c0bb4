"""ProSync file formats: the install cfgs, prs_agent_<id>.cfg and prs_instance.map.

All of them are KEY=VALUE text (`KEY = VALUE`, `#` comments, inline comments allowed), read with
common.parse_kv_text. prs_instance.map's real layout is not public; the lab's is KEY=VALUE too,
reusing the install cfgs' key names so an operator can read it.
"""

import os

from labsim import common

# ---------------------------------------------------------------- prs_agent_<id>.cfg

# The CM section's parameters act only with USE_CM=Y (seed 000, step 3); defaults from the seed.
AGENT_INT_PARAMS = {
    "PRS_AGENT_PROC_MAX_FAIL_CNT": 10,
    "PRS_AGENT_PROC_STARTUP_TIMEOUT": 10,
    "PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT": 10,
    "PRS_AGENT_PROC_STATUS_INTERVAL": 3,
    "PRS_AGENT_CM_PROBE_TIMEOUT": 0,
}

# The seed's "ProSync Agent Configurations (Template)" with the CM section still switched off:
# turning USE_CM on and setting its parameters is the operator's step 3.
AGENT_CFG_TEMPLATE = """\
################################################################################
# 
# ProSync Agent Configurations (Template)
#
################################################################################

#-------------------------------------------------------------------------------
# NORMAL
#-------------------------------------------------------------------------------
LISTENER_PORT = {listener_port}

#-------------------------------------------------------------------------------
# LOG
#-------------------------------------------------------------------------------
LOG_LEVEL = 3
LOG_DIR = {log_dir}
LOG_BACKUP_DIR = {log_dir}/backup
#-------------------------------------------------------------------------------
# CM
#-------------------------------------------------------------------------------
USE_CM = N
#PRS_AGENT_PROC_MAX_FAIL_CNT = 10		#Dependency Param : USE_CM=Y
#PRS_AGENT_PROC_STARTUP_TIMEOUT = 10	        #Dependency Param : USE_CM=Y
#PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT = 10	#Dependency Param : USE_CM=Y
#PRS_AGENT_PROC_STATUS_INTERVAL = 3		#Dependency Param : USE_CM=Y
#PRS_AGENT_CM_PROBE_TIMEOUT = 0			#Dependency Param : USE_CM=Y
"""

# The seed's agent1 (AGENT_PORT 7600) listens on 7603: the lab keeps that offset.
LISTENER_PORT_OFFSET = 3


def render_agent_cfg(agent, log_dir):
    return AGENT_CFG_TEMPLATE.format(
        listener_port=int(agent["port"]) + LISTENER_PORT_OFFSET, log_dir=log_dir)


class ConfigError(Exception):
    """A configuration file is missing or holds an invalid value (message is operator-facing)."""


def parse_agent_cfg(text):
    """Validated settings of a prs_agent_<id>.cfg: {'use_cm': bool, 'log_dir': str|None, <param>: int}."""
    raw = common.parse_kv_text(text)
    settings = {"log_dir": raw.get("LOG_DIR") or None}
    port = raw.get("LISTENER_PORT")
    if port is None:
        raise ConfigError("LISTENER_PORT is not set.")
    settings["listener_port"] = _int_in_range("LISTENER_PORT", port, 1, 65535)
    use_cm = raw.get("USE_CM", "N").upper()
    if use_cm not in ("Y", "N"):
        raise ConfigError("USE_CM must be Y or N (got '%s')." % raw["USE_CM"])
    settings["use_cm"] = use_cm == "Y"
    for key, default in AGENT_INT_PARAMS.items():
        value = raw.get(key)
        settings[key] = default if value in (None, "") else _int_in_range(key, value, 0, 10 ** 6)
    return settings


def _int_in_range(key, value, low, high):
    try:
        number = int(value)
    except ValueError:
        raise ConfigError("%s must be a number (got '%s')." % (key, value)) from None
    if not low <= number <= high:
        raise ConfigError("%s must be between %d and %d (got %d)." % (key, low, high, number))
    return number


# ---------------------------------------------------------------- prs_instance.map

AGENT_FIELDS = ("ID", "HOST", "PORT", "CM_GROUP", "CM_ID")
INSTANCE_LIST_KEYS = ("APPLY_AGENT_ID_LIST", "LLOB_AGENT_ID_LIST")
INSTANCE_SCALAR_KEYS = ("PRS_USER", "APPLY_PORT", "LLOB_PORT", "SRC_DB_NAME", "TAR_DB_NAME")

MAP_HEADER = """\
################################################################################
# ProSync instance map
#   agents:    written by prs_install_agent.sh (from prs_install_agent.cfg)
#   instances: written by prs_install.sh (from prs_install.cfg)
################################################################################
"""


def empty_map():
    return {"agents": [], "instances": {}}


def read_instance_map(path):
    """{'agents': [{'id','host','port','cm_group','cm_id'}], 'instances': {id: {...}}}."""
    raw = common.read_kv_file(path)
    model = empty_map()
    for index in range(_count(raw, "AGENT_CNT")):
        agent = {f.lower(): raw.get("AGENT_%s_%d" % (f, index), "") for f in AGENT_FIELDS}
        if agent["id"]:
            model["agents"].append(agent)
    for index in range(_count(raw, "INSTANCE_CNT")):
        instance_id = raw.get("INSTANCE_ID_%d" % index, "")
        if instance_id:
            model["instances"][instance_id] = _read_instance(raw, instance_id)
    return model


def _read_instance(raw, instance_id):
    prefix = instance_id + "."
    instance = {key: raw.get(prefix + key, "") for key in INSTANCE_SCALAR_KEYS}
    instance["ext_lists"] = [_split_list(raw.get(prefix + "EXT_AGENT_ID_LIST_%d" % i, ""))
                             for i in range(_count(raw, prefix + "EXT_CNT"))]
    instance["apply_list"] = _split_list(raw.get(prefix + "APPLY_AGENT_ID_LIST", ""))
    instance["llob_list"] = _split_list(raw.get(prefix + "LLOB_AGENT_ID_LIST", ""))
    return instance


def _count(raw, key):
    try:
        return max(0, int(raw.get(key, "0")))
    except ValueError:
        return 0


def _split_list(text):
    return [item.strip() for item in text.split(",") if item.strip()]


def render_instance_map(model):
    lines = [MAP_HEADER, "# ---- agents", "AGENT_CNT=%d" % len(model["agents"])]
    for index, agent in enumerate(model["agents"]):
        lines += ["AGENT_%s_%d=%s" % (f, index, agent.get(f.lower(), "")) for f in AGENT_FIELDS]
    lines += ["", "# ---- instances", "INSTANCE_CNT=%d" % len(model["instances"])]
    for index, (instance_id, instance) in enumerate(sorted(model["instances"].items())):
        prefix = instance_id + "."
        lines.append("INSTANCE_ID_%d=%s" % (index, instance_id))
        lines += ["%s%s=%s" % (prefix, key, instance.get(key, "")) for key in INSTANCE_SCALAR_KEYS]
        lines.append("%sEXT_CNT=%d" % (prefix, len(instance["ext_lists"])))
        lines += ["%sEXT_AGENT_ID_LIST_%d=%s" % (prefix, i, ",".join(agents))
                  for i, agents in enumerate(instance["ext_lists"])]
        lines.append("%sAPPLY_AGENT_ID_LIST=%s" % (prefix, ",".join(instance["apply_list"])))
        lines.append("%sLLOB_AGENT_ID_LIST=%s" % (prefix, ",".join(instance["llob_list"])))
    return "\n".join(lines) + "\n"


def write_text_atomic(path, text, mode=0o664):
    """Replace a text file through a temp file + rename (readers never see half a file)."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def write_instance_map(path, model):
    write_text_atomic(path, render_instance_map(model))
