"""The observer's and the CMs' decision functions (labsim.tsc), exactly, with a virtual clock.

test_tsc_lab.py proves the whole simulation with real processes; these pin the arithmetic of each
seed 004 rule (which timer starts when) without any waiting.
"""

import pytest

from labsim import tsc

T = dict(tsc.TIMER_DEFAULTS, _OBSERVER_EXPIRE_TIME=3, _CM_OBSERVER_EXPIRE=4,
         _CM_AUTOFAILOVER_WAIT_TIME=2, _STANDBY_NETWORK_TIMEOUT=5, _CM_MAX_IO_RETRY=7,
         CM_HEARTBEAT_EXPIRE=6, CM_NET_MARGIN=1)
STANDBY_OK = tsc.ClusterView(db_mode="RECOVERY")
BOTH = (tsc.PROTECTIVE, tsc.DISASTER_PLAN)


def due_at(mode, primary, standby, start=100.0, until=200.0, step=0.25):
    """The first virtual time at which the observer would fail over, or None."""
    now = start
    while now <= until:
        if tsc.afo_due(mode, T, primary, standby, now):
            return now
        now += step
    return None


@pytest.mark.parametrize("mode", BOTH)
def test_db_down_under_a_running_cm_fails_over_after_the_wait_in_both_modes(mode):
    primary = tsc.ClusterView(db_mode=None, db_down_at=100.0)
    assert due_at(mode, primary, STANDBY_OK) == 102.0


@pytest.mark.parametrize("mode", BOTH)
def test_a_cm_that_said_goodbye_never_fails_over(mode):
    primary = tsc.ClusterView(talking=False, left=True, db_mode=None, db_down_at=100.0)
    standby = tsc.ClusterView(db_mode="RECOVERY", link_lost_at=100.0)
    assert due_at(mode, primary, standby) is None


def test_silent_primary_fails_over_only_in_disaster_plan_after_expiry_and_wait():
    primary = tsc.ClusterView(talking=False)
    standby = tsc.ClusterView(db_mode="RECOVERY", link_lost_at=100.0)
    assert due_at(tsc.PROTECTIVE, primary, standby) is None
    # max(_CM_OBSERVER_EXPIRE 4, _OBSERVER_EXPIRE_TIME 3) + wait 2 after the standby lost the primary
    assert due_at(tsc.DISASTER_PLAN, primary, standby) == 106.0


def test_silent_primary_waits_for_the_standby_to_lose_it():
    primary = tsc.ClusterView(talking=False)
    assert due_at(tsc.DISASTER_PLAN, primary, STANDBY_OK) is None


def test_cmfile_failure_fails_over_only_in_disaster_plan():
    primary = tsc.ClusterView(db_mode=None, cluster_down_at=100.0)
    assert due_at(tsc.PROTECTIVE, primary, STANDBY_OK) is None
    assert due_at(tsc.DISASTER_PLAN, primary, STANDBY_OK) == 106.0


@pytest.mark.parametrize("mode", BOTH)
def test_no_afo_without_a_standby_in_recovery(mode):
    primary = tsc.ClusterView(db_mode=None, db_down_at=100.0)
    assert due_at(mode, primary, tsc.ClusterView(db_mode=None)) is None
    assert due_at(mode, primary, tsc.ClusterView(talking=False, db_mode="RECOVERY")) is None


def test_cm_shuts_the_db_down_after_the_shorter_of_io_retry_and_heartbeat_expire():
    assert not tsc.cmfile_shutdown_due(T, 100.0, 105.9)
    assert tsc.cmfile_shutdown_due(T, 100.0, 106.0)  # CM_HEARTBEAT_EXPIRE 6 < _CM_MAX_IO_RETRY 7
    assert not tsc.cmfile_shutdown_due(T, None, 1000.0)


def test_isolated_primary_goes_down_only_when_observer_and_standby_are_both_gone():
    assert not tsc.isolation_due(T, None, 0.0, 1000.0)          # never knew an observer
    assert not tsc.isolation_due(T, 100.0, 103.0, 106.0)        # standby heard 3 s ago
    assert tsc.isolation_due(T, 100.0, 102.0, 106.0)            # 4 s since either: expiry reached


def test_standby_loses_a_dead_primary_at_once_and_an_unreachable_one_after_its_timeout():
    assert tsc.link_lost_at(T, True, True, 100.0, 100.0) is None
    assert tsc.link_lost_at(T, True, False, 99.0, 100.0) == 99.0
    assert tsc.link_lost_at(T, False, False, 100.0, 104.9) is None
    assert tsc.link_lost_at(T, False, False, 100.0, 105.0) == 105.0


def test_timers_come_from_the_tips_with_seed_defaults():
    values = tsc.timers_from({"_CM_OBSERVER_EXPIRE": "7", "CM_NAME": "x"}, {"_STANDBY_NETWORK_TIMEOUT": "9"})
    assert values["_CM_OBSERVER_EXPIRE"] == 7 and values["_STANDBY_NETWORK_TIMEOUT"] == 9
    assert values["_CM_AUTOFAILOVER_WAIT_TIME"] == 10 and values["_OBSERVER_EXPIRE_TIME"] == 60


def _member(cm_name, cluster, nid=1):
    return {"cm_name": cm_name, "cluster": cluster, "nid": nid}


def test_cls_id_counts_from_0_with_the_primary_first_and_follows_a_role_swap():
    """Vendor facts TSC-3: CLS_ID 0 and 1 for a primary/standby pair, renumbered when the roles swap."""
    docs = {"cm_p1": _member("cm_p1", "cls_p"), "cm_p2": _member("cm_p2", "cls_p", 2),
            "cm_s1": _member("cm_s1", "cls_s")}
    state = {"clusters": ["cls_p", "cls_s"], "primary": "cls_p", "standby": "cls_s"}
    assert [(c, d["cm_name"]) for c, d in tsc.ordered_members(state, docs)] == [
        (0, "cm_p1"), (0, "cm_p2"), (1, "cm_s1")]
    swapped = dict(state, primary="cls_s", standby="cls_p")
    assert [(c, d["cm_name"]) for c, d in tsc.ordered_members(swapped, docs)] == [
        (0, "cm_s1"), (1, "cm_p1"), (1, "cm_p2")]
    # before the roles are known (one cluster so far): still from 0
    assert [c for c, _d in tsc.ordered_members({}, {"cm_p1": docs["cm_p1"]})] == [0]


def test_mode_words_are_the_public_ones():
    assert (tsc.PROTECTIVE, tsc.DISASTER_PLAN) == ("PROTECTIVE", "DISASTER_PLAN")
    assert tsc.MODE_BY_OPTION == {"protective": "PROTECTIVE", "disaster_plan": "DISASTER_PLAN"}
