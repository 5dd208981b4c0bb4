# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cm_resource: the lifecycle the cmrctl_* modules share (the skeleton runs in their module tests)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import cm_resource as cr
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import read_fixture

ABSENT = dict(name='r1', state='absent')
STOPPED = dict(name='r1', state='stopped', status='DOWN', setting='a')
STARTED = dict(STOPPED, state='started', status='UP')


def _row(status):
    return dict(cluster='cls', type='group', name='CM1', node='cm1', status=status, detail='')


@pytest.mark.parametrize('status, state', [('UP', 'started'), ('UP(R)', 'started'), ('DOWN', 'stopped')])
def test_row_state_counts_up_on_any_node_as_started(status, state):
    assert cr.row_state(_row(status), 'CM1', cname='cls') == dict(name='CM1', state=state, status=status, cname='cls')


def test_row_state_without_a_row_is_absent():
    assert cr.row_state(None, 'CM1', cname='cls') == dict(name='CM1', state='absent')


def test_row_state_from_the_seed_table():
    parsed = cs.parse_local(read_fixture('seed000_show_node1_group_up.txt'))
    row = cs.find_resource(parsed['resources'], 'group', 'CM1')
    assert cr.row_state(row, 'CM1')['state'] == 'started'


@pytest.mark.parametrize('resource, state, done', [
    (ABSENT, 'present', False), (STOPPED, 'present', True), (STARTED, 'present', True),
    (STARTED, 'started', True), (STOPPED, 'started', False), (ABSENT, 'absent', True), (STOPPED, 'absent', False),
])
def test_reached(resource, state, done):
    assert cr.reached(resource, state) is done


def test_describe_words():
    diffs = [('failover', True, False), ('cname', None, 'cls'), ('script', '/a', '/b')]
    assert cr.describe(diffs, 'unknown') == ('failover is ON, wanted OFF, cname is unknown, wanted cls, '
                                             'script is /a, wanted /b')
    assert cr.describe([('mode', None, 'HA')], 'none') == 'mode is none, wanted HA'


def _plan(current, state, replace=False, diffs=(), add_problem=None, start_problem=None):
    return cr.plan_lifecycle('group', current, 'r1', state, replace, lambda: list(diffs), add_problem, start_problem)


@pytest.mark.parametrize('current, state, replace, diffs, actions', [
    (ABSENT, 'present', False, [], ['add']),
    (ABSENT, 'started', False, [], ['add', 'start']),
    (ABSENT, 'absent', False, [], []),
    (STOPPED, 'started', False, [], ['start']),
    (STARTED, 'stopped', False, [], ['stop']),
    (STARTED, 'absent', False, [('setting', 'a', 'b')], ['stop', 'del']),
    (STOPPED, 'present', True, [('setting', 'a', 'b')], ['del', 'add']),
    (STOPPED, 'started', True, [('setting', 'a', 'b')], ['del', 'add', 'start']),
])
def test_plan_lifecycle(current, state, replace, diffs, actions):
    assert _plan(current, state, replace, diffs) == actions


def test_plan_lifecycle_reads_no_difference_of_an_absent_or_deleted_resource():
    def differences():
        raise AssertionError('not needed')
    assert cr.plan_lifecycle('agent', ABSENT, 'r1', 'present', False, differences) == ['add']
    assert cr.plan_lifecycle('agent', STARTED, 'r1', 'absent', False, differences) == ['stop', 'del']


@pytest.mark.parametrize('current, state, replace, message', [
    (STOPPED, 'present', False, 'group r1 exists with other settings (setting is a, wanted b); set replace=true to '
                                'delete and add it again (it must be down), or change the task to match'),
    (STARTED, 'present', True, 'group r1 must be replaced (setting is a, wanted b) but it is up; stop it first '
                               '(state=stopped), then run again with replace=true'),
])
def test_plan_lifecycle_refuses_a_difference(current, state, replace, message):
    with pytest.raises(cr.PlanError) as exc:
        _plan(current, state, replace, [('setting', 'a', 'b')])
    assert str(exc.value) == message


def test_add_and_start_problems_are_raised_only_when_needed():
    assert _plan(STOPPED, 'stopped', add_problem='no add', start_problem='no start') == []
    with pytest.raises(cr.PlanError, match='^no add$'):
        _plan(ABSENT, 'present', add_problem='no add')
    with pytest.raises(cr.PlanError, match='^no start$'):
        _plan(STOPPED, 'started', start_problem='no start')


@pytest.mark.parametrize('current, state, actions, after', [
    (ABSENT, 'started', ['add', 'start'], dict(name='r1', setting='b', state='started', status='UP')),
    (ABSENT, 'present', ['add'], dict(name='r1', setting='b', state='stopped', status='DOWN')),
    (STARTED, 'stopped', ['stop'], dict(STARTED, state='stopped', status='DOWN')),
    (STARTED, 'absent', ['stop', 'del'], ABSENT),
    (STOPPED, 'present', [], STOPPED),
])
def test_predict_lifecycle(current, state, actions, after):
    assert cr.predict_lifecycle(current, state, actions, dict(name='r1', setting='b')) == after


def test_argument_spec():
    spec = cr.argument_spec(cname=dict(type='str'))
    assert spec['state']['choices'] == ['present', 'absent', 'started', 'stopped']
    assert spec['wait_timeout'] == dict(type='int', default=60)
    assert (spec['name']['required'], spec['replace']['default'], spec['cname']) == (True, False, dict(type='str'))
    assert 'cm_sid' in spec and 'tb_home' in spec
    service = cr.argument_spec(('present', 'absent'))
    assert service['state']['choices'] == ['present', 'absent'] and 'wait_timeout' not in service
