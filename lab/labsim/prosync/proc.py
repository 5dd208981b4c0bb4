"""prs_ext / prs_apply / prs_llob: the replication processes an agent runs.

    prs_ext <INSTANCE_ID> <thread#> <agent_id>      (prs_apply, prs_llob: <group#> instead)

The simulation only has to exist as a real process with the vendor's argv (operators and the
collection look at `ps`, prs_adm and CM): it waits until its agent stops it (SIGTERM) or dies, as a
child of a killed agent loses its connection to it and exits.
"""

import os
import signal
import sys
import time

from labsim import common

TOOLS = ("prs_ext", "prs_apply", "prs_llob")
PARENT_CHECK_SECONDS = 0.5
AGENT_PID_ENV = "LAB_PRS_AGENT_PID"


def parse_args(tool, argv):
    if len(argv) != 3 or not argv[1].isdigit():
        common.die("usage: %s <instance_id> <number> <agent_id>" % tool, rc=2)
    return argv[0], int(argv[1]), argv[2]


def agent_pid():
    """The pid of the agent that started us. Passed explicitly: by the time this interpreter has
    started, the agent may already be dead and getppid() would name the reaper instead."""
    value = common.env(AGENT_PID_ENV, "")
    return int(value) if value.isdigit() else os.getppid()


def serve(tool, instance_id, number, agent_id):
    parent = agent_pid()
    signal.signal(signal.SIGTERM, lambda _s, _f: sys.exit(0))
    print("[%s] %s %s %d started under agent %s (pid %d)"
          % (common.timestamp(), tool, instance_id, number, agent_id, os.getpid()), flush=True)
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    print("[%s] agent %s is gone: exiting" % (common.timestamp(), agent_id), flush=True)
    return 1


def main(tool, argv):
    common.setup_tool(tool)
    common.set_process_name(tool)
    instance_id, number, agent_id = parse_args(tool, argv)
    return serve(tool, instance_id, number, agent_id)
