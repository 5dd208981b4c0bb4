# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tsc filters: the AFO tip parameters from afo_plan's one table, and the TSC service decision from a
read-only `cmrctl show` and the observer's members (no check-mode writer)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.tibero.cm.plugins.filter.tsc import tsc_service_plan, tsc_tip_params
from ansible_collections.tibero.cm.plugins.module_utils import afo_plan
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.tests.unit.plugins.modules.test_cmrctl_service import OBSERVER_OUT, lab_table

TSC = dict(name='tsc_pri', cname='cls_pri', tscid=1, obsip='172.19.0.30', obsport=9700)


def _local(**table):
    """What tibero.cm.cmrctl_info scope=local returns on the lab's primary."""
    shown = cs.parse_show(lab_table(**table))
    return dict(resources=shown['resources'], nodes=shown['nodes'], local_node=cs.local_node(shown))


def test_tip_params_defaults_split_between_the_cm_and_db_tips():
    got = tsc_tip_params({})
    assert got['timers'] == afo_plan.DEFAULTS
    assert got['cm'] == {'_OBSERVER_EXPIRE_TIME': '60', '_CM_OBSERVER_EXPIRE': '60', '_CM_AUTOFAILOVER_WAIT_TIME': '10',
                         '_CM_MAX_IO_RETRY': '10', 'CM_HEARTBEAT_EXPIRE': '300', 'CM_NET_MARGIN': '0'}
    assert got['db'] == {'_STANDBY_NETWORK_TIMEOUT': '60', 'STANDBY_USE_OBSERVER': 'Y'}


def test_tip_params_follow_afo_plan_and_the_given_timers():
    got = tsc_tip_params({'cm_net_margin': 2, 'standby_network_timeout': 90, 'observer_expire_time': None})
    assert got['cm']['CM_NET_MARGIN'] == '2' and got['db']['_STANDBY_NETWORK_TIMEOUT'] == '90'
    assert got['cm']['_OBSERVER_EXPIRE_TIME'] == '60'
    # Every timer lands in exactly one tip, under afo_plan's tip name.
    names = set(got['cm']) | set(got['db'])
    assert names == set(p.tip_name for p in afo_plan.PARAMETERS) | {'STANDBY_USE_OBSERVER'}
    assert tsc_tip_params(None)['timers'] == afo_plan.DEFAULTS


def test_tip_params_refuse_an_unknown_timer():
    with pytest.raises(AnsibleFilterError, match='unknown AFO parameter'):
        tsc_tip_params({'observer_expire': 30})


def test_absent_service_is_added():
    got = tsc_service_plan(_local(service=False, db=False), members=None, **TSC)
    assert got['action'] == 'add' and got['cm_name'] == 'cm_pri1'


def test_listed_service_is_kept():
    got = tsc_service_plan(_local(), members=['cm_pri1', 'cm_sby1'], observer_output=OBSERVER_OUT, **TSC)
    assert got == dict(action='keep', differences=[], msg='', cm_name='cm_pri1')


def test_unlisted_service_must_be_reregistered_with_the_manual_procedure():
    got = tsc_service_plan(_local(), members=['cm_sby1'], observer_output=OBSERVER_OUT, **TSC)
    assert got['action'] == 'reregister'
    assert got['differences'] == [['tsc_member', False, True]]
    assert "does not list this node's CM cm_pri1" in got['msg'] and 'cmrctl del service --name tsc_pri' in got['msg']


def test_no_observer_answer_cannot_settle_membership():
    got = tsc_service_plan(_local(), members=None, observer_output='rc 1: not running', **TSC)
    assert got['action'] == 'reregister' and 'the observer gave no answer' in got['msg']


def test_a_second_reregistration_is_refused():
    got = tsc_service_plan(_local(), members=['cm_sby1'], reregistered_before=True, **TSC)
    assert got['action'] == 'refuse' and got['differences'] == []
    assert 'already re-registered' in got['msg']


def test_members_unknown_in_check_mode_decides_nothing_for_a_present_service():
    got = tsc_service_plan(_local(), members=None, members_unknown=True, **TSC)
    assert got['action'] == 'unknown' and 'unknown until it runs' in got['msg']
    # An absent service is added whatever the observer lists.
    assert tsc_service_plan(_local(service=False, db=False), members_unknown=True, **TSC)['action'] == 'add'


def test_other_cluster_is_a_difference():
    other = dict(TSC)
    other['cname'] = 'cls_other'
    got = tsc_service_plan(_local(), members=['cm_pri1'], **other)
    assert got['action'] == 'reregister' and got['differences'][0][0] == 'cname'


def test_not_a_local_read_is_an_error():
    with pytest.raises(AnsibleFilterError, match='cmrctl_info scope=local'):
        tsc_service_plan({'rc': 1}, members=None, **TSC)


def test_afo_summary_is_the_modules_summary_for_the_given_timers():
    from ansible_collections.tibero.cm.plugins.filter.tsc import tsc_afo_summary
    lines = tsc_afo_summary({'cm_autofailover_wait_time': 20}, 'disaster_plan')
    assert len(lines) == len(afo_plan.SCENARIOS)
    assert lines[2] == 'db_abnormal (DB process killed / tbdown abnormal): AFO within 20 s = _CM_AUTOFAILOVER_WAIT_TIME = 20'
    assert tsc_afo_summary({}, 'protective')[0].startswith('cm_abnormal (CM process killed): no AFO')
    with pytest.raises(AnsibleFilterError, match='mode must be one of'):
        tsc_afo_summary({}, 'eager')
