"""prs_adm: the ProSync admin console (docs/vendor-facts.md PRS-1 .. PRS-4).

    prs_adm                      banner, then `Admin> ` before each command read from stdin
    prs_adm -c "<command>"       banner, then that one command's output; no prompt, no stdin read
                                 (`prs_adm -c status TAC2TAC` works too: the words are joined)

Commands: `status`, `status <inst>`, `start <inst>`, `shutd <inst> abort`, `exit`/`quit`.
`status` prints the agents of this node's prs_instance.map and, for every installed instance that
uses them, each process with the agent it runs on (DESIGN.md "prs_adm"). It reads the shared
heartbeats and claims, so it gives the same answer on every node. `shutd <inst> abort` makes every
agent stop the instance's processes until `start <inst>`.
"""

import sys
import time

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


WAIT_SECONDS = 10  # start/shutd wait this long for the agents to act, then report what runs


class CommandError(Exception):
    """A command prs_adm refuses: one line of output, rc 1 with -c."""


def agent_lines(agents):
    return [agent_line(agent, registry.agent_live(agent["id"])) for agent in agents]


def instance_lines(catalogue, agents_by_id):
    claims = registry.read_claims(catalogue["instance"])
    lines = ["", "", "Instance ID: [%s]" % catalogue["instance"]]
    return lines + [process_line(p, process_runner(p, catalogue, claims, agents_by_id))
                    for p in catalogue["processes"]]


def node_agents():
    agents = config.read_instance_map(layout.instance_map())["agents"]
    return agents, {agent["id"]: agent for agent in agents}


def status_lines(instance_id=None):
    """`status`: every agent, then every instance of these agents; `status <inst>`: that one only."""
    agents, agents_by_id = node_agents()
    lines = agent_lines(agents)
    for catalogue in instance_catalogues(agents_by_id, instance_id):
        lines += instance_lines(catalogue, agents_by_id)
    return lines


def instance_catalogues(agents_by_id, instance_id=None):
    found = [c for c in registry.catalogues() if registry.all_listed_agents(c) & set(agents_by_id)]
    # (an instance of other agents belongs to another site on the same lab volume)
    if instance_id is None:
        return found
    found = [c for c in found if c["instance"] == instance_id]
    if not found:
        raise CommandError("Instance ID: [%s] not found." % instance_id)
    return found


def running_count(catalogue, agents_by_id):
    claims = registry.read_claims(catalogue["instance"])
    return sum(1 for p in catalogue["processes"]
               if process_runner(p, catalogue, claims, agents_by_id) is not None)


def wait_for(predicate):
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.2)


def start_instance(instance_id):
    """`start <inst>`: lift a shutdown; wait until every process runs (or WAIT_SECONDS)."""
    agents, agents_by_id = node_agents()
    catalogue = instance_catalogues(agents_by_id, instance_id)[0]
    registry.set_admin_shutdown(instance_id, None)
    wait_for(lambda: running_count(catalogue, agents_by_id) == len(catalogue["processes"]))
    return ["Instance ID: [%s] start requested." % instance_id] + instance_lines(catalogue, agents_by_id)


def shutdown_instance(instance_id, mode):
    """`shutd <inst> abort`: agents stop the instance's processes; wait until none runs."""
    agents, agents_by_id = node_agents()
    catalogue = instance_catalogues(agents_by_id, instance_id)[0]
    registry.set_admin_shutdown(instance_id, mode)
    wait_for(lambda: running_count(catalogue, agents_by_id) == 0)
    return (["Instance ID: [%s] shutdown (%s) requested." % (instance_id, mode)]
            + instance_lines(catalogue, agents_by_id))


def command_lines(words):
    """Output lines of one command (split into words); raises CommandError for an unknown one."""
    if words and words[0] == "status" and len(words) <= 2:
        return status_lines(words[1] if len(words) == 2 else None)
    if len(words) == 2 and words[0] == "start":
        return start_instance(words[1])
    if len(words) == 3 and words[0] == "shutd" and words[2] == "abort":
        return shutdown_instance(words[1], words[2])
    raise CommandError("Unknown command: '%s'. Commands: status [<instance_id>], start <instance_id>, "
                       "shutd <instance_id> abort, exit, quit" % " ".join(words))


def run_command(command, out):
    """Run one console command; returns (go on?, rc): rc 1 when the command was refused."""
    words = command.split()
    if words in (["exit"], ["quit"]):
        return False, 0
    if not words:
        return True, 0
    try:
        out.write("\n" + "\n".join(command_lines(words)) + "\n\n")
    except (CommandError, config.ConfigError) as exc:
        out.write("%s\n\n" % exc)  # right after the prompt, as before any output
        return True, 1
    return True, 0


def console(out):
    """Commands from stdin, each after a prompt; end of input leaves like `exit`. rc 0."""
    while True:
        out.write(PROMPT)
        out.flush()
        line = sys.stdin.readline()
        if not line:
            out.write("\n")
            return 0
        if not run_command(line, out)[0]:
            return 0


def main(argv):
    common.setup_tool(TOOL)
    layout.prs_home(TOOL)
    if argv and (argv[0] != "-c" or not " ".join(argv[1:]).strip()):
        common.die('usage: prs_adm [-c "<command>"]', rc=2)
    out = sys.stdout
    out.write(BANNER + "\n")
    if not argv:
        return console(out)
    # -c: the one command, then leave; exit/quit alone print nothing. rc 1 for a refused command
    # (unverified: no public output or exit code of -c exists, PRS-2).
    return run_command(" ".join(argv[1:]), out)[1]
