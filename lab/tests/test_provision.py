"""lab-provision: the pre-collection site from topology.json, idempotent; lab-init as PID-1 stand-in."""

import json
import os
import signal
import subprocess
import sys

from conftest import LAB_BIN, wait_until
from labsim import tibero


def topology(site):
    """The seed's first cluster with per-node homes under the test's tmp dir."""
    with open(os.path.join(os.path.dirname(LAB_BIN), "topologies", "prosync.json")) as handle:
        topo = json.load(handle)
    topo["clusters"] = topo["clusters"][:1]
    for node in topo["clusters"][0]["nodes"]:
        node["tb_home"] = os.path.join(site.root, node["node"], "tibero7")
        node["prs_home"] = os.path.join(site.root, node["node"], "prosync")
    topo["clusters"][0]["cfile"] = os.path.join(site.root, "cmdata")
    with open(os.path.join(site.shared, "topology.json"), "w") as handle:
        json.dump(topo, handle)
    return topo


def provision(site, node):
    env = dict(os.environ, LAB_SHARED=site.shared, LAB_NODE=node, LAB_PROVISION_AS_SELF="1")
    return subprocess.run([sys.executable, os.path.join(LAB_BIN, "lab-provision")], env=env,
                          capture_output=True, text=True, timeout=60)


def node_env(site, node, sid, cm_sid):
    home = os.path.join(site.root, node, "tibero7")
    return dict(os.environ, TB_HOME=home, TB_SID=sid, CM_SID=cm_sid, CM_HOME=home, LAB_SHARED=site.shared,
                LAB_NODE=node, LAB_ALLOW_ROOT="1")


def cmrctl(env, *args):
    return subprocess.run([sys.executable, os.path.join(LAB_BIN, "cmrctl")] + list(args), env=env,
                          capture_output=True, text=True, timeout=30)


def test_provision_builds_the_site_and_is_idempotent(site):
    topology(site)
    for node in ("node1", "node2"):
        result = provision(site, node)
        assert result.returncode == 0, result.stdout + result.stderr
    home1 = os.path.join(site.root, "node1", "tibero7")
    with open(os.path.join(home1, "config", "cm_tibero1.tip")) as handle:
        tip = handle.read()
    assert "CM_NAME=cm_tibero1" in tip and "CM_UI_PORT=8645" in tip and "CM_ID" not in tip
    assert "CM_RESOURCE_FILE=%s/cmfile/tibero/cm_tibero1.res" % home1 in tip
    for sub in ("bin", "install", "config", "var"):
        path = os.path.join(site.root, "node1", "prosync", sub)
        assert os.path.isdir(path) and os.stat(path).st_mode & 0o2070 == 0o2070

    env1 = node_env(site, "node1", "tibero1", "cm_tibero1")
    out = cmrctl(env1, "show", "all").stdout
    assert out.count("Resource List of Node") == 2
    assert out.count(" tibero       UP Database, Active Cluster (auto-restart: OFF)") == 2
    assert "        tibero1 UP(NRML) tibero," in out  # the DETAIL wraps: long tmp path
    assert "     COMMON  network           inc2       UP (private) 172.19.0.12/8670" in out

    # Rerun: nothing duplicated, a DB that went down is booted again, tips are kept as edited.
    with open(os.path.join(home1, "config", "cm_tibero1.tip"), "a") as handle:
        handle.write("CM_ID=0\n")
    tibero_env = dict(env1)
    subprocess.run([sys.executable, os.path.join(LAB_BIN, "tbdown"), "abort"], env=tibero_env, check=True,
                   capture_output=True)
    again = provision(site, "node1")
    assert again.returncode == 0, again.stdout + again.stderr
    assert tibero.running_instance(home1, "tibero1") is not None
    assert cmrctl(env1, "show", "all").stdout.count("Resource List of Node") == 2
    assert cmrctl(env1, "show").stdout.count(" db ") == 1
    with open(os.path.join(home1, "config", "cm_tibero1.tip")) as handle:
        assert "CM_ID=0" in handle.read()


def test_provision_rejects_unknown_node(site):
    topology(site)
    result = provision(site, "node9")
    assert result.returncode != 0 and "node9" in result.stderr


def catches_sigterm(pid):
    """True once the process installed its SIGTERM handler (SigCgt bit 15 in /proc/<pid>/status)."""
    with open("/proc/%d/status" % pid) as handle:
        caught = [line.split()[1] for line in handle if line.startswith("SigCgt:")][0]
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


def test_lab_init_exits_cleanly_on_sigterm():
    init = subprocess.Popen([sys.executable, os.path.join(LAB_BIN, "lab-init")])
    try:
        assert wait_until(lambda: catches_sigterm(init.pid), timeout=5)
        init.send_signal(signal.SIGTERM)
        assert wait_until(lambda: init.poll() is not None, timeout=5)
        assert init.returncode == 0
    finally:
        if init.poll() is None:
            init.kill()


def test_tsc_topology_registers_only_the_primary_service_with_the_observer():
    """lab/topologies/tsc.json (molecule tsc): cls_pri's service carries --tscid/--obsip/--obsport, cls_sby's not."""
    from labsim import provision
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(repo, "lab", "topologies", "tsc.json")) as handle:
        topology = json.load(handle)
    observer = topology["tsc"]["observer"]
    assert provision.node_plan(topology, "pri1")["tsc"] == {
        "tscid": topology["tsc"]["id"], "obsip": observer["host"], "obsport": observer["observer_port"]}
    assert "tsc" not in provision.node_plan(topology, "sby1")


def test_tsc_topology_primary_tips_carry_the_lab_inventory_timers():
    """The primary is a configured TSC member: its tips already hold inventories/tsc_lab's AFO timers, so
    the collection's tip_param changes nothing there (molecule tsc: its DB is never restarted)."""
    import yaml
    from labsim import provision
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(repo, "lab", "topologies", "tsc.json")) as handle:
        topology = json.load(handle)
    plan = provision.node_plan(topology, "pri1")
    with open(os.path.join(repo, "inventories", "tsc_lab", "group_vars", "all", "tsc.yml")) as handle:
        timers = yaml.safe_load(handle)["tibero_cm_tsc"]["timers"]
    cm_tip = provision.cm_tip_text(plan).splitlines()
    for key, option in (("_OBSERVER_EXPIRE_TIME", "observer_expire_time"), ("_CM_OBSERVER_EXPIRE", "cm_observer_expire"),
                        ("_CM_AUTOFAILOVER_WAIT_TIME", "cm_autofailover_wait_time"),
                        ("_CM_MAX_IO_RETRY", "cm_max_io_retry"), ("CM_HEARTBEAT_EXPIRE", "cm_heartbeat_expire"),
                        ("CM_NET_MARGIN", "cm_net_margin")):
        assert "%s=%s" % (key, timers[option]) in cm_tip
    db_tip = provision.db_tip_text(plan).splitlines()
    assert "_STANDBY_NETWORK_TIMEOUT=%s" % timers["standby_network_timeout"] in db_tip
    assert "STANDBY_USE_OBSERVER=Y" in db_tip
    assert "STANDBY_USE_OBSERVER=Y" not in provision.db_tip_text(provision.node_plan(topology, "sby1"))
