"""After site.yml: the seed's verification (seed 000 step 9) on every node of the lab.

Expectations come from the site model in inventories/lab/group_vars/all/tibero_cm.yml (the same
file the converge used), not from copies of it: which agent runs on which node, each node's CM id
(its position in its cluster's node list), CM group and CM tip.
Tools run as the site's users with their environment given explicitly, like the modules do.
"""

import json
import os
import re

import pytest
import testinfra.utils.ansible_runner
import yaml

MODEL_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "..",
                          "inventories", "lab", "group_vars", "all", "tibero_cm.yml")

# The verifier reads the nodes from outside Ansible, as root through docker exec (the converge reached
# them over SSH as the login user, with only the documented sudo rights): docker://root@<container>.
_RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
testinfra_hosts = ["docker://root@%s" % _RUNNER.get_variables(name)["ansible_host"]
                   for name in _RUNNER.get_hosts("all")]


def load_model():
    with open(MODEL_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


MODEL = load_model()
TB_HOME = MODEL["tibero_cm_tb_home"]
PRS_HOME = MODEL["tibero_cm_prs_home"]
TIBERO_USER = MODEL["tibero_cm_tibero_user"]
PROSYNC_USER = MODEL["tibero_cm_prosync_user"]


def node_plan(inventory_name):
    """Cluster, CM id, CM SID and agent of one inventory host, from the model."""
    for cluster in MODEL["tibero_cm_clusters"]:
        for cm_id, node in enumerate(cluster["nodes"]):
            if node["host"] == inventory_name:
                agents = [a["id"] for a in MODEL["tibero_cm_agents"] if a["host"] == inventory_name]
                assert len(agents) == 1, "the model must give %s exactly one agent" % inventory_name
                return dict(cluster=cluster["name"], cm_group=cluster["cm_group"],
                            failover=cluster.get("failover", True), cm_id=cm_id,
                            cm_sid=node["cm_sid"], agent=agents[0])
    raise AssertionError("%s is not a node of any cluster in the model" % inventory_name)


def run_as(host, user, argv, env, stdin=None):
    """Run argv as user with exactly env (+ LC_ALL=C); fail the test on a non-zero exit."""
    env_args = ["%s=%s" % item for item in sorted(dict(env, LC_ALL="C").items())]
    command = " ".join(["runuser", "-u", user, "--", "env", "-i"] + ["%s"] * (len(env_args) + len(argv)))
    if stdin is not None:
        # printf %b turns the "\\n" of stdin into newlines; host.run's own formatting needs %%.
        command = "printf %%b %s | " + command
        result = host.run(command, stdin, *(env_args + argv))
    else:
        result = host.run(command, *(env_args + argv))
    assert result.rc == 0, "%s failed (rc %s): %s %s" % (argv, result.rc, result.stdout, result.stderr)
    return result.stdout


def cmrctl_show(host, plan):
    return run_as(host, TIBERO_USER, [TB_HOME + "/bin/cmrctl", "show"],
                  {"TB_HOME": TB_HOME, "CM_HOME": TB_HOME, "CM_SID": plan["cm_sid"], "PATH": "/usr/bin:/bin"})


def resource_rows(show_output, rtype):
    """{name: (status, detail)} of the rows of one resource type (the columns before DETAIL hold no blanks)."""
    rows = {}
    for line in show_output.splitlines():
        fields = line.split(None, 4)
        if len(fields) >= 4 and fields[1] == rtype:
            rows[fields[2]] = (fields[3], fields[4] if len(fields) == 5 else "")
    return rows


@pytest.fixture(name="plan")
def fixture_plan(host):
    # A lab container's hostname is its inventory name (node1..node4), the name the model uses.
    return node_plan(host.check_output("hostname"))


def test_cm_tip_has_the_node_cm_id(host, plan):
    tip = host.file("%s/config/%s.tip" % (TB_HOME, plan["cm_sid"]))
    assert tip.exists
    values = re.findall(r"^\s*CM_ID\s*=\s*\"?(\d+)\"?", tip.content_string, re.MULTILINE)
    assert values == [str(plan["cm_id"])]


def test_agent_script_runs_under_bash(host, plan):
    script = host.file("%s/bin/prs_%d.sh" % (PRS_HOME, plan["cm_id"]))
    assert script.exists
    assert script.mode & 0o111, "prs_%d.sh is not executable" % plan["cm_id"]
    assert script.content_string.splitlines()[0].strip() in ("#!/bin/bash", "#!/usr/bin/env bash")


def test_group_and_agent_registered_and_up(host, plan):
    show = cmrctl_show(host, plan)
    groups = resource_rows(show, "group")
    agents = resource_rows(show, "agent")
    assert plan["cm_group"] in groups, show
    status, detail = groups[plan["cm_group"]]
    assert status == "UP", show
    assert detail == "type: prosync (failover: %s)" % ("ON" if plan["failover"] else "OFF"), show
    assert plan["agent"] in agents, show
    status, detail = agents[plan["agent"]]
    assert status == "UP", show
    assert detail.startswith("%s/bin/prs_%d.sh," % (PRS_HOME, plan["cm_id"])), show


def test_prs_adm_status_shows_everything_running(host, plan):
    if plan["cm_id"] != 0 or plan["cluster"] != MODEL["tibero_cm_clusters"][0]["name"]:
        pytest.skip("prs_adm status is read once, on the first node of the source cluster")
    # `prs_adm -c status` as prs_info runs it (docs/vendor-facts.md PRS-2)
    status = run_as(host, PROSYNC_USER, [PRS_HOME + "/bin/prs_adm", "-c", "status"],
                    {"PRS_HOME": PRS_HOME, "TB_HOME": TB_HOME, "PATH": "/usr/bin:/bin"},
                    stdin="exit\\n")
    agent_lines = {m.group(1): m.group(0) for m in re.finditer(r"^prs_agent ID: (\S+?),.*$", status, re.MULTILINE)}
    assert sorted(agent_lines) == sorted(a["id"] for a in MODEL["tibero_cm_agents"]), status
    for agent_id, line in agent_lines.items():
        assert line.endswith(" is running"), line
    instance_id = MODEL["tibero_cm_instance"]["id"]
    assert "Instance ID: [%s]" % instance_id in status, status
    processes = [line for line in status.splitlines() if line.startswith(instance_id + "_")]
    ext_count = len(MODEL["tibero_cm_instance"]["ext_agents"])
    assert len([p for p in processes if p.startswith(instance_id + "_ext")]) == ext_count, status
    assert any(p.startswith(instance_id + "_apply") for p in processes), status
    assert any(p.startswith(instance_id + "_llob") for p in processes), status
    not_running = [p for p in processes if " is running " not in p]
    assert not not_running, status


# A real outage of a cluster's DB service (every instance down at once, as in the all-at-once mode)
# lasts at least a boot; the allowance covers a tbsvr refresh missed on a loaded machine.
MAX_OUTAGE_SECONDS = 3.0


def test_every_cluster_kept_an_open_db_instance(host, plan):
    """No cluster was without an open instance from the end of prepare to now: the rolling CM_ID change
    of the converge, the container stop, both failover drills and the rolling restart (side_effect)."""
    if plan["cm_id"] != 0 or plan["cluster"] != MODEL["tibero_cm_clusters"][0]["name"]:
        pytest.skip("the sampler's file is on the shared volume: read once, on the first node of the source cluster")
    report = json.loads(host.check_output("/opt/lab/bin/lab-availability report"))
    assert report["samples"] > 100, report
    assert sorted(report["clusters"]) == sorted(c["name"] for c in MODEL["tibero_cm_clusters"]), report
    for name, cluster in report["clusters"].items():
        assert cluster["seen_open"], (name, report)
        assert cluster["longest_no_open_instance_s"] <= MAX_OUTAGE_SECONDS, (name, report)
    print("availability over %d samples (%.0f s, largest sample gap %.2f s): %s" % (
        report["samples"], report["last"] - report["first"], report["max_sample_gap_s"],
        ", ".join("%s longest %.2f s" % (n, c["longest_no_open_instance_s"]) for n, c in sorted(report["clusters"].items()))))
