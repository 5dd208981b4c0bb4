# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seed 004's AFO table, composed for both modes, default and non-default timers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import afo_plan

OBS = '_CM_OBSERVER_EXPIRE'
OBS_TIME = '_OBSERVER_EXPIRE_TIME'
WAIT = '_CM_AUTOFAILOVER_WAIT_TIME'
NET = '_STANDBY_NETWORK_TIMEOUT'
IO = '_CM_MAX_IO_RETRY'
HB = 'CM_HEARTBEAT_EXPIRE'


def summary(mode, values=None):
    return [(s['scenario'], s['afo'], s['seconds'], s['timers']) for s in afo_plan.plan(mode, values)]


def test_protective_with_defaults():
    assert summary('protective') == [
        ('cm_abnormal', False, None, []),
        ('cm_down', False, None, []),
        ('db_abnormal', True, 10, [WAIT]),
        ('db_down', True, 10, [WAIT]),
        ('network_failure', False, None, []),
        ('cmfile_failure', False, None, []),
    ]


def test_disaster_plan_with_defaults():
    assert summary('disaster_plan') == [
        # (60 + 10) + 10
        ('cm_abnormal', True, 80, [OBS, OBS_TIME, WAIT]),
        ('cm_down', False, None, []),
        ('db_abnormal', True, 10, [WAIT]),
        ('db_down', True, 10, [WAIT]),
        # 60 + (60 + 5) + (60 + 10) + 10
        ('network_failure', True, 205, [OBS, OBS_TIME, NET, WAIT]),
        # min(10, 300) + (60 + 10) + 10
        ('cmfile_failure', True, 90, [IO, HB, OBS, OBS_TIME, WAIT]),
    ]


# Distinct values so that every term is visible in the totals.
CUSTOM = dict(observer_expire_time=20, cm_observer_expire=30, cm_autofailover_wait_time=7,
              standby_network_timeout=90, cm_max_io_retry=40, cm_heartbeat_expire=25, cm_net_margin=3)


@pytest.mark.parametrize('scenario, seconds', [
    ('cm_abnormal', (30 + 10) + 7),                        # max(30, 20) is _CM_OBSERVER_EXPIRE
    ('cm_down', None),
    ('db_abnormal', 7),
    ('db_down', 7),
    ('network_failure', 30 + (90 + 5) + (30 + 10) + 7),
    ('cmfile_failure', 25 + (30 + 10) + 7),                # (1) > (2): CM_HEARTBEAT_EXPIRE decides
])
def test_disaster_plan_with_custom_timers(scenario, seconds):
    by_name = dict((s['scenario'], s) for s in afo_plan.plan('disaster_plan', CUSTOM))
    assert by_name[scenario]['seconds'] == seconds


def test_observer_expire_time_wins_when_larger():
    values = dict(observer_expire_time=100, cm_observer_expire=60)
    by_name = dict((s['scenario'], s) for s in afo_plan.plan('disaster_plan', values))
    assert by_name['cm_abnormal']['seconds'] == (100 + 10) + 10


def test_formula_and_stages_explain_the_figure():
    network = afo_plan.plan('disaster_plan')[4]
    assert network['formula'] == (
        'max(_CM_OBSERVER_EXPIRE, _OBSERVER_EXPIRE_TIME) + (_STANDBY_NETWORK_TIMEOUT + 5) + '
        '(max(_CM_OBSERVER_EXPIRE, _OBSERVER_EXPIRE_TIME) + 10) + _CM_AUTOFAILOVER_WAIT_TIME '
        '= 60 + 65 + 70 + 10 = 205')
    assert [stage['seconds'] for stage in network['stages']] == [60, 65, 70, 10]
    assert network['target_db'] == 'Up(FAILOVER)'
    cmfile = afo_plan.plan('protective')[5]
    assert cmfile['formula'] is None and cmfile['stages'] == [] and cmfile['target_db'] == 'Up(RECO)'


def test_every_scenario_is_planned_for_every_mode():
    for mode in afo_plan.MODES:
        assert tuple(s['scenario'] for s in afo_plan.plan(mode)) == afo_plan.SCENARIO_NAMES


@pytest.mark.parametrize('values, violated', [
    (dict(), False),                                                   # 60 < 300 + 0
    (dict(observer_expire_time=300), True),                            # 300 < 300 + 0 is false
    (dict(observer_expire_time=300, cm_net_margin=1), False),
    (dict(observer_expire_time=60, cm_heartbeat_expire=30, cm_net_margin=30), True),
    (dict(observer_expire_time=59, cm_heartbeat_expire=30, cm_net_margin=30), False),
])
def test_observer_expire_rule(values, violated):
    violations = afo_plan.rule_violations(afo_plan.effective_parameters(values))
    assert bool(violations) is violated
    if violated:
        assert violations[0]['rule'] == '_OBSERVER_EXPIRE_TIME < CM_HEARTBEAT_EXPIRE + CM_NET_MARGIN'
        assert '_OBSERVER_EXPIRE_TIME (%d)' % afo_plan.effective_parameters(values)['observer_expire_time'] \
            in violations[0]['msg']


@pytest.mark.parametrize('mode, values, message', [
    ('manual', None, 'mode must be one of protective, disaster_plan'),
    ('protective', dict(cm_max_io_retry=-1), 'cm_max_io_retry .* must be a whole number'),
    ('protective', dict(cm_max_io_retry='10'), 'cm_max_io_retry'),
    ('protective', dict(cm_max_io_retry=True), 'cm_max_io_retry'),
    ('protective', dict(unknown=1), 'unknown AFO parameter'),
])
def test_bad_input(mode, values, message):
    with pytest.raises(ValueError, match=message):
        afo_plan.plan(mode, values)


def test_none_means_default():
    assert afo_plan.effective_parameters(dict(cm_net_margin=None))['cm_net_margin'] == 0


@pytest.mark.parametrize('mode, index, formula', [
    ('protective', 3, '_CM_AUTOFAILOVER_WAIT_TIME = 10'),
    ('disaster_plan', 0, '(max(_CM_OBSERVER_EXPIRE, _OBSERVER_EXPIRE_TIME) + 10) + _CM_AUTOFAILOVER_WAIT_TIME '
                         '= 70 + 10 = 80'),
    ('disaster_plan', 5, 'min(_CM_MAX_IO_RETRY, CM_HEARTBEAT_EXPIRE) + '
                         '(max(_CM_OBSERVER_EXPIRE, _OBSERVER_EXPIRE_TIME) + 10) + _CM_AUTOFAILOVER_WAIT_TIME '
                         '= 10 + 70 + 10 = 90'),
])
def test_formula_text(mode, index, formula):
    assert afo_plan.plan(mode)[index]['formula'] == formula
