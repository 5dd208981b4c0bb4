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
