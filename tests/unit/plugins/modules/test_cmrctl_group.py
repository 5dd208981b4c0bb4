# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cmrctl_group: plan table, and main() against the seed's `cmrctl show` transcripts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from unittest import mock

from ansible_collections.tibero.cm.plugins.modules import cmrctl_group
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

SHOW_NO_GROUP = read_fixture('seed000_show_node1_no_group.txt')
SHOW_GROUP_DOWN = read_fixture('seed000_show_node1_group_down.txt')
SHOW_GROUP_UP = read_fixture('seed000_show_node1_group_up.txt')
SHOW_GROUP_UP_AGENT_DOWN = SHOW_GROUP_UP.replace('agent1       UP', 'agent1     DOWN').replace('cnt: 0', 'cnt: 3')
# `cmrctl show group --name CM1` in the form derived from the public service sample (vendor-facts CMR-7).
SHOW_GROUP_NAME_CM1 = read_fixture('lab_show_group_name_cm1.txt')
START_OUT = read_fixture('seed000_start_group.txt')
ADD_OUT = 'Resource add success! (group, CM1)\n'
# No public sample shows what `del group` / `stop group` print (CMR-9): success is rc 0 and the state
# read again, whatever the text, so the tests give them no text at all.
DEL_OUT = ''

WANT = dict(name='CM1', cname='cls_tibero', grptype='prosync', failover=True)
ABSENT = dict(name='CM1', state='absent')
STOPPED = dict(name='CM1', state='stopped', status='DOWN', cname='cls_tibero', grptype='prosync', failover=True)
STARTED = dict(STOPPED, state='started', status='UP')


# --------------------------------------------------------------------------------------------------
# pure functions


def test_group_state_is_read_from_the_local_node_table():
    assert cmrctl_group.group_state(cs.parse_nodes(SHOW_NO_GROUP), 'CM1') == ABSENT
    assert cmrctl_group.group_state(cs.parse_nodes(SHOW_GROUP_DOWN), 'CM1') == STOPPED
    assert cmrctl_group.group_state(cs.parse_nodes(SHOW_GROUP_UP), 'CM1') == STARTED


@pytest.mark.parametrize('current, state, replace, want, actions', [
    (ABSENT, 'present', False, WANT, ['add']),
    (ABSENT, 'started', False, WANT, ['add', 'start']),
    (ABSENT, 'stopped', False, WANT, ['add']),
    (ABSENT, 'absent', False, WANT, []),
    (STOPPED, 'present', False, WANT, []),
    (STOPPED, 'started', False, WANT, ['start']),
    (STARTED, 'started', False, WANT, []),
    (STARTED, 'stopped', False, WANT, ['stop']),
    (STARTED, 'absent', False, WANT, ['stop', 'del']),
    (STOPPED, 'absent', False, WANT, ['del']),
    (STOPPED, 'started', False, dict(WANT, cname=None), ['start']),
    (STOPPED, 'present', False, dict(WANT, grptype='PROSYNC'), []),
    (STOPPED, 'present', True, dict(WANT, failover=False), ['del', 'add']),
    (STOPPED, 'started', True, dict(WANT, failover=False), ['del', 'add', 'start']),
    (STARTED, 'absent', False, dict(WANT, failover=False), ['stop', 'del']),
])
def test_plan(current, state, replace, want, actions):
    assert cmrctl_group.plan(current, want, state, replace) == actions


@pytest.mark.parametrize('current, state, replace, want, message', [
    (STOPPED, 'present', False, dict(WANT, failover=False),
     'group CM1 exists with other settings (failover is ON, wanted OFF); set replace=true'),
    (STOPPED, 'started', False, dict(WANT, cname='cls_other', grptype='other'),
     'cname is cls_tibero, wanted cls_other, grptype is prosync, wanted other'),
    (STARTED, 'started', True, dict(WANT, failover=False), 'but it is up; stop it first'),
    (ABSENT, 'started', False, dict(WANT, cname=None), 'cname is required to add it'),
])
def test_plan_refuses(current, state, replace, want, message):
    with pytest.raises(cmrctl_group.PlanError) as exc:
        cmrctl_group.plan(current, want, state, replace)
    assert message in str(exc.value)


def test_action_argv():
    assert cmrctl_group.action_argv('/tb/bin/cmrctl', 'add', dict(WANT, failover=False)) == [
        '/tb/bin/cmrctl', 'add', 'group', '--name', 'CM1', '--cname', 'cls_tibero', '--grptype', 'prosync',
        '--failover', 'false']
    assert cmrctl_group.action_argv('/tb/bin/cmrctl', 'start', WANT) == [
        '/tb/bin/cmrctl', 'start', 'group', '--name', 'CM1']


# --------------------------------------------------------------------------------------------------
# main()


@pytest.fixture
def tb_home(tmp_path):
    return make_tb_home(tmp_path)


def _args(tb_home, **kwargs):
    args = dict(name='CM1', cname='cls_tibero', tb_home=tb_home, cm_sid='cm_tibero1')
    args.update(kwargs)
    return args


def _cmrctl(tb_home, *args):
    return [os.path.join(tb_home, 'bin', 'cmrctl')] + list(args)


def _add(tb_home, failover='true'):
    return _cmrctl(tb_home, 'add', 'group', '--name', 'CM1', '--cname', 'cls_tibero', '--grptype', 'prosync',
                   '--failover', failover)


def test_started_adds_and_starts_in_one_run_then_confirms(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=SHOW_NO_GROUP),
        Step(_add(tb_home), out=ADD_OUT),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN),
        Step(_cmrctl(tb_home, 'start', 'group', '--name', 'CM1'), out=START_OUT),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP),
    ])
    result = run_module(cmrctl_group.main, _args(tb_home, state='started'), fake, diff=True)
    fake.assert_all_used()
    assert result['changed'] is True
    assert result['commands'] == [_add(tb_home), _cmrctl(tb_home, 'start', 'group', '--name', 'CM1')]
    assert result['group'] == STARTED
    # CM1 is the node's only group: the confirming `cmrctl show` lists its agents, no `show group`.
    assert result['agents'] == [dict(name='agent1', status='UP',
                                     detail='/home/tibero/tibero/tibero7/prs_0.sh, start retry cnt: 0')]
    assert result['diff'] == dict(before=dict(state='absent'),
                                  after=dict(state='started', cname='cls_tibero', grptype='prosync', failover=True))
    assert fake.calls[2].argv == _cmrctl(tb_home, 'show')  # the add is read back before the start
    env = fake.calls[1].env
    assert (env['TB_HOME'], env['CM_SID'], env['LC_ALL']) == (tb_home, 'cm_tibero1', 'C')
    assert env['PATH'].startswith(os.path.join(tb_home, 'bin') + ':')
    assert fake.calls[1].timeout == 120


def test_second_run_reads_once_and_changes_nothing(tb_home):
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP)])
    result = run_module(cmrctl_group.main, _args(tb_home, state='started'), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (False, [])
    assert result['diff']['before'] == result['diff']['after']


def test_check_mode_plans_without_running(tb_home):
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=SHOW_NO_GROUP)])
    result = run_module(cmrctl_group.main, _args(tb_home, state='started', failover=False), fake,
                        check_mode=True, diff=True)
    fake.assert_all_used()
    assert result['changed'] is True
    assert result['commands'] == [_add(tb_home, 'false'), _cmrctl(tb_home, 'start', 'group', '--name', 'CM1')]
    assert result['diff']['after'] == dict(state='started', cname='cls_tibero', grptype='prosync', failover=False)
    assert 'agents' not in result


def test_present_on_converged_group_in_check_mode_is_unchanged(tb_home):
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN)])
    result = run_module(cmrctl_group.main, _args(tb_home), fake, check_mode=True)
    assert (result['changed'], result['commands'], result['group']) == (False, [], STOPPED)


def test_absent_stops_then_deletes(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP),
        Step(_cmrctl(tb_home, 'stop', 'group', '--name', 'CM1')),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN),
        Step(_cmrctl(tb_home, 'del', 'group', '--name', 'CM1'), out=DEL_OUT),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_NO_GROUP),
    ])
    result = run_module(cmrctl_group.main, _args(tb_home, state='absent', cname=None), fake)
    fake.assert_all_used()
    assert result['changed'] is True
    assert result['commands'] == [_cmrctl(tb_home, 'stop', 'group', '--name', 'CM1'),
                                  _cmrctl(tb_home, 'del', 'group', '--name', 'CM1')]
    assert result['group'] == ABSENT


def test_agent_down_after_our_start_fails_with_the_reason(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN),
        Step(_cmrctl(tb_home, 'start', 'group', '--name', 'CM1'), out=START_OUT),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP_AGENT_DOWN),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, state='started', wait_timeout=0), fake)
    fake.assert_all_used()
    result = exc.value.result
    assert result['msg'].startswith('group CM1 is up but on this node agent1 is DOWN '
                                    '(script /home/tibero/tibero/tibero7/prs_0.sh, start retry cnt 3)')
    assert '#!/bin/bash' in result['msg'] and 'CM_ID' in result['msg']
    assert result['changed'] is True
    assert result['commands'] == [_cmrctl(tb_home, 'start', 'group', '--name', 'CM1')]


def test_agent_coming_up_later_is_waited_for(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN),
        Step(_cmrctl(tb_home, 'start', 'group', '--name', 'CM1'), out=START_OUT),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP_AGENT_DOWN),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP_AGENT_DOWN),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP),
    ])
    with mock.patch('time.sleep') as sleep:
        result = run_module(cmrctl_group.main, _args(tb_home, state='started', wait_timeout=30), fake)
    fake.assert_all_used()
    assert sleep.call_count == 2
    assert result['agents'][0]['status'] == 'UP'


def test_agent_down_without_a_start_is_a_warning(tb_home):
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP_AGENT_DOWN)])
    with mock.patch('ansible.module_utils.basic.AnsibleModule.warn') as warn:
        result = run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    fake.assert_all_used()
    assert result['changed'] is False
    assert 'agent1 is DOWN' in warn.call_args[0][0]


def _with_group_cm2(show):
    """The show with a second group (CM2) on the local node: its agents' groups are not in it."""
    lines = show.splitlines(True)
    row = [line for line in lines if ' group ' in line][0]
    return ''.join(lines[:lines.index(row) + 1] + [row.replace('CM1', 'CM2')] + lines[lines.index(row) + 1:])


def test_group_alone_in_its_cluster_needs_no_show_group(tb_home):
    # CM9 belongs to another cluster: agent1 (cls_tibero) can only be in CM1.
    show = _with_group_cm2(SHOW_GROUP_UP).replace(' cls_tibero    group            CM2', '  cls_other    group            CM9')
    show = show.replace('     COMMON  cluster     cls_tibero', '     COMMON  cluster      cls_other       UP inc: inc1\n'
                        '     COMMON  cluster     cls_tibero')
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=show)])
    result = run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    fake.assert_all_used()
    assert [a['name'] for a in result['agents']] == ['agent1']


def test_node_with_two_groups_reads_the_group_for_its_agents(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_UP_AGENT_DOWN)),
        Step(_cmrctl(tb_home, 'show', 'group', '--name', 'CM1'), out=SHOW_GROUP_NAME_CM1),
    ])
    with mock.patch('ansible.module_utils.basic.AnsibleModule.warn') as warn:
        result = run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    fake.assert_all_used()
    assert result['changed'] is False
    # Which agents are CM1's comes from `show group --name`; their status from the verified node table.
    assert result['agents'] == [dict(name='agent1', status='DOWN',
                                     detail='/home/tibero/tibero/tibero7/prs_0.sh, start retry cnt: 3')]
    assert 'agent1 is DOWN' in warn.call_args[0][0]


def test_node_with_two_groups_keeps_agents_of_the_other_group_out(tb_home):
    other = SHOW_GROUP_NAME_CM1.replace('agent1', 'agent7')
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_UP_AGENT_DOWN).replace('agent1', 'agent9')),
        Step(_cmrctl(tb_home, 'show', 'group', '--name', 'CM1'), out=other.replace('agent7', 'agent9').replace(
            '   1 cm_tibero1     agent9', '   1 cm_tibero2     agent9')),
    ])
    result = run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    fake.assert_all_used()
    assert result['agents'] == []


def test_node_with_two_groups_reads_show_group_once_while_waiting(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_DOWN)),
        Step(_cmrctl(tb_home, 'start', 'group', '--name', 'CM1'), out=START_OUT),
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_UP_AGENT_DOWN)),
        Step(_cmrctl(tb_home, 'show', 'group', '--name', 'CM1'), out=SHOW_GROUP_NAME_CM1),
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_UP)),
    ])
    with mock.patch('time.sleep'):
        result = run_module(cmrctl_group.main, _args(tb_home, state='started', wait_timeout=30), fake)
    fake.assert_all_used()
    assert result['agents'][0]['status'] == 'UP'


@pytest.mark.parametrize('out', [
    read_fixture('lab_show_wrapped.txt'),                                   # node tables, as an older lab printed
    SHOW_GROUP_NAME_CM1.replace('AGENT   Status', 'RES     Status'),      # no AGENT column
    read_fixture('public_show_service_name_tac.txt').split('\n', 1)[1],    # a service's info, not a group's
    'Resource group CM1 does not exist.\n',
], ids=['node-tables', 'no-agent-column', 'service-info', 'message'])
def test_unknown_show_group_output_stops_before_any_change(tb_home, out):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_DOWN)),
        Step(_cmrctl(tb_home, 'start', 'group', '--name', 'CM1'), out=START_OUT),
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_UP)),
        Step(_cmrctl(tb_home, 'show', 'group', '--name', 'CM1'), out=out),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    fake.assert_all_used()
    result = exc.value.result
    assert result['msg'].startswith('cannot read the output of %s show group --name CM1' % _cmrctl(tb_home)[0])
    assert result['stdout'] == out and out.strip() in result['msg']
    assert result['commands'] == [_cmrctl(tb_home, 'start', 'group', '--name', 'CM1')]


def test_unknown_show_group_output_before_a_start_runs_nothing(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_UP)),
        Step(_cmrctl(tb_home, 'show', 'group', '--name', 'CM1'), out='something new\n'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    assert exc.value.result['commands'] == []
    assert 'something new' in exc.value.result['msg']


def test_agent_listed_by_show_group_but_not_by_show_fails(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=_with_group_cm2(SHOW_GROUP_UP).replace('agent1', 'agent5')),
        Step(_cmrctl(tb_home, 'show', 'group', '--name', 'CM1'), out=SHOW_GROUP_NAME_CM1),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    assert 'lists agent(s) agent1 on this node (cm_tibero1), but cmrctl show does not' in exc.value.result['msg']
    assert exc.value.result['stdout'] == SHOW_GROUP_NAME_CM1


def test_show_all_shaped_output_of_cmrctl_show_is_refused(tb_home):
    text = read_fixture('seed000_show_all_group_up.txt')
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=text)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    assert 'printed 2 node tables' in exc.value.result['msg'] and exc.value.result['stdout'] == text


def test_stop_and_del_are_judged_by_state_not_by_text(tb_home):
    # rc 0 and any (or no) text: the group read again decides.
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP),
        Step(_cmrctl(tb_home, 'stop', 'group', '--name', 'CM1'), out='some text nobody published\n'),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_UP),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, state='absent', wait_timeout=0), fake)
    fake.assert_all_used()
    assert exc.value.result['msg'] == 'group CM1 is UP after stop, wanted stopped'
    assert exc.value.result['commands'] == [_cmrctl(tb_home, 'stop', 'group', '--name', 'CM1')]


def test_del_that_leaves_the_group_fails_before_the_add_of_a_replace(tb_home):
    show_off = SHOW_GROUP_DOWN.replace('(failover: ON)', '(failover: OFF)')
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=show_off),
        Step(_cmrctl(tb_home, 'del', 'group', '--name', 'CM1')),
        Step(_cmrctl(tb_home, 'show'), out=show_off),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, replace=True), fake)
    fake.assert_all_used()
    assert exc.value.result['msg'] == 'group CM1 is DOWN after del, wanted absent'
    assert exc.value.result['changed'] is True


def test_start_without_the_guide_s_banner_is_a_failure(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN),
        Step(_cmrctl(tb_home, 'start', 'group', '--name', 'CM1'), out='MSG SENDING FAILED\n'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, state='started'), fake)
    assert 'did not report "SUCCESS!"' in exc.value.result['msg']


def test_different_settings_fail_without_running_anything(tb_home):
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, failover=False), fake)
    assert 'failover is ON, wanted OFF' in exc.value.result['msg']
    assert exc.value.result['commands'] == []


def test_replace_of_a_down_group_deletes_and_adds(tb_home):
    show_off = SHOW_GROUP_DOWN.replace('(failover: ON)', '(failover: OFF)')
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=show_off),
        Step(_cmrctl(tb_home, 'del', 'group', '--name', 'CM1'), out=DEL_OUT),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_NO_GROUP),
        Step(_add(tb_home), out=ADD_OUT),
        Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN),
    ])
    result = run_module(cmrctl_group.main, _args(tb_home, replace=True), fake, diff=True)
    fake.assert_all_used()
    assert result['diff'] == dict(before=dict(state='stopped', cname='cls_tibero', grptype='prosync', failover=False),
                                  after=dict(state='stopped', cname='cls_tibero', grptype='prosync', failover=True))


def test_failed_command_reports_cmd_rc_stdout_stderr(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=SHOW_NO_GROUP),
        Step(_add(tb_home), rc=1, err="Cluster resource 'cls_tibero' does not exist on this node.\n"),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home), fake)
    result = exc.value.result
    assert result['cmd'] == _add(tb_home)
    assert (result['rc'], result['stdout']) == (1, '')
    assert "does not exist" in result['msg'] and "does not exist" in result['stderr']
    assert result['commands'] == [_add(tb_home)]


def test_missing_success_marker_is_a_failure(tb_home):
    fake = FakeRunCommand([
        Step(_cmrctl(tb_home, 'show'), out=SHOW_NO_GROUP),
        Step(_add(tb_home), out='something else\n'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home), fake)
    assert 'did not report "Resource add success!"' in exc.value.result['msg']


def test_unreadable_show_output_fails_with_the_raw_text(tb_home):
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out='Welcome to a new cmrctl\nno tables\n')])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home), fake)
    assert 'Welcome to a new cmrctl' in exc.value.result['msg']
    assert exc.value.result['cmd'] == _cmrctl(tb_home, 'show')


def test_cm_down_fails_on_the_show(tb_home):
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), rc=1,
                                err='Failed to connect to the local CM (cm_tibero1): it is not running.\n')])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home), fake)
    assert 'Failed to connect to the local CM' in exc.value.result['msg']


def test_missing_cm_sid_is_reported(tb_home, monkeypatch):
    monkeypatch.delenv('CM_SID', raising=False)
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, dict(name='CM1', tb_home=tb_home))
    assert 'missing cm_sid' in exc.value.result['msg'] and 'CM_SID' in exc.value.result['msg']


def test_tb_home_and_cm_sid_default_to_the_environment(tb_home, monkeypatch):
    monkeypatch.setenv('TB_HOME', tb_home)
    monkeypatch.setenv('CM_SID', 'cm_env')
    fake = FakeRunCommand([Step(_cmrctl(tb_home, 'show'), out=SHOW_GROUP_DOWN)])
    result = run_module(cmrctl_group.main, dict(name='CM1'), fake)
    assert result['changed'] is False
    assert fake.calls[0].env['CM_SID'] == 'cm_env'


@pytest.mark.parametrize('extra, key', [
    (dict(name='--force'), 'name'),
    (dict(cname='cls tibero'), 'cname'),
    (dict(grptype='prosync;id'), 'grptype'),
])
def test_bad_resource_names_fail_before_any_command(tb_home, extra, key):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_group.main, _args(tb_home, **extra), FakeRunCommand([]))
    assert exc.value.result['msg'].startswith('%s must be a CM resource name' % key)
    assert exc.value.result['commands'] == []
