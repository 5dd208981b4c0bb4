"""prs_adm: the ProSync admin console (banner, `Admin> ` prompt, `status`, `exit`/`quit`).

`status` prints the agents of this node's prs_instance.map and, for every installed instance that
uses them, each process with the agent it runs on (DESIGN.md "prs_adm"). It reads the shared
heartbeats and claims, so it gives the same answer on every node. Works with stdin from a pipe.
"""

import sys

from labsim import common
from labsim.prosync import config, layout, registry

TOOL = "prs_adm"
BANNER = """
ProSync 4 - Admin Utility

TmaxData Corporation Copyright (c) 2024-. All rights reserved.
"""
PROMPT = "Admin> "


def agent_line(agent, running):
    text = "prs_agent ID: %s, HOST: %s, PORT: %s" % (agent["id"], agent["host"], agent["port"])
    if agent.get("cm_group"):
        text += ", CM_GROUP: %s, CM_ID: %s" % (agent["cm_group"], agent["cm_id"])
    return text + (" is running" if running else " is not running")


def process_line(process, runner):
    """`runner` is the map entry of the agent running it, or None when it is not running."""
    label = registry.process_label(process)
    if runner is None:
        return "%s is not running" % label
    return "%s is running (prs_agent ID : %s, HOST: %s, PORT: %s)" % (
        label, runner["id"], runner.get("host", ""), runner.get("port", ""))


def process_runner(process, catalogue, claims, agents_by_id):
    holder = claims.get(process["name"])
    if (not holder or holder.get("state") != registry.STATE_RUNNING
            or holder.get("install_id") != catalogue["install_id"]
            or not registry.agent_live(holder.get("agent", ""))):
        return None
    return agents_by_id.get(holder["agent"], {"id": holder["agent"]})


def status_lines():
    agents = config.read_instance_map(layout.instance_map())["agents"]
    agents_by_id = {agent["id"]: agent for agent in agents}
    lines = [agent_line(agent, registry.agent_live(agent["id"])) for agent in agents]
    for catalogue in registry.catalogues():
        if not registry.all_listed_agents(catalogue) & set(agents_by_id):
            continue  # an instance of other agents (another site on the same lab volume)
        claims = registry.read_claims(catalogue["instance"])
        lines += ["", "", "Instance ID: [%s]" % catalogue["instance"]]
        lines += [process_line(p, process_runner(p, catalogue, claims, agents_by_id))
                  for p in catalogue["processes"]]
    return lines


def run_command(command, out):
    """Run one console command; False when the console should end."""
    word = command.strip()
    if word in ("exit", "quit"):
        return False
    if word == "status":
        out.write("\n" + "\n".join(status_lines()) + "\n\n")
    elif word:
        out.write("Unknown command: '%s'. Commands: status, exit, quit\n\n" % word)
    return True


def main(argv):
    common.setup_tool(TOOL)
    layout.prs_home(TOOL)
    if argv:
        common.die("usage: prs_adm (then type status, exit)", rc=2)
    out = sys.stdout
    out.write(BANNER + "\n")
    while True:
        out.write(PROMPT)
        out.flush()
        line = sys.stdin.readline()
        if not line:
            out.write("\n")
            return 0
        if not run_command(line, out):
            return 0
