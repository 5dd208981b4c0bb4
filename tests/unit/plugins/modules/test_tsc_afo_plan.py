# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tsc_afo_plan: options in, seed 004's plan out; the expiry rule fails or warns."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.modules import tsc_afo_plan
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

DEFAULT_PARAMETERS = {
    '_OBSERVER_EXPIRE_TIME': 60, '_CM_OBSERVER_EXPIRE': 60, '_CM_AUTOFAILOVER_WAIT_TIME': 10,
    '_STANDBY_NETWORK_TIMEOUT': 60, '_CM_MAX_IO_RETRY': 10, 'CM_HEARTBEAT_EXPIRE': 300, 'CM_NET_MARGIN': 0,
}


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(AnsibleModule, 'warn', lambda self, msg: seen.append(msg))
    return seen


def test_defaults_are_protective_with_the_seed_timers(warnings):
    result = run_module(tsc_afo_plan.main, {}, check_mode=True)
    assert result['changed'] is False
    assert result['commands'] == []
    assert result['mode'] == 'protective'
    assert result['parameters'] == DEFAULT_PARAMETERS
    assert result['rule_violations'] == []
    assert [(s['scenario'], s['afo'], s['seconds']) for s in result['scenarios']] == [
        ('cm_abnormal', False, None), ('cm_down', False, None), ('db_abnormal', True, 10), ('db_down', True, 10),
        ('network_failure', False, None), ('cmfile_failure', False, None)]
    assert result['summary'][0] == 'cm_abnormal (CM process killed): no AFO (standby DB Up(RECO))'
    assert result['summary'][3] == 'db_down (tbdown immediate): AFO within 10 s = _CM_AUTOFAILOVER_WAIT_TIME = 10'
    assert warnings == []


def test_disaster_plan_with_site_timers():
    result = run_module(tsc_afo_plan.main, dict(mode='disaster_plan', cm_observer_expire=30, observer_expire_time=30,
                                                standby_network_timeout=90, cm_autofailover_wait_time=5))
    assert [(s['scenario'], s['afo'], s['seconds']) for s in result['scenarios']] == [
        ('cm_abnormal', True, 45), ('cm_down', False, None), ('db_abnormal', True, 5), ('db_down', True, 5),
        ('network_failure', True, 30 + 95 + 40 + 5), ('cmfile_failure', True, 10 + 40 + 5)]
    assert result['scenarios'][4]['timers'] == ['_CM_OBSERVER_EXPIRE', '_OBSERVER_EXPIRE_TIME',
                                                '_STANDBY_NETWORK_TIMEOUT', '_CM_AUTOFAILOVER_WAIT_TIME']


RULE_MSG = ('_OBSERVER_EXPIRE_TIME (300) must be less than CM_HEARTBEAT_EXPIRE + CM_NET_MARGIN (290 + 5 = 295): '
            'the observer must not give up on a CM before the CM cluster itself would')


def test_rule_violation_fails_by_default():
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tsc_afo_plan.main, dict(observer_expire_time=300, cm_heartbeat_expire=290, cm_net_margin=5))
    assert exc.value.result['msg'] == RULE_MSG
    assert exc.value.result['rule_violations'][0]['parameters'] == [
        '_OBSERVER_EXPIRE_TIME', 'CM_HEARTBEAT_EXPIRE', 'CM_NET_MARGIN']


def test_rule_violation_can_warn(warnings):
    result = run_module(tsc_afo_plan.main, dict(observer_expire_time=300, cm_heartbeat_expire=290, cm_net_margin=5,
                                                on_rule_violation='warn'))
    assert warnings == [RULE_MSG]
    assert [v['msg'] for v in result['rule_violations']] == [RULE_MSG]
    assert len(result['scenarios']) == 6


@pytest.mark.parametrize('args, message', [
    (dict(cm_max_io_retry=-1), 'cm_max_io_retry (_CM_MAX_IO_RETRY) must be a whole number of seconds >= 0, not -1'),
    (dict(mode='manual'), 'value of mode must be one of: protective, disaster_plan, got: manual'),
    (dict(cm_net_margin='ten'), "cannot be converted to an int"),
])
def test_bad_input(args, message):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tsc_afo_plan.main, args)
    assert message in exc.value.result['msg']
