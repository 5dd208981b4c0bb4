"""Simulated `cmrctl`: add / del / start / stop / show of CM resources.

Writes requests into the CM's files (resource file, cluster file) and, for start/stop, waits until
the CMs of the cluster acknowledge them (they run the agent scripts). TSC commands (`set --tscid`,
`switchover`, `show --tscid`, any `show` on an observer node) go to labsim.tsc.cli(argv).
"""

import importlib
import os
import sys
import time

from labsim import cm as cmlib
from labsim import common

USAGE = """Usage: cmrctl <command> <resource type> [--option value ...]
  add|del      network|cluster|service|db|group|agent --name NAME [...]
  start|stop   cluster|group|agent|db --name NAME [--force]
  show         [all | service|group --name NAME | --tscid ID]
  set|switchover --tscid ID ...   (TSC observer commands)"""

# Options each `add` accepts: (required, optional). Flags without a value are in FLAG_OPTIONS.
ADD_OPTIONS = {
    "network": ({"name"}, {"nettype", "ipaddr", "portno", "ifname"}),
    "cluster": ({"name", "incnet", "cfile"}, {"pubnet"}),
    "service": ({"name", "cname"}, {"type", "mode", "tscid", "obsip", "obsport"}),
    "db": ({"name", "svcname", "dbhome"}, {"envfile"}),
    "group": ({"name", "cname", "grptype"}, {"failover"}),
    "agent": ({"name", "grpname", "script"}, {"pubnet", "retry_cnt"}),
}
FLAG_OPTIONS = {"force"}
SUCCESS_RULE = "=" * 80


class CmrctlError(Exception):
    """A failed cmrctl command: message printed, non-zero exit."""


# ---------------------------------------------------------------- argument parsing

def parse_options(args):
    """['--name', 'x', '--force', '--retry_cnt=3'] -> {'name': 'x', 'force': True, 'retry_cnt': '3'}"""
    options = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or len(arg) < 3:
            raise CmrctlError("Invalid argument '%s'.\n%s" % (arg, USAGE))
        key = arg[2:]
        if "=" in key:
            key, value = key.split("=", 1)
        elif key in FLAG_OPTIONS:
            value = True
        elif i + 1 < len(args):
            i += 1
            value = args[i]
        else:
            raise CmrctlError("Option '--%s' needs a value." % key)
        options[key] = value
        i += 1
    return options


def check_options(rtype, options):
    required, optional = ADD_OPTIONS[rtype]
    missing = sorted(required - set(options))
    unknown = sorted(set(options) - required - optional)
    if missing:
        raise CmrctlError("Missing mandatory option(s) for %s: %s" % (rtype, ", ".join("--" + m for m in missing)))
    if unknown:
        raise CmrctlError("Unknown option(s) for %s: %s" % (rtype, ", ".join("--" + u for u in unknown)))


def need_name(options):
    if not options.get("name"):
        raise CmrctlError("Option '--name' is mandatory.")
    return options["name"]


def parse_bool(value, option):
    lowered = str(value).lower()
    if lowered in ("true", "on", "y", "yes"):
        return True
    if lowered in ("false", "off", "n", "no"):
        return False
    raise CmrctlError("Invalid value for --%s: %s (true|false)" % (option, value))


# ---------------------------------------------------------------- context

class Context:
    """The local CM plus the cluster-wide view through $LAB_SHARED."""

    def __init__(self):
        self.cm = cmlib.LocalCM()

    def resources(self):
        return self.cm.resources()

    def local_cluster(self, name):
        cluster = cmlib.find(self.resources(), "cluster", name)
        if cluster is None:
            raise CmrctlError("Cluster resource '%s' does not exist on this node." % name)
        return cluster

    def cluster_of_group(self, group):
        for cluster in self.cm.clusters():
            if cmlib.find(cmlib.read_cluster_file(cluster)["resources"], "group", group):
                return cluster
        raise CmrctlError("Group resource '%s' does not exist." % group)

    def cluster_of_service(self, service):
        for cluster in self.cm.clusters():
            if cmlib.find(cmlib.read_cluster_file(cluster)["resources"], "service", service):
                return cluster
        raise CmrctlError("Service resource '%s' does not exist." % service)

    def peers(self, cluster):
        """Published docs of the other nodes of a cluster."""
        return {k: v for k, v in cmlib.peer_docs(cluster).items() if k != self.cm.name}

    def cluster_agents(self, cluster):
        """Every agent record of a cluster: the local ones fresh, the others as published."""
        agents = [a for a in cmlib.of_type(self.resources(), "agent") if a.get("cname") == cluster]
        for doc in self.peers(cluster).values():
            agents += cmlib.of_type(doc.get("resources", []), "agent")
        return agents


# ---------------------------------------------------------------- add

def add_resource(ctx, rtype, options):
    check_options(rtype, options)
    name = options["name"]
    if rtype in cmlib.CLUSTER_TYPES:
        add_cluster_wide(ctx, rtype, options)
    else:
        record = build_node_record(ctx, rtype, options)
        with ctx.cm.edit_resources() as resources:
            if cmlib.find(resources, rtype, name):
                raise CmrctlError("Resource '%s' (%s) already exists." % (name, rtype))
            resources.append(record)
    print("Resource add success! (%s, %s)" % (rtype, name))


def confirm_without_envfile(options):
    """`add db` without --envfile asks for a confirmation on stdin (public scripts pipe `echo y` into it,
    vendor-facts CMR-10; the question's wording is the lab's). Anything but y, or EOF, cancels."""
    if options.get("envfile"):
        return
    sys.stdout.write("The environment file (--envfile) is not specified. Continue? (y/n): ")
    sys.stdout.flush()
    answer = sys.stdin.readline()
    if answer.strip().lower() != "y":
        raise CmrctlError("Canceled: no confirmation for 'add db' without --envfile.")


def build_node_record(ctx, rtype, options):
    record = {"type": rtype, "name": options["name"]}
    builders = {"network": network_record, "cluster": cluster_record, "db": db_record,
                "agent": agent_record}
    record.update(builders[rtype](ctx, options))
    return record


def network_record(_ctx, options):
    nettype = options.get("nettype", "private").lower()
    if nettype == "private":
        if not options.get("ipaddr") or not str(options.get("portno", "")).isdigit():
            raise CmrctlError("A private network needs --ipaddr and a numeric --portno.")
        return {"nettype": nettype, "ipaddr": options["ipaddr"], "portno": int(options["portno"])}
    if nettype == "public":
        if not options.get("ifname"):
            raise CmrctlError("A public network needs --ifname.")
        return {"nettype": nettype, "ifname": options["ifname"]}
    raise CmrctlError("Invalid --nettype: %s (private|public)" % nettype)


def cluster_record(ctx, options):
    resources = ctx.resources()
    incnet = cmlib.find(resources, "network", options["incnet"])
    if incnet is None or incnet.get("nettype") != "private":
        raise CmrctlError("Private network resource '%s' does not exist." % options["incnet"])
    if options.get("pubnet") and cmlib.find(resources, "network", options["pubnet"]) is None:
        raise CmrctlError("Network resource '%s' does not exist." % options["pubnet"])
    return {"incnet": options["incnet"], "pubnet": options.get("pubnet"),
            "cfile": [p for p in options["cfile"].split(",") if p], "started": False}


def db_record(ctx, options):
    cluster = ctx.cluster_of_service(options["svcname"])
    confirm_without_envfile(options)
    return {"svcname": options["svcname"], "dbhome": options["dbhome"],
            "envfile": options.get("envfile", ""), "cname": cluster}


def agent_record(ctx, options):
    retry = str(options.get("retry_cnt", "3"))
    if not retry.isdigit():
        raise CmrctlError("Invalid --retry_cnt: %s" % retry)
    cluster = ctx.cluster_of_group(options["grpname"])
    script = options["script"]
    if not os.path.isabs(script) or not os.path.isfile(script):
        raise CmrctlError("Agent script '%s' does not exist (an absolute path is required)." % script)
    if options.get("pubnet") and cmlib.find(ctx.resources(), "network", options["pubnet"]) is None:
        raise CmrctlError("Network resource '%s' does not exist." % options["pubnet"])
    if any(a["name"] == options["name"] for a in ctx.cluster_agents(cluster)):
        raise CmrctlError("Resource '%s' (agent) already exists." % options["name"])
    return {"grpname": options["grpname"], "cname": cluster, "script": script,
            "pubnet": options.get("pubnet"), "retry_cnt": int(retry), "admin_down": False, "req": 0}


def add_cluster_wide(ctx, rtype, options):
    cluster = options["cname"]
    ctx.local_cluster(cluster)
    if rtype == "group":
        record = {"type": "group", "name": options["name"], "cname": cluster,
                  "grptype": options["grptype"], "failover": parse_bool(options.get("failover", "true"), "failover"),
                  "started": False, "force": False, "gen": 0}
    else:
        if options.get("type", "db").lower() != "db":
            raise CmrctlError("Invalid --type: %s (db)" % options.get("type"))
        record = {"type": "service", "name": options["name"], "cname": cluster, "svctype": "db",
                  "mode": options.get("mode", "AC").upper(), "tscid": options.get("tscid"),
                  "obsip": options.get("obsip"), "obsport": options.get("obsport")}
    with common.json_update(cmlib.cluster_file_path(cluster), cmlib.empty_cluster_file()) as data:
        if cmlib.find(data["resources"], rtype, options["name"]):
            raise CmrctlError("Resource '%s' (%s) already exists." % (options["name"], rtype))
        data["resources"].append(record)


# ---------------------------------------------------------------- del

def del_resource(ctx, rtype, options):
    # The success text is the lab's, by analogy with `add` (vendor-facts CMR-9: no public sample).
    name = need_name(options)
    if rtype in ("group", "service"):
        del_cluster_wide(ctx, rtype, name)
    elif rtype in cmlib.NODE_TYPES:
        del_node_resource(ctx, rtype, name)
    else:
        raise CmrctlError("Invalid resource type '%s'." % rtype)
    print("Resource del success! (%s, %s)" % (rtype, name))


def del_node_resource(ctx, rtype, name):
    busy = node_resource_in_use(ctx, rtype, name)
    if busy:
        raise CmrctlError("Cannot delete %s '%s': %s" % (rtype, name, busy))
    with ctx.cm.edit_resources() as resources:
        record = cmlib.find(resources, rtype, name)
        if record is None:
            raise CmrctlError("Resource '%s' (%s) does not exist." % (name, rtype))
        resources.remove(record)


def node_resource_in_use(ctx, rtype, name):
    """Why a node resource cannot be deleted now, or None."""
    resources = ctx.resources()
    doc = ctx.cm.local_doc()
    if rtype == "agent" and doc["agents"].get(name, {}).get("status") == "UP":
        return "the agent is running (stop it first)."
    if rtype == "db" and doc["db_status"].get(name, "DOWN") != "DOWN":
        return "the instance is running (tbdown first)."
    if rtype == "cluster":
        record = cmlib.find(resources, "cluster", name)
        if record and record.get("started"):
            return "the cluster is started (stop cluster first)."
        if any(r.get("cname") == name for r in resources if r["type"] in ("db", "agent")):
            return "db/agent resources still belong to it."
    if rtype == "network" and any(name in (c.get("incnet"), c.get("pubnet"))
                                  for c in cmlib.of_type(resources, "cluster")):
        return "a cluster resource uses it."
    return None


def del_cluster_wide(ctx, rtype, name):
    cluster = ctx.cluster_of_group(name) if rtype == "group" else ctx.cluster_of_service(name)
    if rtype == "group" and any(a["grpname"] == name for a in ctx.cluster_agents(cluster)):
        raise CmrctlError("Cannot delete group '%s': agent resources still belong to it." % name)
    if rtype == "service" and any(d["svcname"] == name for d in cmlib.of_type(ctx.resources(), "db")):
        raise CmrctlError("Cannot delete service '%s': db resources still belong to it." % name)
    with common.json_update(cmlib.cluster_file_path(cluster), cmlib.empty_cluster_file()) as data:
        record = cmlib.find(data["resources"], rtype, name)
        if record is None:
            raise CmrctlError("Resource '%s' (%s) does not exist." % (name, rtype))
        if record.get("started"):
            raise CmrctlError("Cannot delete group '%s': it is started (stop group first)." % name)
        data["resources"].remove(record)


# ---------------------------------------------------------------- start / stop

def success_banner(lines):
    title = " SUCCESS! "
    pad = (80 - len(title)) // 2
    print("=" * pad + title + "=" * (80 - pad - len(title)))
    for line in lines:
        print(" " + line)
    print(SUCCESS_RULE)


def start_stop(ctx, verb, rtype, options):
    name = need_name(options)
    start = verb == "start"
    if rtype == "group":
        return start_stop_group(ctx, name, start, bool(options.get("force")))
    if rtype == "agent":
        return start_stop_agent(ctx, name, start, bool(options.get("force")))
    if rtype == "cluster":
        with ctx.cm.edit_resources() as resources:
            record = cmlib.find(resources, "cluster", name)
            if record is None:
                raise CmrctlError("Cluster resource '%s' does not exist on this node." % name)
            record["started"] = start
        # `start cluster` answers this in public (vendor-facts CMR-8); `stop cluster` the same here (lab).
        return print("MSG SENDING SUCCESS!")
    raise CmrctlError("'%s %s' is not supported by the lab (use tbboot/tbdown for db)." % (verb, rtype))


def start_stop_group(ctx, name, start, force):
    cluster = ctx.cluster_of_group(name)
    with common.json_update(cmlib.cluster_file_path(cluster), cmlib.empty_cluster_file()) as data:
        group = cmlib.find(data["resources"], "group", name)
        group["started"] = start
        group["force"] = force and not start
        group["gen"] = group.get("gen", 0) + 1
        generation = group["gen"]
    wait_for_acks(ctx, cluster, "group:%s" % name, generation)
    # The start banner is the ProSync CM failover guide's; the stop one is the lab's (vendor-facts CMR-9).
    action = "boot" if start else "down"
    success_banner(["Succeeded to request at each node to %s resources under the group(%s)." % (action, name),
                    'Please use "cmrctl show group --name %s" to verify the result.' % name])


def start_stop_agent(ctx, name, start, force):
    with ctx.cm.edit_resources() as resources:
        agent = cmlib.find(resources, "agent", name)
        if agent is None:
            raise CmrctlError("Agent resource '%s' does not exist on this node." % name)
        agent["admin_down"] = not start
        agent["force"] = force and not start
        agent["req"] = agent.get("req", 0) + 1
        request = agent["req"]
    wait_for_local_ack(ctx, "agent:%s" % name, request)
    # Lab wording (vendor-facts CMR-9: no public sample of start|stop agent).
    success_banner(["Succeeded to request to %s the resource(%s)." % ("boot" if start else "down", name),
                    'Please use "cmrctl show" to verify the result.'])


def ack_timeout():
    return common.conf_float("LAB_CMRCTL_ACK_TIMEOUT")


def wait_for_local_ack(ctx, key, generation):
    deadline = time.monotonic() + ack_timeout()
    while time.monotonic() < deadline:
        if ctx.cm.runtime().get("acks", {}).get(key, -1) >= generation:
            return
        time.sleep(0.1)


def wait_for_acks(ctx, cluster, key, generation):
    """Wait (bounded) until every live CM of the cluster has acted on the request."""
    deadline = time.monotonic() + ack_timeout()
    expire = ctx.cm.heartbeat_expire()
    while time.monotonic() < deadline:
        docs = [d for d in cmlib.peer_docs(cluster).values() if cmlib.doc_alive(d, expire)]
        if all(d.get("acks", {}).get(key, -1) >= generation for d in docs):
            return
        time.sleep(0.1)


# ---------------------------------------------------------------- show

def show(ctx, args):
    if args and args[0] == "all":
        return print_tables(all_node_rows(ctx))
    if not args:
        return print_tables([local_rows(ctx)])
    rtype, options = args[0], parse_options(args[1:])
    name = need_name(options)
    return show_one(ctx, rtype, name)


def local_rows(ctx):
    doc = ctx.cm.local_doc()
    files = cluster_files(ctx.cm.clusters())
    # A service added with --tscid/--obsip/--obsport shows the plain service DETAIL (vendor facts TSC-1).
    return ctx.cm.name, cmlib.node_rows(doc, files, True)


def cluster_files(clusters):
    return {c: cmlib.read_cluster_file(c) for c in clusters}


def all_node_rows(ctx):
    """Local node first, then the other nodes of the local node's clusters."""
    tables = [local_rows(ctx)]
    clusters = ctx.cm.clusters()
    files = cluster_files(clusters)
    expire = ctx.cm.heartbeat_expire()
    seen = {ctx.cm.name}
    for cluster in clusters:
        for name, doc in ctx.peers(cluster).items():
            if name not in seen:
                seen.add(name)
                tables.append((name, cmlib.node_rows(doc, files, cmlib.doc_alive(doc, expire))))
    return tables


INFO_RULER = "=" * 49
BOX_DASHES = "|" + "-" * 47 + "|"
SERVICE_LIST_HEADER = " NID   NAME    Status  Intr Stat ACK No. Sched "
SERVICE_LIST_DASHES = " --- -------- -------- --------- ------- ----- "
SERVICE_LIST_ROW = " %3s %8s %8s %9s %7s %5s "
GROUP_LIST_HEADER = " NID   NAME          AGENT   Status"
GROUP_LIST_DASHES = " --- ---------- ---------- --------"
GROUP_LIST_ROW = " %3s %10s %10s %8s"


def show_one(ctx, rtype, name):
    """show service|group --name X: a `<Type> Resource Info` key/value block and a boxed list.

    The service form is the public sample's (vendor-facts CMR-6); the group form is derived from it
    (CMR-7, unverified). Other types have no public sample: the lab refuses them.
    """
    if rtype == "service":
        cluster = ctx.cluster_of_service(name)
        return print_info("Service", service_info(ctx, cluster, name), "INSTANCE LIST", SERVICE_LIST_HEADER,
                          SERVICE_LIST_DASHES, service_instances(ctx, cluster, name))
    if rtype == "group":
        cluster = ctx.cluster_of_group(name)
        return print_info("Group", group_info(cluster, name), "AGENT LIST", GROUP_LIST_HEADER, GROUP_LIST_DASHES,
                          group_agents(ctx, cluster, name))
    raise CmrctlError("The lab simulates 'show <type> --name' for service and group only (no public sample "
                      "of '%s'); use 'cmrctl show'." % rtype)


def print_info(title, info, list_title, header, dashes, rows):
    width = max([16] + [len(k) for k, _v in info])
    lines = ["%s Resource Info" % title, INFO_RULER]
    lines += ["%s: %s" % (key.ljust(width), value) for key, value in info]
    lines += [INFO_RULER, "| %s|" % list_title.ljust(46), BOX_DASHES]
    lines += ["|%s|" % line.ljust(47) for line in [header, dashes] + rows]
    lines.append(INFO_RULER)
    print("\n".join(lines))


def service_info(ctx, cluster, name):
    svc = cmlib.find(cmlib.read_cluster_file(cluster)["resources"], "service", name)
    mode = cmlib.SERVICE_MODES.get(svc.get("mode", "").upper(), svc.get("mode", ""))
    # Incarnation numbers are not simulated: the lab prints 1 / 1.
    return [("Service name", name), ("Service type", "Database"), ("Service mode", mode), ("Cluster", cluster),
            ("Inst. Auto Start", "OFF"), ("Interrupt Status", "COMMITTED"), ("Incarnation No.", "1 / 1 (CUR / COMMIT)")]


def group_info(cluster, name):
    group = cmlib.find(cmlib.read_cluster_file(cluster)["resources"], "group", name)
    return [("Group name", name), ("Group type", group["grptype"]), ("Cluster", cluster),
            ("Failover", "ON" if group.get("failover", True) else "OFF")]


def cluster_docs(ctx, cluster):
    """[(nid, cm name, doc, alive)] of the cluster's nodes; NID numbers the CM names in order from 1."""
    docs = dict(ctx.peers(cluster))
    docs[ctx.cm.name] = ctx.cm.local_doc()
    expire = ctx.cm.heartbeat_expire()
    return [(nid, cm_name, docs[cm_name], cm_name == ctx.cm.name or cmlib.doc_alive(docs[cm_name], expire))
            for nid, cm_name in enumerate(sorted(docs), 1)]


def service_instances(ctx, cluster, name):
    rows = []
    for nid, cm_name, doc, alive in cluster_docs(ctx, cluster):
        for db in cmlib.of_type(doc.get("resources", []), "db"):
            if db.get("svcname") == name:
                status = doc.get("db_status", {}).get(db["name"], "DOWN") if alive else "DOWN"
                rows.append(SERVICE_LIST_ROW % (nid, cm_name, status, "COMMITTED", 1, "Y"))
    return rows


def group_agents(ctx, cluster, name):
    rows = []
    for nid, cm_name, doc, alive in cluster_docs(ctx, cluster):
        for agent in cmlib.of_type(doc.get("resources", []), "agent"):
            if agent.get("grpname") == name:
                status = doc.get("agents", {}).get(agent["name"], {}).get("status", "DOWN") if alive else "DOWN"
                rows.append(GROUP_LIST_ROW % (nid, cm_name, agent["name"], status))
    return rows


def print_tables(tables):
    sys.stdout.write("".join(cmlib.render_node_table(name, rows) for name, rows in tables))


# ---------------------------------------------------------------- dispatch

def is_tsc_command(argv, cm):
    if argv[:1] in (["set"], ["switchover"]):
        return True
    if argv[:1] == ["show"] and ("--tscid" in argv or any(a.startswith("--tscid=") for a in argv)):
        return True
    return argv[:1] == ["show"] and cm.is_observer()


def run_tsc(argv):
    try:
        tsc = importlib.import_module("labsim.tsc")
    except ImportError:
        raise CmrctlError("TSC commands are not available in this lab (labsim.tsc is missing).")
    return tsc.cli(argv)


def run(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 1
    ctx = Context()
    if is_tsc_command(argv, ctx.cm):
        return run_tsc(argv) or 0
    if not ctx.cm.running():
        raise CmrctlError("Failed to connect to the local CM (%s): it is not running. "
                          "cmrctl needs the local CM (start it with 'tbcm -b')." % ctx.cm.name)
    verb, rest = argv[0], argv[1:]
    if verb == "show":
        return show(ctx, rest) or 0
    if verb not in ("add", "del", "start", "stop") or not rest:
        raise CmrctlError(USAGE)
    rtype, options = rest[0], parse_options(rest[1:])
    if verb == "add":
        if rtype not in ADD_OPTIONS:
            raise CmrctlError("Invalid resource type '%s' for add." % rtype)
        add_resource(ctx, rtype, options)
    elif verb == "del":
        del_resource(ctx, rtype, options)
    else:
        start_stop(ctx, verb, rtype, options)
    return 0


def main(argv):
    common.setup_tool("cmrctl")
    common.hang_if_configured("LAB_HANG_CMRCTL")
    common.require_env("TB_HOME", "cmrctl")
    common.require_env("CM_SID", "cmrctl")
    try:
        return run(argv)
    except CmrctlError as exc:
        sys.stdout.flush()
        sys.stderr.write("%s\n" % exc)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
