"""TSC observer auto-failover on the host: real CM daemons, tbsvr processes and observer (tbcmobs),
short timers, every seed 004 scenario in both observer modes.

Each test measures whether and when AFO happened (the observer's history in state.json) and compares
with the plan of plugins/module_utils/afo_plan.py — the same table the collection prints.
"""

import json
import os
import sys
import time

import pytest

from conftest import SETTLE, wait_until
from labsim import tibero

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "plugins", "module_utils"))
import afo_plan  # noqa: E402  (pure Python, no Ansible needed)
import cmrctl_show  # noqa: E402

TSCID = 1
OBS_PORT = 9999
# Short AFO timers (seconds); _OBSERVER_EXPIRE_TIME < CM_HEARTBEAT_EXPIRE + CM_NET_MARGIN holds.
TIMERS = {"_OBSERVER_EXPIRE_TIME": 2, "_CM_OBSERVER_EXPIRE": 2, "_CM_AUTOFAILOVER_WAIT_TIME": 1,
          "_STANDBY_NETWORK_TIMEOUT": 2, "_CM_MAX_IO_RETRY": 1, "CM_HEARTBEAT_EXPIRE": 3,
          "CM_NET_MARGIN": 1}
PLAN_VALUES = {p.option: TIMERS[p.tip_name] for p in afo_plan.PARAMETERS}
# The lab's own latency on top of the seed's timers: CM tick + observer tick + tbsvr freshness.
LATENCY = 1.5


def tsc_member(site, name, sid, cluster, ip):
    node = site.node(name, tb_sid=sid, cm_sid="cm_" + name, cm_name="cm_" + name, db_name="tsc",
                     extra_tip={k: v for k, v in TIMERS.items() if k != "_STANDBY_NETWORK_TIMEOUT"})
    with open(node.tip_path(sid), "a") as handle:
        handle.write("_STANDBY_NETWORK_TIMEOUT=%s\nSTANDBY_USE_OBSERVER=Y\n" % TIMERS["_STANDBY_NETWORK_TIMEOUT"])
    node.ok("tbcm", "-b")
    node.ok("cmrctl", "add", "network", "--name", "net_" + name, "--nettype", "private",
            "--ipaddr", ip, "--portno", "8640")
    node.ok("cmrctl", "add", "cluster", "--name", cluster, "--incnet", "net_" + name,
            "--cfile", os.path.join(node.tb_home, "cmfile", "cmdata"))
    node.ok("cmrctl", "start", "cluster", "--name", cluster)
    node.ok("cmrctl", "add", "service", "--name", "tsc", "--cname", cluster, "--type", "db",
            "--tscid", str(TSCID), "--obsip", "10.0.0.9", "--obsport", str(OBS_PORT))
    node.ok("cmrctl", "add", "db", "--name", sid, "--svcname", "tsc", "--dbhome", node.tb_home,
            "--envfile", "/dev/null")
    return node


@pytest.fixture
def tsc(site):
    """Primary (cls_pri on pri), standby (cls_sby on sby) and an observer (obs), all healthy."""
    site.conf(LAB_CM_TICK="0.2")
    pri = tsc_member(site, "pri", "tb_pri", "cls_pri", "10.0.0.1")
    sby = tsc_member(site, "sby", "tb_sby", "cls_sby", "10.0.0.2")
    obs = site.node("obs", tb_sid="obs", cm_sid="obs", cm_name="obs1")
    obs.write_tip("obs", ["CM_NAME=obs1", "CM_MODE_OBSERVER=Y", "CM_OBSERVER_PORT=%d" % OBS_PORT,
                          "CM_UI_PORT=9998"])
    pri.ok("tbboot")
    sby.ok("tbboot", "recovery")
    assert "started up" in obs.ok("tbcmobs", "-b")
    assert wait_until(lambda: healthy(obs), timeout=SETTLE), show(obs)
    return pri, sby, obs


def show(node):
    return node.run("cmrctl", "show", "--tscid", str(TSCID)).stdout


def healthy(node):
    text = show(node)
    return "ON(TSN)" in text and text.count("Y(M)") == 2 and " 1 " in text.split("cm_sby")[1]


def state(site):
    with open(os.path.join(site.shared, "tsc", str(TSCID), "state.json")) as handle:
        return json.load(handle)


def afo_history(site):
    return [h for h in state(site).get("history", []) if h["op"] == "failover"]


def read_pid(node, sid, name):
    with open(os.path.join(node.tb_home, "instance", sid, name)) as handle:
        return json.load(handle)["pid"]


def trigger(scenario, site, pri):
    """Break the primary the way seed 004's table says (host equivalents of the drill's steps)."""
    if scenario == "cm_abnormal":
        os.kill(read_pid(pri, pri.cm_sid, "lab_cm.json"), 9)
    elif scenario == "cm_down":
        pri.ok("tbcm", "-d")
    elif scenario == "db_abnormal":
        os.kill(read_pid(pri, pri.tb_sid, "lab_tbsvr.json"), 9)
    elif scenario == "db_down":
        pri.ok("tbdown", "immediate")
    elif scenario == "network_failure":
        pri.ok("lab-netcut", "pri", "on")
    elif scenario == "cmfile_failure":
        os.chmod(os.path.join(site.shared, "cm", "cls_pri", "cmfile.json"), 0)


def cm_running(node):
    return node.run("tbcm", "-s").returncode == 0


def db_mode(node):
    """The boot mode of the node's live tbsvr, None when it is down."""
    state = tibero.running_instance(node.tb_home, node.tb_sid)
    return state["mode"] if state else None


# The lab's time to AFO in DISASTER_PLAN for the slowest scenario (network: _STANDBY_NETWORK_TIMEOUT +
# observer expiry + wait) plus latency: watching this long without AFO means "no AFO".
NO_AFO_WINDOW = TIMERS["_STANDBY_NETWORK_TIMEOUT"] + TIMERS["_CM_OBSERVER_EXPIRE"] + \
    TIMERS["_CM_AUTOFAILOVER_WAIT_TIME"] + 2 * LATENCY
# The seed's timers without its "extra" seconds: AFO earlier than this would break the table.
LOWER_BOUND = {
    "cm_abnormal": TIMERS["_CM_OBSERVER_EXPIRE"] + TIMERS["_CM_AUTOFAILOVER_WAIT_TIME"],
    "db_abnormal": TIMERS["_CM_AUTOFAILOVER_WAIT_TIME"],
    "db_down": TIMERS["_CM_AUTOFAILOVER_WAIT_TIME"],
    "network_failure": TIMERS["_STANDBY_NETWORK_TIMEOUT"] + TIMERS["_CM_OBSERVER_EXPIRE"]
    + TIMERS["_CM_AUTOFAILOVER_WAIT_TIME"],
    "cmfile_failure": min(TIMERS["_CM_MAX_IO_RETRY"], TIMERS["CM_HEARTBEAT_EXPIRE"])
    + TIMERS["_CM_OBSERVER_EXPIRE"] + TIMERS["_CM_AUTOFAILOVER_WAIT_TIME"],
}
# Seed 004: the primary's CM process after the failure (the DB is down in every row).
PRIMARY_CM_UP = {"cm_abnormal": False, "cm_down": False, "db_abnormal": True, "db_down": True,
                 "network_failure": False, "cmfile_failure": True}


# The one lab test whose assertions are wall-clock bounds (AFO no earlier than the seed's timers, no
# later than them + LATENCY): a CPU-starved host can delay a CM or observer tick past them, so a
# failure is retried (pytest-rerunfailures); no other lab test is retried (make lab-units).
@pytest.mark.flaky(reruns=2, reruns_delay=2)
@pytest.mark.parametrize("mode", ["protective", "disaster_plan"])
@pytest.mark.parametrize("scenario", afo_plan.SCENARIO_NAMES)
def test_observer_follows_the_seed_table(tsc, site, scenario, mode):
    pri, sby, obs = tsc
    expected = {p["scenario"]: p for p in afo_plan.plan(mode, PLAN_VALUES)}[scenario]
    assert "SUCCESS!" in obs.ok("cmrctl", "set", "--tscid", str(TSCID), "--mode", mode)
    t0 = time.time()
    trigger(scenario, site, pri)
    window = expected["seconds"] + LATENCY if expected["afo"] else NO_AFO_WINDOW
    wait_until(lambda: afo_history(site), timeout=window, interval=0.1)
    history = afo_history(site)
    assert bool(history) == expected["afo"], (scenario, mode, history, show(obs))
    if expected["afo"]:
        elapsed = history[0]["ts"] - t0
        assert LOWER_BOUND[scenario] - 0.5 <= elapsed <= expected["seconds"] + LATENCY, elapsed
        assert history[0]["from"] == "cls_pri" and history[0]["to"] == "cls_sby"
        assert wait_until(lambda: db_mode(sby) == "FAILOVER", timeout=SETTLE)
        # The observer learns the new mode from the standby CM's next heartbeat, which its CM
        # publishes only after tbboot returns (LAB_BOOT_SECONDS after tbsvr's state file shows
        # FAILOVER): poll the observer's view for a few CM ticks instead of racing that publish.
        assert wait_until(lambda: "UP(FAILOVER)  PRIMARY" in obs.ok("cmrctl", "show"), timeout=SETTLE), \
            obs.ok("cmrctl", "show")
    else:
        assert db_mode(sby) == "RECOVERY"
    assert db_mode(pri) is None
    assert wait_until(lambda: cm_running(pri) == PRIMARY_CM_UP[scenario], timeout=SETTLE)


def test_mode_is_forgotten_when_the_observer_restarts(tsc, site):
    _pri, _sby, obs = tsc
    obs.ok("cmrctl", "set", "--tscid", str(TSCID), "--mode", "disaster_plan")
    assert cmrctl_show.parse_tsc(show(obs))["mode"] == "DISASTER_PLAN"  # vendor facts TSC-3
    assert "CM DOWN SUCCESS!" in obs.ok("tbcmobs", "-d")
    assert "      OFF" in show(obs) and "Y(M)" not in show(obs)
    failed = obs.run("cmrctl", "set", "--tscid", str(TSCID), "--mode", "disaster_plan")
    assert failed.returncode == 1 and "not connected" in failed.stderr
    obs.ok("tbcmobs", "-b")
    # The new observer published itself before tbcmobs -b returned (the old one's last word was "stopped").
    with open(os.path.join(site.shared, "tsc", "observer_%d.json" % OBS_PORT)) as handle:
        assert json.load(handle)["state"] == "running"
    assert wait_until(lambda: healthy(obs), timeout=SETTLE)
    assert "PROTECTIVE" in show(obs)


def cls_ids(obs):
    """{CM_NAME: CLS_ID} of `show --tscid` and of the observer's `show` (blank cells carried down)."""
    tsc = cmrctl_show.parse_tsc(show(obs))["members"]
    observer = cmrctl_show.parse_observer(obs.ok("cmrctl", "show"))["members"]
    return ({m["cm_name"]: m["cls_id"] for m in tsc}, {m["cm_name"]: m["cls_id"] for m in observer})


def test_cls_id_counts_from_0_and_follows_the_roles(tsc):
    """Vendor facts TSC-3: CLS_ID 0 and 1 for a primary/standby pair, renumbered after a switchover."""
    pri, sby, obs = tsc
    assert cls_ids(obs) == ({"cm_pri": "0", "cm_sby": "1"},) * 2
    pri.ok("cmrctl", "switchover", "--tscid", str(TSCID))
    assert wait_until(lambda: healthy(obs) or "cm_pri   Y(M)     1" in show(obs), timeout=SETTLE)
    assert cls_ids(obs) == ({"cm_sby": "0", "cm_pri": "1"},) * 2
    assert [m["cm_name"] for m in cmrctl_show.parse_tsc(show(obs))["members"]] == ["cm_sby", "cm_pri"]


def test_switchover_swaps_roles_and_back(tsc):
    pri, sby, obs = tsc
    assert "SUCCESS!" in pri.ok("cmrctl", "switchover", "--tscid", str(TSCID))
    assert (db_mode(pri), db_mode(sby)) == ("RECOVERY", "NORMAL")
    assert wait_until(lambda: healthy(obs) or "cm_pri   Y(M)     1" in show(obs), timeout=SETTLE)
    assert "UP(RECO)   TARGET" in obs.ok("cmrctl", "show").split("cm_pri")[1]
    sby.ok("cmrctl", "switchover", "--tscid", str(TSCID))
    assert (db_mode(pri), db_mode(sby)) == ("NORMAL", "RECOVERY")


def test_no_afo_and_no_switchover_without_a_standby(tsc, site):
    pri, sby, obs = tsc
    sby.ok("tbdown", "immediate")
    failed = pri.run("cmrctl", "switchover", "--tscid", str(TSCID))
    assert failed.returncode == 1 and "Switchover failed" in failed.stderr
    pri.ok("tbdown", "immediate")
    time.sleep(TIMERS["_CM_AUTOFAILOVER_WAIT_TIME"] + LATENCY)
    assert afo_history(site) == []


def test_tbcmobs_refuses_a_node_tip_and_a_second_start(tsc, site):
    pri, _sby, obs = tsc
    result = pri.run("tbcmobs", "-b")
    assert result.returncode == 1 and "CM_MODE_OBSERVER=Y" in result.stdout
    again = obs.run("tbcmobs", "-b")
    assert again.returncode == 1 and "already running" in again.stdout


def test_unknown_tscid_and_bad_mode_fail(tsc):
    _pri, _sby, obs = tsc
    unknown = obs.run("cmrctl", "show", "--tscid", "7")
    assert unknown.returncode == 1 and "TSC(ID: 7) is not found." in unknown.stderr
    bad = obs.run("cmrctl", "set", "--tscid", str(TSCID), "--mode", "aggressive")
    assert bad.returncode == 1 and "Invalid --mode" in bad.stderr
