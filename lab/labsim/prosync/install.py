"""`. prs_install.sh`: install a ProSync instance (seed 000, step 4).

Reads $PRS_HOME/install/prs_install.cfg, asks on stdin for the passwords it does not hold (PRS_PWD,
SRC_INSTALL_PWD, TAR_INSTALL_PWD: cfg first, then the caller's environment, as a sourced vendor
script would see them), checks everything (EXT_CNT == SRC_DB_CNT, every listed agent installed on
this node, both databases reachable), then DROPS AND RE-CREATES the ProSync user, tablespace and
objects in the source and target databases, writes the instance's config files and its section of
prs_instance.map, and publishes the process layout to every node's agents (the catalogue).
"""

import datetime
import getpass
import os
import platform
import re
import sys

from labsim import common
from labsim.prosync import config, databases, layout, registry

TOOL = "prs_install.sh"
RULER = "*" * 80
PASSWORD_KEYS = ("PRS_PWD", "SRC_INSTALL_PWD", "TAR_INSTALL_PWD")
MANDATORY_KEYS = ("INSTANCE_ID", "PRS_USER", "EXT_CNT", "APPLY_PORT", "APPLY_AGENT_ID_LIST",
                  "LLOB_PORT", "LLOB_AGENT_ID_LIST", "SRC_DB_TYPE", "SRC_DB_NAME", "SRC_INSTALL_USER",
                  "SRC_DB_CNT", "TAR_DB_TYPE", "TAR_DB_NAME", "TAR_INSTALL_USER", "TAR_DB_CNT")
SUPPORTED_DB_TYPES = ("TIBERO",)
INSTANCE_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,29}$")


class InstallError(Exception):
    """The installation cannot go on (operator-facing message)."""


def banner(*lines):
    print(RULER)
    for line in lines:
        print(line)
    print(RULER)


def ask_password(key):
    """Read a password from stdin without echoing it (no terminal: read one line, echo nothing)."""
    prompt = "Enter %s: " % key
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    sys.stdout.write(prompt)
    sys.stdout.flush()
    value = sys.stdin.readline().rstrip("\n")
    sys.stdout.write("\n")
    return value


def collect_passwords(cfg):
    """{key: password} from the cfg, the environment, or a prompt; never printed or stored."""
    passwords = {}
    for key in PASSWORD_KEYS:
        value = cfg.get(key) or common.env(key) or ask_password(key)
        if not value:
            raise InstallError("%s is empty." % key)
        passwords[key] = value
    return passwords


# ---------------------------------------------------------------- step 2: parameters

def require(cfg, key):
    value = cfg.get(key, "")
    if not value:
        raise InstallError("%s is mandatory in prs_install.cfg." % key)
    return value


def number(cfg, key, low=1, high=10 ** 6):
    value = require(cfg, key)
    if not value.isdigit() or not low <= int(value) <= high:
        raise InstallError("%s must be a number between %d and %d (got '%s')." % (key, low, high, value))
    return int(value)


def check_agent_list(cfg, key, delimiter, installed):
    agents = [a.strip() for a in require(cfg, key).split(delimiter) if a.strip()]
    if len(set(agents)) != len(agents):
        raise InstallError("%s lists an agent twice." % key)
    for agent in agents:
        print("       * Agent ID[%s]" % agent)
        if agent not in installed:
            print("       * [%s] not found." % agent)
            raise InstallError("%s: agent %s is not installed (run prs_install_agent.sh)." % (key, agent))
        print("       * [%s] found." % agent)
    return agents


def check_processes(cfg, installed):
    delimiter = cfg.get("AGENT_LIST_DELIMITER") or ","
    print("Checking proecsses infos...")
    ext_cnt = number(cfg, "EXT_CNT", 1, 64)
    print("* Checking Ext processes Informations... EXT_CNT: %d" % ext_cnt)
    print("* Delimiter: [%s]" % delimiter)
    ext_lists = []
    for index in range(ext_cnt):
        print("   * Ext[%d] process's Agent Id List " % index)
        ext_lists.append(check_agent_list(cfg, "EXT_AGENT_ID_LIST_%d" % index, delimiter, installed))
    print("* Checking Apply process Informations...")
    print("* Checking Apply Port..")
    apply_port = number(cfg, "APPLY_PORT", 1, 65535)
    print("   * APPLY_PORT=[%d]" % apply_port)
    print("* Checking Apply process's Agent Id List..")
    apply_list = check_agent_list(cfg, "APPLY_AGENT_ID_LIST", delimiter, installed)
    print("* Checking Llob process Informations...")
    print("* Checking Llob Port..")
    llob_port = number(cfg, "LLOB_PORT", 1, 65535)
    print("   * LLOB_PORT=[%d]" % llob_port)
    print("* Checking Llob process's Agent Id List..")
    llob_list = check_agent_list(cfg, "LLOB_AGENT_ID_LIST", delimiter, installed)
    print()
    return {"ext_lists": ext_lists, "apply_list": apply_list, "llob_list": llob_list,
            "APPLY_PORT": str(apply_port), "LLOB_PORT": str(llob_port)}


def check_instance_params(cfg):
    instance_id = require(cfg, "INSTANCE_ID")
    if not INSTANCE_ID_PATTERN.match(instance_id) or instance_id == layout.AGENTS_DIR_NAME:
        raise InstallError("INSTANCE_ID '%s' is not a valid identifier." % instance_id)
    params = {"INSTANCE_ID": instance_id, "PRS_USER": require(cfg, "PRS_USER"),
              "PRS_TS_NAME": cfg.get("PRS_TS_NAME") or "%s_ts" % instance_id,
              "PRS_TS_FILE": cfg.get("PRS_TS_FILE") or "%s_ts.dtf" % instance_id,
              "PRS_TS_SIZE": cfg.get("PRS_TS_SIZE") or "1G",
              "PRS_EXT_IP": cfg.get("PRS_EXT_IP") or "%",
              "PRS_APPLY_IP": cfg.get("PRS_APPLY_IP") or "%"}
    for key, value in params.items():
        print("Checking %s... %s" % (key, value))
    return params


def check_database(cfg, side, label):
    """Check one side (SRC or TAR): type, user, name, reachability. Returns its description."""
    count = number(cfg, "%s_DB_CNT" % side, 1, 64)
    if side == "SRC":
        print("Checking SRC_DB_CNT... %d" % count)
    db_type = require(cfg, "%s_DB_TYPE" % side).upper()
    print("Checking %s_DB_TYPE... %s" % (side, db_type))
    if db_type not in SUPPORTED_DB_TYPES:
        raise InstallError("%s_DB_TYPE %s: the lab simulates TIBERO only." % (side, db_type))
    print("Checking %s_INSTALL_USER... %s" % (side, require(cfg, "%s_INSTALL_USER" % side)))
    db_name = require(cfg, "%s_DB_NAME" % side)
    print("Checking %s_DB_NAME... %s" % (side, db_name))
    where = "" if side == "SRC" else " [%s]" % db_name
    for index in range(count):
        ok = databases.reachable(db_name)
        print("Checking %s connection%s(%d/%d)... %s" % (label, where, index + 1, count,
                                                          "ok" if ok else "failed"))
        if not ok:
            raise InstallError("%s database %s is not reachable: no instance is open."
                               % (label, db_name))
    aliases = [cfg.get("%s_DB_ALIAS_%d" % (side, i)) or "%s%d" % (db_name, i + 1) for i in range(count)]
    return {"name": db_name, "count": count, "aliases": aliases}


def check_parameters(cfg):
    print("Checking configuration file... ok")
    instance_map = config.read_instance_map(layout.instance_map())
    print("Checking prs_instance.map file... ok")
    installed = {agent["id"] for agent in instance_map["agents"]}
    if not installed:
        raise InstallError("no agent in %s: run prs_install_agent.sh first." % layout.instance_map())
    instance_id = require(cfg, "INSTANCE_ID")
    print("Checking Instance Id from prs_instance.map...")
    if instance_id in instance_map["instances"]:
        print("* instance information for %s was found. It will be overwritten in this script..." % instance_id)
    else:
        print("* instance information for %s was not found. It will be written in this script..." % instance_id)
    print("ok")
    for key in MANDATORY_KEYS:
        require(cfg, key)
    processes = check_processes(cfg, installed)
    params = check_instance_params(cfg)
    source = check_database(cfg, "SRC", "source")
    target = check_database(cfg, "TAR", "target")
    if len(processes["ext_lists"]) != source["count"]:
        raise InstallError("EXT_CNT (%d) must be the same as SRC_DB_CNT (%d)."
                           % (len(processes["ext_lists"]), source["count"]))
    print()
    return {"params": params, "processes": processes, "source": source, "target": target,
            "instance_map": instance_map}


# ---------------------------------------------------------------- steps 3 and 4: the databases

def install_schema(db, instance_id, role, params):
    previous = databases.previous_install(db["name"], instance_id)
    dropped = (" (installation #%d of %s dropped)" % (previous["install_count"], format_time(previous["installed_at"]))
               if previous else "")
    print("Dropping ProSync objects... ok%s" % dropped)
    print("Dropping ProSync tablespace... ok")
    print("Creating ProSync tablespace... ok")
    print("Dropping ProSync user... ok")
    print("Creating ProSync user... ok")
    print("Granting privileges... ok")
    print("Creating ProSync internal tables... ok")
    return databases.reinstall_schema(db["name"], instance_id, role, params["PRS_USER"], params["PRS_TS_NAME"])


def install_source(checked):
    banner("* Install to Source Database (3/5)")
    source = checked["source"]
    print("Checking archived log mode... ok")
    for alias in source["aliases"]:
        print("Checking log mining parameters [%s]... ok" % alias)
    record = install_schema(source, checked["params"]["INSTANCE_ID"], "source", checked["params"])
    print("Querying current snapshot#... %d" % record["initial_tsn"])
    print()
    return record


def install_target(checked):
    banner("* Install to Target Database (4/5)")
    record = install_schema(checked["target"], checked["params"]["INSTANCE_ID"], "target", checked["params"])
    for alias in checked["source"]["aliases"]:
        print("Generating initial construct history [%s (group 1)]... ok" % alias)
    print("Generating initial commit history... ok")
    print()
    return record


# ---------------------------------------------------------------- step 5: configuration

def process_layout(instance_id, processes):
    """The catalogue's process list: ext per source thread, one apply, one llob (seed's names)."""
    result = [{"name": "%s_ext%d" % (instance_id, i + 1), "kind": "ext", "number": i + 1, "agents": agents}
              for i, agents in enumerate(processes["ext_lists"])]
    result.append({"name": "%s_apply1" % instance_id, "kind": "apply", "number": 1,
                   "agents": processes["apply_list"]})
    result.append({"name": "%s_llob" % instance_id, "kind": "llob", "number": 1,
                   "agents": processes["llob_list"]})
    return result


def process_cfg_text(checked, process):
    """A process cfg: what it replicates and where; credentials live in the (simulated) wallet."""
    params, source, target = checked["params"], checked["source"], checked["target"]
    lines = ["# %s (generated by prs_install.sh)" % process["name"],
             "INSTANCE_ID = %s" % params["INSTANCE_ID"], "PRS_USER = %s" % params["PRS_USER"],
             "AGENT_ID_LIST = %s" % ",".join(process["agents"])]
    if process["kind"] == "ext":
        lines += ["SRC_DB_NAME = %s" % source["name"],
                  "SRC_DB_ALIAS = %s" % source["aliases"][process["number"] - 1]]
    elif process["kind"] == "apply":
        lines += ["TAR_DB_NAME = %s" % target["name"], "LISTENER_PORT = %s" % checked["processes"]["APPLY_PORT"]]
    else:
        lines += ["SRC_DB_NAME = %s" % source["name"], "LISTENER_PORT = %s" % checked["processes"]["LLOB_PORT"]]
    return "\n".join(lines) + "\n"


def generate_configuration(checked, source_record):
    banner("* Generate Configuration Parameters (5/5)")
    instance_id = checked["params"]["INSTANCE_ID"]
    processes = process_layout(instance_id, checked["processes"])
    for process in processes:
        what = {"ext": "Extract [%s]" % checked["source"]["aliases"][process["number"] - 1],
                "apply": "Apply [%s]" % checked["target"]["name"], "llob": "LONG/LOB"}[process["kind"]]
        path = os.path.join(layout.instance_config_dir(instance_id), "%s.cfg" % process["name"])
        config.write_text_atomic(path, process_cfg_text(checked, process))
        print("Generating %s configuration...  ok" % what)
    print("Generating instance map to prs_instance.map ...")
    write_map_section(checked)
    registry.publish_catalogue({
        "instance": instance_id,
        "install_id": "%d@%.3f" % (source_record["install_count"], source_record["installed_at"]),
        "installed_at": source_record["installed_at"], "installed_on": common.lab_node(),
        "src_db": checked["source"]["name"], "tar_db": checked["target"]["name"],
        "processes": processes})
    print()
    print()


def write_map_section(checked):
    model = checked["instance_map"]
    entry = dict(checked["processes"])
    entry.update({"PRS_USER": checked["params"]["PRS_USER"], "SRC_DB_NAME": checked["source"]["name"],
                  "TAR_DB_NAME": checked["target"]["name"]})
    model["instances"][checked["params"]["INSTANCE_ID"]] = entry
    config.write_instance_map(layout.instance_map(), model)


def format_time(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
        "%a, %d %b %Y %H:%M:%S +0000")


def final_banner(checked, source_record):
    print(RULER)
    print("* ProSync is installed successfully on %s." % format_time(source_record["installed_at"]))
    print("*")
    print("*   PRS_HOME     = %s" % layout.prs_home())
    print("*   Binary Path  = %s" % layout.bin_dir())
    print("*   ProSync User = %s" % checked["params"]["PRS_USER"])
    print("*")
    print("*   Initial change# (TSN) = %d " % source_record["initial_tsn"])
    print("*")
    print(RULER)


# ---------------------------------------------------------------- the five steps

def step_system():
    banner("* Check System Parameters (1/5)")
    print("Checking system type... %s" % platform.system())
    print("Checking PRS_HOME... %s" % layout.prs_home(TOOL))
    print("Checking TB_HOME... %s" % (common.tb_home() or "not found"))
    print("Checking ORACLE_HOME... not found")
    print("Checking psql ... not available")
    print("Checking psql service ...not found")
    print()


def read_cfg():
    path = layout.install_cfg()
    if not os.path.isfile(path):
        print("Checking configuration file... not found")
        raise InstallError("[%s] not found." % path)
    return common.read_kv_file(path)


def run():
    step_system()
    banner("* Check Installation Parameters (2/5)")
    cfg = read_cfg()
    collect_passwords(cfg)  # the simulated databases accept any non-empty password
    checked = check_parameters(cfg)
    source_record = install_source(checked)
    install_target(checked)
    generate_configuration(checked, source_record)
    final_banner(checked, source_record)


def main():
    common.setup_tool(TOOL)
    try:
        run()
    except InstallError as exc:
        sys.stdout.flush()
        sys.stderr.write("[ERROR] %s\n[ERROR] ProSync installation failed.\n" % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
