"""The simulated ProSync, driven like an operator does: bash sourcing the install scripts from
$PRS_HOME/install, prs_agent / prs_adm / prs_<CM_ID>.sh from $PRS_HOME/bin.

The site is the seed's (seed 000): agent1/agent2 on the source TAC (DB `tibero`, CM group CM1),
agent3/agent4 on the target TAC (DB `tibero_tar`, CM2), instance TAC2TAC.
"""

import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from conftest import LAB_DIR, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))

SEED_AGENT_CFG = """\
AGENT_CNT=4

AGENT_ID_0=agent1
AGENT_HOST_0=172.19.0.11
AGENT_PORT_0=7600
AGENT_CM_GROUP_0=CM1
AGENT_CM_ID_0=0

AGENT_ID_1=agent2
AGENT_HOST_1=172.19.0.12
AGENT_PORT_1=7700
AGENT_CM_GROUP_1=CM1
AGENT_CM_ID_1=1

AGENT_ID_2=agent3
AGENT_HOST_2=172.19.0.13
AGENT_PORT_2=7800
AGENT_CM_GROUP_2=CM2
AGENT_CM_ID_2=0

AGENT_ID_3=agent4
AGENT_HOST_3=172.19.0.14
AGENT_PORT_3=7900
AGENT_CM_GROUP_3=CM2
AGENT_CM_ID_3=1
"""

# The seed's prs_install.cfg with its passwords (prompted for when they are left out).
SEED_INSTALL_CFG = """\
# (Mandatory)
INSTANCE_ID=TAC2TAC
PRS_USER=TAC2TAC
{prs_pwd}
#PRS_TS_NAME=
#DSN_FILE=#need DSN_DIR
AGENT_LIST_DELIMITER=,
EXT_CNT={ext_cnt}
EXT_AGENT_ID_LIST_0=agent1,agent2
EXT_AGENT_ID_LIST_1=agent2,agent1
APPLY_PORT=7620
APPLY_AGENT_ID_LIST={apply_list}
LLOB_PORT=7630
LLOB_AGENT_ID_LIST=agent1,agent2
SRC_DB_TYPE=TIBERO
SRC_DB_NAME=tibero
SRC_INSTALL_USER=sys
{src_pwd}
SRC_DB_CNT=2
SRC_DB_ALIAS_0=tibero1
SRC_DB_ALIAS_1=tibero2
TAR_DB_TYPE=TIBERO
TAR_DB_NAME=tibero_tar
TAR_INSTALL_USER=sys
{tar_pwd}
TAR_DB_CNT=2
"""

AGENT_NODES = {"agent1": "node1", "agent2": "node2", "agent3": "node3", "agent4": "node4"}
FAST_PROSYNC_CONF = {"LAB_PRS_TICK": "0.2", "LAB_PRS_HEARTBEAT_EXPIRE": "2.5"}
# Upper bound of every wait: generous because the host may be loaded; a passing wait returns at once.
SETTLE = 20

STATUS_ALL_RUNNING = """\
prs_agent ID: agent1, HOST: 172.19.0.11, PORT: 7600, CM_GROUP: CM1, CM_ID: 0 is running
prs_agent ID: agent2, HOST: 172.19.0.12, PORT: 7700, CM_GROUP: CM1, CM_ID: 1 is running
prs_agent ID: agent3, HOST: 172.19.0.13, PORT: 7800, CM_GROUP: CM2, CM_ID: 0 is running
prs_agent ID: agent4, HOST: 172.19.0.14, PORT: 7900, CM_GROUP: CM2, CM_ID: 1 is running


Instance ID: [TAC2TAC]
TAC2TAC_ext1 (1) is running (prs_agent ID : agent1, HOST: 172.19.0.11, PORT: 7600)
TAC2TAC_ext2 (2) is running (prs_agent ID : agent2, HOST: 172.19.0.12, PORT: 7700)
TAC2TAC_apply1 is running (prs_agent ID : agent3, HOST: 172.19.0.13, PORT: 7800)
TAC2TAC_llob (1) is running (prs_agent ID : agent1, HOST: 172.19.0.11, PORT: 7600)
"""


# ---------------------------------------------------------------- helpers

def env_of(node):
    """The node's environment with this interpreter first: the tools' `#!/usr/bin/env python3` and
    the install scripts' LAB_PYTHON then skip the host's slow python3 shim (pyenv)."""
    env = node.env
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    env["LAB_PYTHON"] = sys.executable
    return env


def ok(node, tool, *args):
    return node.ok(tool, *args, env=env_of(node))


def run(node, tool, *args):
    return node.run(tool, *args, env=env_of(node))


def install_prosync_package(node):
    """What the image does: lab/prosync/** into $PRS_HOME, lab/bin/prs_* linked into $PRS_HOME/bin."""
    shutil.copytree(os.path.join(LAB_DIR, "prosync"), node.prs_home, dirs_exist_ok=True)
    for tool in os.listdir(os.path.join(LAB_DIR, "bin")):
        if tool.startswith("prs_"):
            os.symlink(os.path.join(LAB_DIR, "bin", tool), os.path.join(node.prs_home, "bin", tool))


def in_parallel(function, items):
    """function(item) for every item at once (nodes act concurrently, and the suite stays short)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(function, items))


def prs_path(node, *parts):
    return os.path.join(node.prs_home, *parts)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def bash(node, script, stdin=None, timeout=60):
    """Run a bash snippet in the node's environment (as the operator's login shell would)."""
    return subprocess.run(["bash", "-c", script], env=env_of(node), input=stdin, capture_output=True,
                          text=True, timeout=timeout,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def source_install_agent(node, cfg=SEED_AGENT_CFG):
    write(prs_path(node, "install", "prs_install_agent.cfg"), cfg)
    return bash(node, 'cd "$PRS_HOME/install" && . ./prs_install_agent.sh')


def install_cfg(ext_cnt=2, apply_list="agent3,agent4", with_passwords=True):
    passwords = {"prs_pwd": "PRS_PWD=TAC2TAC", "src_pwd": "SRC_INSTALL_PWD=tibero",
                 "tar_pwd": "TAR_INSTALL_PWD=tibero"}
    if not with_passwords:
        passwords = {key: "" for key in passwords}
    return SEED_INSTALL_CFG.format(ext_cnt=ext_cnt, apply_list=apply_list, **passwords)


def source_install(node, cfg=None, stdin=None):
    write(prs_path(node, "install", "prs_install.cfg"), cfg or install_cfg())
    return bash(node, 'cd "$PRS_HOME/install" && . ./prs_install.sh', stdin=stdin)


def prosync_schema(site, db_name):
    return json.loads(read(os.path.join(site.shared, "db", db_name, "prosync.json")))


def site_processes(site):
    """{(tool, instance, number, agent)} of the replication processes of this site, from /proc."""
    return set(site_process_pids(site))


def site_process_pids(site):
    """{(tool, instance, number, agent): pid} of the live replication processes of this site."""
    marker = ("LAB_SHARED=%s" % site.shared).encode()
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker not in read_bytes("/proc/%s/environ" % pid).split(b"\0"):
                continue
            argv = read_bytes("/proc/%s/cmdline" % pid).decode().split("\0")
            state = read_bytes("/proc/%s/stat" % pid).decode().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        for index, arg in enumerate(argv[:-3]):
            if os.path.basename(arg) in ("prs_ext", "prs_apply", "prs_llob") and state != "Z":
                found[(os.path.basename(arg), argv[index + 1], argv[index + 2], argv[index + 3])] = int(pid)
    return found


def read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def adm_status(node):
    """prs_adm fed by a pipe; returns the text between the `status` prompt and the next prompt."""
    result = bash(node, "printf 'status\\nexit\\n' | \"$PRS_HOME/bin/prs_adm\"")
    assert result.returncode == 0, result.stderr
    return result.stdout.split("Admin> ")[1].strip("\n") + "\n"


def agent_pid(site, agent_id):
    return json.loads(read(os.path.join(site.shared, "prosync", "agents", "%s.json" % agent_id)))["pid"]


def expected_processes(placement):
    """{(tool, instance, number, agent)} for {process: agent} (process: ext1, ext2, apply1, llob)."""
    argv = {"ext1": ("prs_ext", "1"), "ext2": ("prs_ext", "2"), "apply1": ("prs_apply", "1"),
            "llob": ("prs_llob", "1")}
    return {(argv[p][0], "TAC2TAC", argv[p][1], agent) for p, agent in placement.items()}


SEED_PLACEMENT = {"ext1": "agent1", "ext2": "agent2", "apply1": "agent3", "llob": "agent1"}


# ---------------------------------------------------------------- fixtures

@pytest.fixture
def prs_site(site):
    """Four nodes with ProSync unpacked, the seed's agents installed on each, timings shortened."""
    site.conf(**FAST_PROSYNC_CONF)
    nodes = {}
    for index, name in enumerate(sorted(set(AGENT_NODES.values())), start=1):
        db_name = "tibero" if index <= 2 else "tibero_tar"
        node = site.node(name, tb_sid="tibero%d" % index, cm_sid="cm_tibero%d" % index, db_name=db_name)
        install_prosync_package(node)
        nodes[name] = node
    return site, nodes


@pytest.fixture
def agents_installed(prs_site):
    site, nodes = prs_site
    for result in in_parallel(source_install_agent, list(nodes.values())):
        assert result.returncode == 0, result.stderr
    return site, nodes


@pytest.fixture
def dbs_open(agents_installed):
    """Source DB `tibero` open on node1, target `tibero_tar` on node3 (the Tibero simulation)."""
    site, nodes = agents_installed
    in_parallel(lambda name: ok(nodes[name], "tbboot"), ["node1", "node3"])
    return site, nodes


@pytest.fixture
def instance_installed(dbs_open):
    site, nodes = dbs_open
    result = source_install(nodes["node1"])
    assert result.returncode == 0, result.stdout + result.stderr
    return site, nodes


@pytest.fixture
def agents_running(instance_installed):
    site, nodes = instance_installed
    in_parallel(lambda agent_id: ok(nodes[AGENT_NODES[agent_id]], "prs_agent", agent_id), list(AGENT_NODES))
    assert wait_until(lambda: site_processes(site) == expected_processes(SEED_PLACEMENT), timeout=SETTLE), \
        site_processes(site)
    return site, nodes


# ---------------------------------------------------------------- prs_install_agent.sh

def test_install_agent_prints_the_seed_transcript_and_writes_the_seed_files(prs_site):
    _site, nodes = prs_site
    node = nodes["node1"]
    result = source_install_agent(node)
    assert result.returncode == 0, result.stderr
    expected = read(os.path.join(HERE, "test_prosync_seed_install_agent.out"))
    assert result.stdout == expected.replace("@PRS_HOME@", node.prs_home)
    for agent_id in AGENT_NODES:
        text = read(prs_path(node, "config", "prs_agent_%s.cfg" % agent_id))
        assert "LOG_DIR = %s/var/agent/%s/log\n" % (node.prs_home, agent_id) in text
        assert "USE_CM = N\n" in text
    assert "LISTENER_PORT = 7603\n" in read(prs_path(node, "config", "prs_agent_agent1.cfg"))
    instance_map = read(prs_path(node, "config", "prs_instance.map"))
    assert "AGENT_CNT=4\n" in instance_map and "AGENT_CM_GROUP_3=CM2\n" in instance_map


def test_install_agent_cm_scripts_are_last_writer_wins_like_the_vendor(prs_site):
    """prs_0.sh is written for agent1, then overwritten for agent3: the seed's step 2 must fix it."""
    _site, nodes = prs_site
    node = nodes["node1"]
    assert source_install_agent(node).returncode == 0
    seed_script = read(os.path.join(HERE, "test_prosync_seed_prs_0.sh"))
    expected = seed_script.replace("@PRS_HOME@", node.prs_home).replace("@TB_HOME@", node.tb_home)
    assert read(prs_path(node, "bin", "prs_0.sh")) == expected.replace("AGENT_ID=agent1 ", "AGENT_ID=agent3 ")
    assert "AGENT_ID=agent4 " in read(prs_path(node, "bin", "prs_1.sh"))
    assert os.access(prs_path(node, "bin", "prs_0.sh"), os.X_OK)


def test_cm_script_as_generated_fails_127_under_sh(prs_site):
    """`#!/bin/sh` + `source` on Debian (dash): 127, the seed's pitfall; under bash it works."""
    _site, nodes = prs_site
    node = nodes["node1"]
    assert source_install_agent(node).returncode == 0
    script = prs_path(node, "bin", "prs_0.sh")
    as_generated = subprocess.run([script, "PROBE"], env=env_of(node), capture_output=True, text=True)
    assert as_generated.returncode == 127
    with_bash = subprocess.run(["bash", script, "PROBE"], env=env_of(node), capture_output=True, text=True)
    assert with_bash.returncode == 1  # agent3 is not running: PROBE says so
    assert "probe 7 agent3" in read(prs_path(node, "var", "cmagent.log"))


def test_install_agent_never_overwrites_an_agent_cfg(prs_site):
    _site, nodes = prs_site
    node = nodes["node1"]
    assert source_install_agent(node).returncode == 0
    cfg = prs_path(node, "config", "prs_agent_agent1.cfg")
    edited = read(cfg).replace("USE_CM = N", "USE_CM = Y")
    write(cfg, edited)
    result = source_install_agent(node)
    assert result.returncode == 0
    assert "%s already exists. Skipped." % cfg in result.stdout
    assert "%s not found. Writing files..." % cfg not in result.stdout
    assert read(cfg) == edited


@pytest.mark.parametrize("cfg, message", [
    (SEED_AGENT_CFG.replace("AGENT_CNT=4\n", ""), "AGENT_CNT is not set"),
    (SEED_AGENT_CFG.replace("AGENT_HOST_1=172.19.0.12\n", ""), "AGENT_HOST_1 is not set"),
    (SEED_AGENT_CFG.replace("AGENT_PORT_2=7800", "AGENT_PORT_2=78x0"), "AGENT_PORT_2 must be a port number"),
    (SEED_AGENT_CFG.replace("AGENT_CNT=4", "AGENT_CNT=3"), "AGENT_CNT is 3 but AGENT_ID_3 is defined"),
    (SEED_AGENT_CFG.replace("AGENT_CNT=4", "AGENT_CNT=5"), "AGENT_ID_4 is not set"),
    (SEED_AGENT_CFG.replace("AGENT_ID_3=agent4", "AGENT_ID_3=agent1"), "AGENT_ID agent1 is defined twice"),
    (SEED_AGENT_CFG.replace("AGENT_CM_ID_1=1\n", ""), "must be set together"),
])
def test_install_agent_rejects_a_bad_cfg_and_writes_nothing(prs_site, cfg, message):
    _site, nodes = prs_site
    node = nodes["node1"]
    write(prs_path(node, "install", "prs_install_agent.cfg"), cfg)
    map_before = read(prs_path(node, "config", "prs_instance.map"))
    # Sourced: a failure leaves a status but must not end the operator's shell.
    result = bash(node, 'cd "$PRS_HOME/install" && . ./prs_install_agent.sh; echo "rc=$? shell alive"')
    assert "rc=1 shell alive" in result.stdout
    assert message in result.stderr
    assert not [f for f in os.listdir(prs_path(node, "config")) if f.startswith("prs_agent_")]
    assert not [f for f in os.listdir(prs_path(node, "bin")) if f.endswith(".sh") and f != "prs_cm.sh"]
    assert read(prs_path(node, "config", "prs_instance.map")) == map_before


def test_install_agent_without_cfg_fails(prs_site):
    _site, nodes = prs_site
    result = bash(nodes["node1"], 'cd "$PRS_HOME/install" && . ./prs_install_agent.sh')
    assert result.returncode == 1
    assert "prs_install_agent.cfg] not found." in result.stderr


def test_tools_refuse_root_without_the_test_override(prs_site):
    if os.geteuid() != 0:
        pytest.skip("needs root to check the root refusal")
    _site, nodes = prs_site
    node = nodes["node1"]
    write(prs_path(node, "install", "prs_install_agent.cfg"), SEED_AGENT_CFG)
    env = dict(env_of(node), LAB_ALLOW_ROOT="0")
    result = subprocess.run(["bash", "-c", 'cd "$PRS_HOME/install" && . ./prs_install_agent.sh'],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "must not be run as root" in result.stderr
    assert node.run("prs_adm", env=env).returncode == 1


# ---------------------------------------------------------------- prs_install.sh

def test_install_creates_the_schema_map_and_catalogue(instance_installed):
    site, nodes = instance_installed
    node = nodes["node1"]
    for db_name, role in (("tibero", "source"), ("tibero_tar", "target")):
        record = prosync_schema(site, db_name)["TAC2TAC"]
        assert (record["role"], record["user"], record["install_count"]) == (role, "TAC2TAC", 1)
    instance_map = read(prs_path(node, "config", "prs_instance.map"))
    assert "INSTANCE_ID_0=TAC2TAC\n" in instance_map
    assert "TAC2TAC.EXT_AGENT_ID_LIST_1=agent2,agent1\n" in instance_map
    catalogue = json.loads(read(os.path.join(site.shared, "prosync", "TAC2TAC", "layout.json")))
    assert [(p["name"], p["agents"]) for p in catalogue["processes"]] == [
        ("TAC2TAC_ext1", ["agent1", "agent2"]), ("TAC2TAC_ext2", ["agent2", "agent1"]),
        ("TAC2TAC_apply1", ["agent3", "agent4"]), ("TAC2TAC_llob", ["agent1", "agent2"])]
    assert sorted(os.listdir(prs_path(node, "config", "TAC2TAC"))) == [
        "TAC2TAC_apply1.cfg", "TAC2TAC_ext1.cfg", "TAC2TAC_ext2.cfg", "TAC2TAC_llob.cfg"]


def test_install_prints_the_seed_steps(dbs_open):
    _site, nodes = dbs_open
    result = source_install(nodes["node1"])
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stdout.splitlines() if line.startswith("* ") and "/5)" in line]
    assert steps == ["* Check System Parameters (1/5)", "* Check Installation Parameters (2/5)",
                     "* Install to Source Database (3/5)", "* Install to Target Database (4/5)",
                     "* Generate Configuration Parameters (5/5)"]
    for line in ("* instance information for TAC2TAC was not found. It will be written in this script...",
                 "       * [agent4] found.", "Checking source connection(2/2)... ok",
                 "Checking target connection [tibero_tar](1/2)... ok", "* ProSync is installed successfully on "):
        assert line in result.stdout


def test_install_twice_drops_and_recreates_visibly(instance_installed):
    site, nodes = instance_installed
    first = prosync_schema(site, "tibero")["TAC2TAC"]
    result = source_install(nodes["node1"])
    assert result.returncode == 0, result.stderr
    assert "instance information for TAC2TAC was found. It will be overwritten" in result.stdout
    assert "Dropping ProSync objects... ok (installation #1 of " in result.stdout
    for db_name in ("tibero", "tibero_tar"):
        assert prosync_schema(site, db_name)["TAC2TAC"]["install_count"] == 2
    assert prosync_schema(site, "tibero")["TAC2TAC"]["installed_at"] > first["installed_at"]


def test_install_prompts_for_passwords_without_echo_and_never_stores_them(dbs_open):
    site, nodes = dbs_open
    secrets = ["Prs-Secret-1", "Src-Secret-2", "Tar-Secret-3"]
    result = source_install(nodes["node1"], cfg=install_cfg(with_passwords=False),
                            stdin="".join(s + "\n" for s in secrets))
    assert result.returncode == 0, result.stderr
    for prompt in ("Enter PRS_PWD: ", "Enter SRC_INSTALL_PWD: ", "Enter TAR_INSTALL_PWD: "):
        assert prompt in result.stdout
    assert prosync_schema(site, "tibero")["TAC2TAC"]["password_set"] is True
    for text in (result.stdout, result.stderr):
        assert not any(secret in text for secret in secrets)
    for root, _dirs, files in os.walk(site.root):
        for name in files:
            data = read_bytes(os.path.join(root, name))
            assert not any(secret.encode() in data for secret in secrets), os.path.join(root, name)


def test_install_takes_passwords_from_the_environment(dbs_open):
    """A sourced vendor script sees the caller's variables: the collection passes them that way."""
    site, nodes = dbs_open
    node = nodes["node1"]
    write(prs_path(node, "install", "prs_install.cfg"), install_cfg(with_passwords=False))
    result = bash(node, 'export PRS_PWD=a SRC_INSTALL_PWD=b TAR_INSTALL_PWD=c; '
                        'cd "$PRS_HOME/install" && . ./prs_install.sh')
    assert result.returncode == 0, result.stderr
    assert "Enter " not in result.stdout
    assert prosync_schema(site, "tibero_tar")["TAC2TAC"]["install_count"] == 1


@pytest.mark.parametrize("cfg, message", [
    (install_cfg(ext_cnt=1), "EXT_CNT (1) must be the same as SRC_DB_CNT (2)"),
    (install_cfg(apply_list="agent3,agent9"), "agent agent9 is not installed"),
    (install_cfg().replace("APPLY_PORT=7620", "APPLY_PORT=76x0"), "APPLY_PORT must be a number"),
    (install_cfg().replace("TAR_DB_NAME=tibero_tar", "TAR_DB_NAME="), "TAR_DB_NAME is mandatory"),
    (install_cfg().replace("TAR_DB_NAME=tibero_tar", "TAR_DB_NAME=tibero_down"),
     "target database tibero_down is not reachable"),
])
def test_install_rejects_bad_input_before_touching_the_databases(dbs_open, cfg, message):
    site, nodes = dbs_open
    result = source_install(nodes["node1"], cfg=cfg)
    assert result.returncode == 1
    assert message in result.stderr
    assert not os.path.exists(os.path.join(site.shared, "db", "tibero", "prosync.json"))
    assert not os.path.exists(os.path.join(site.shared, "prosync", "TAC2TAC"))


def test_install_needs_the_agents_installed_first(prs_site):
    _site, nodes = prs_site
    result = source_install(nodes["node1"])
    assert result.returncode == 1
    assert "run prs_install_agent.sh first" in result.stderr


# ---------------------------------------------------------------- prs_agent: placement and takeover

def test_agents_run_each_process_on_the_first_agent_of_its_list(agents_running):
    site, nodes = agents_running
    for node in nodes.values():  # the same answer on every node
        assert adm_status(node) == STATUS_ALL_RUNNING


def test_reinstall_under_running_agents_restarts_every_process(agents_running):
    """prs_install.sh again: new schema, new start position, so the agents restart all processes."""
    site, nodes = agents_running
    before = site_process_pids(site)
    assert source_install(nodes["node1"]).returncode == 0
    assert wait_until(lambda: set(site_process_pids(site).values()).isdisjoint(before.values())
                      and site_processes(site) == expected_processes(SEED_PLACEMENT), timeout=SETTLE), \
        (before, site_process_pids(site))
    assert prosync_schema(site, "tibero")["TAC2TAC"]["install_count"] == 2


def test_lost_agent_processes_move_to_the_next_agent_and_come_back(agents_running):
    site, nodes = agents_running
    os.kill(agent_pid(site, "agent1"), signal.SIGKILL)  # node1's agent dies with no clean-up
    moved = expected_processes(dict(SEED_PLACEMENT, ext1="agent2", llob="agent2"))
    assert wait_until(lambda: site_processes(site) == moved, timeout=SETTLE), site_processes(site)
    status = adm_status(nodes["node4"])
    assert "CM_GROUP: CM1, CM_ID: 0 is not running\n" in status
    assert "TAC2TAC_ext1 (1) is running (prs_agent ID : agent2, HOST: 172.19.0.12, PORT: 7700)\n" in status
    ok(nodes["node1"], "prs_agent", "agent1")  # back: it is first in its lists again
    assert wait_until(lambda: site_processes(site) == expected_processes(SEED_PLACEMENT), timeout=SETTLE), \
        site_processes(site)


def test_clean_stop_hands_over_at_once(agents_running):
    site, nodes = agents_running
    assert "stopped" in ok(nodes["node3"], "prs_agent", "--stop", "agent3")
    moved = expected_processes(dict(SEED_PLACEMENT, apply1="agent4"))
    assert wait_until(lambda: site_processes(site) == moved, timeout=SETTLE), site_processes(site)
    assert run(nodes["node3"], "prs_agent", "--probe", "agent3").returncode == 1


def fix_cm_script(node, cm_id, agent_id):
    """The operator's step 2: bash, and this node's agent id."""
    path = prs_path(node, "bin", "prs_%d.sh" % cm_id)
    text = read(path).replace("#!/bin/sh", "#!/bin/bash", 1)
    lines = [("AGENT_ID=%s" % agent_id if line.startswith("AGENT_ID=") else line) for line in text.split("\n")]
    write(path, "\n".join(lines))
    return path


def test_cm_script_start_probe_down_and_logs(instance_installed):
    site, nodes = instance_installed
    node = nodes["node1"]
    script = fix_cm_script(node, 0, "agent1")
    assert subprocess.run([script, "PROBE"], env=env_of(node)).returncode == 1
    assert subprocess.run([script, "START"], env=env_of(node), timeout=30).returncode == 0
    assert subprocess.run([script, "PROBE"], env=env_of(node)).returncode == 0
    assert wait_until(lambda: ("prs_ext", "TAC2TAC", "1", "agent1") in site_processes(site), timeout=SETTLE)
    assert subprocess.run([script, "START"], env=env_of(node), timeout=30).returncode == 0  # already up
    assert subprocess.run([script, "DOWN"], env=env_of(node), timeout=30).returncode == 0
    assert subprocess.run([script, "PROBE"], env=env_of(node)).returncode == 1
    assert wait_until(lambda: not site_processes(site), timeout=SETTLE), site_processes(site)
    cmagent = read(prs_path(node, "var", "cmagent.log"))
    assert "start 7 agent1" in cmagent and "stop 7 agent1" in cmagent
    assert "cm agent End  (Agent Command DOWN)" in cmagent
    assert "start: prs_agent agent1 is up" in read(prs_path(node, "var", "prs_cm_agent1.log"))
    assert os.path.exists(prs_path(node, "var", "prs_cm_sh_err_agent1.log"))


def test_cm_commit_makes_the_local_agent_take_over_a_failed_agent(agents_running):
    """CM declares agent1 failed (COMMIT agent1 on node2): agent2 takes over, agent1 is fenced."""
    site, nodes = agents_running
    node2 = nodes["node2"]
    script = fix_cm_script(node2, 1, "agent2")
    result = subprocess.run([script, "COMMIT", "agent1"], env=env_of(node2), timeout=30)
    assert result.returncode == 0
    moved = expected_processes(dict(SEED_PLACEMENT, ext1="agent2", llob="agent2"))
    assert wait_until(lambda: site_processes(site) == moved, timeout=SETTLE), site_processes(site)
    assert run(nodes["node1"], "prs_agent", "--probe", "agent1").returncode == 1
    assert "send 7 agent2 agent1" in read(prs_path(node2, "var", "cmagent.log"))
    # A fresh start of agent1 is a new incarnation: live again, and first in its lists.
    ok(nodes["node1"], "prs_agent", "agent1")
    assert wait_until(lambda: site_processes(site) == expected_processes(SEED_PLACEMENT), timeout=SETTLE)


def test_send_needs_the_local_agent_running(instance_installed):
    _site, nodes = instance_installed
    script = fix_cm_script(nodes["node2"], 1, "agent2")
    assert subprocess.run([script, "COMMIT", "agent1"], env=env_of(nodes["node2"]), timeout=30).returncode == 1
    assert "agent2 is not running on this node" in read(prs_path(nodes["node2"], "var",
                                                                 "prs_cm_sh_err_agent2.log"))


def set_agent_cfg(node, agent_id, **values):
    path = prs_path(node, "config", "prs_agent_%s.cfg" % agent_id)
    text = read(path)
    for key, value in values.items():
        text = text.replace("USE_CM = N", "") if key == "USE_CM" else text
        text += "%s = %s\n" % (key, value)
    write(path, text)


def kill_process(site, wanted):
    """SIGKILL one replication process of this site by its argv tuple."""
    marker = " ".join(wanted[1:])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = read_bytes("/proc/%s/cmdline" % pid).decode().split("\0")
        except OSError:
            continue
        if any(os.path.basename(a) == wanted[0] for a in argv) and marker in " ".join(argv) \
                and ("LAB_SHARED=%s" % site.shared).encode() in read_bytes("/proc/%s/environ" % pid):
            os.kill(int(pid), signal.SIGKILL)
            return int(pid)
    raise AssertionError("process %s not found" % (wanted,))


def test_use_cm_restarts_a_killed_process_up_to_the_limit_then_fails_over(instance_installed):
    site, nodes = instance_installed
    node3 = nodes["node3"]
    set_agent_cfg(node3, "agent3", USE_CM="Y", PRS_AGENT_PROC_MAX_FAIL_CNT="1")
    ok(node3, "prs_agent", "agent3")
    ok(nodes["node4"], "prs_agent", "agent4")
    apply_on = {agent: ("prs_apply", "TAC2TAC", "1", agent) for agent in ("agent3", "agent4")}
    assert wait_until(lambda: apply_on["agent3"] in site_processes(site), timeout=SETTLE)
    first = kill_process(site, apply_on["agent3"])
    # Restarted (1/1): a new pid, since the killed process may still be listed while it exits.
    assert wait_until(lambda: site_process_pids(site).get(apply_on["agent3"]) not in (None, first), timeout=SETTLE)
    assert first != kill_process(site, apply_on["agent3"])
    # Over PRS_AGENT_PROC_MAX_FAIL_CNT: agent3 stops itself and agent4 takes apply over.
    assert wait_until(lambda: apply_on["agent4"] in site_processes(site), timeout=SETTLE), site_processes(site)
    assert run(node3, "prs_agent", "--probe", "agent3").returncode == 1
    log = read(prs_path(node3, "var", "agent", "agent3", "log", "prs_agent.log"))
    assert "restarting (1/1)" in log and "PRS_AGENT_PROC_MAX_FAIL_CNT=1" in log


def test_without_use_cm_a_killed_process_stays_down(instance_installed):
    site, nodes = instance_installed
    ok(nodes["node3"], "prs_agent", "agent3")
    ok(nodes["node4"], "prs_agent", "agent4")
    apply3 = ("prs_apply", "TAC2TAC", "1", "agent3")
    assert wait_until(lambda: apply3 in site_processes(site), timeout=SETTLE)
    kill_process(site, apply3)
    assert wait_until(lambda: "TAC2TAC_apply1 is not running\n" in adm_status(nodes["node3"]), timeout=SETTLE)
    assert not [p for p in site_processes(site) if p[0] == "prs_apply"]
    assert run(nodes["node3"], "prs_agent", "--probe", "agent3").returncode == 0


@pytest.mark.parametrize("edit, message", [
    (None, "prs_agent_agent1.cfg not found"),
    ({"USE_CM": "X"}, "USE_CM must be Y or N"),
    ({"PRS_AGENT_PROC_MAX_FAIL_CNT": "ten"}, "PRS_AGENT_PROC_MAX_FAIL_CNT must be a number"),
])
def test_agent_refuses_a_missing_or_invalid_cfg(agents_installed, edit, message):
    site, nodes = agents_installed
    node = nodes["node1"]
    if edit is None:
        os.unlink(prs_path(node, "config", "prs_agent_agent1.cfg"))
    else:
        set_agent_cfg(node, "agent1", **edit)
    result = run(node, "prs_agent", "agent1")
    assert result.returncode == 1
    assert message in result.stderr
    assert not os.path.exists(os.path.join(site.shared, "prosync", "agents", "agent1.json"))


def test_agent_runs_once_per_site(agents_installed):
    site, nodes = agents_installed
    ok(nodes["node1"], "prs_agent", "agent1")
    assert "already running" in ok(nodes["node1"], "prs_agent", "agent1")
    elsewhere = run(nodes["node2"], "prs_agent", "agent1")
    assert elsewhere.returncode == 1 and "already running on node1" in elsewhere.stderr


# ---------------------------------------------------------------- prs_adm

def test_adm_banner_prompt_and_commands(instance_installed):
    _site, nodes = instance_installed
    result = bash(nodes["node1"], "printf 'help\\nstatus\\nquit\\nstatus\\n' | \"$PRS_HOME/bin/prs_adm\"")
    assert result.returncode == 0
    assert result.stdout.startswith("\nProSync 4 - Admin Utility\n")
    assert "Admin> Unknown command: 'help'" in result.stdout
    assert result.stdout.count("Instance ID: [TAC2TAC]") == 1  # nothing runs after quit
    assert "TAC2TAC_ext1 (1) is not running\n" in result.stdout
    assert "CM_GROUP: CM2, CM_ID: 1 is not running\n" in result.stdout


def adm_c(node, *words):
    """`prs_adm -c <words>` (PRS-2), stdin closed: it must not read it."""
    return bash(node, '"$PRS_HOME/bin/prs_adm" -c ' + " ".join("'%s'" % word for word in words))


BANNER = "\nProSync 4 - Admin Utility\n\nTmaxData Corporation Copyright (c) 2024-. All rights reserved.\n\n"


def test_adm_c_runs_one_command_without_prompt(agents_running):
    _site, nodes = agents_running
    result = adm_c(nodes["node2"], "status")
    assert result.returncode == 0, result.stderr
    assert result.stdout == BANNER + "\n" + STATUS_ALL_RUNNING + "\n"
    # the quoted form of a public Java caller and the unquoted words of a public shell script
    quoted, words = adm_c(nodes["node1"], "status TAC2TAC"), adm_c(nodes["node1"], "status", "TAC2TAC")
    assert quoted.returncode == words.returncode == 0
    assert quoted.stdout == words.stdout == result.stdout  # one instance: the same listing
    assert adm_c(nodes["node1"], "exit").stdout == BANNER


@pytest.mark.parametrize("words, rc, message", [
    (("status NOPE",), 1, "Instance ID: [NOPE] not found.\n"),
    (("start NOPE",), 1, "Instance ID: [NOPE] not found.\n"),
    (("shutd TAC2TAC",), 1, "Unknown command: 'shutd TAC2TAC'."),   # only `abort` is attested
    (("help",), 1, "Unknown command: 'help'."),
    ((), 2, None),
])
def test_adm_c_refuses_what_it_does_not_know(instance_installed, words, rc, message):
    _site, nodes = instance_installed
    result = adm_c(nodes["node1"], *words)
    assert result.returncode == rc, result.stdout + result.stderr
    if message:
        assert message in result.stdout
    else:
        assert result.stderr == 'usage: prs_adm [-c "<command>"]\n'


def test_adm_shutd_abort_stops_the_instance_until_start(agents_running):
    site, nodes = agents_running
    result = adm_c(nodes["node3"], "shutd TAC2TAC abort")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Instance ID: [TAC2TAC] shutdown (abort) requested.\n" in result.stdout
    assert "TAC2TAC_apply1 is not running\n" in result.stdout
    assert site_processes(site) == set()
    status = adm_status(nodes["node1"])
    assert status.count(" is running") == 4 and status.count("is not running") == 4  # agents stay up
    # the public heredoc form: indented commands on stdin
    result = bash(nodes["node1"], '"$PRS_HOME/bin/prs_adm"', stdin="        start TAC2TAC\n        exit\n")
    assert result.returncode == 0 and "Instance ID: [TAC2TAC] start requested.\n" in result.stdout
    assert wait_until(lambda: site_processes(site) == expected_processes(SEED_PLACEMENT), timeout=SETTLE)
    assert adm_status(nodes["node4"]) == STATUS_ALL_RUNNING


def test_prs_env_sets_the_prosync_environment(prs_site):
    _site, nodes = prs_site
    node = nodes["node1"]
    result = bash(node, 'cd / && unset PRS_HOME; source "%s/prs_env" "%s" && echo "$PRS_HOME" && '
                  'command -v prs_adm && echo "$LD_LIBRARY_PATH"' % (node.prs_home, node.prs_home))
    assert result.returncode == 0, result.stderr
    home, adm, libs = result.stdout.splitlines()
    assert home == os.path.realpath(node.prs_home) and adm == os.path.join(home, "bin", "prs_adm")
    assert libs.split(":")[0] == os.path.join(home, "lib")
