# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cmrctl_agent: script checks (the rc 127 pitfall), plan table, and main() on the seed's transcripts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import cmrctl_agent
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, make_tool, read_fixture, run_module)

SEED_SCRIPT_DOWN = '/home/tibero/tibero/tibero7/prs0.sh'   # as the seed lists it after `add agent`
SEED_SCRIPT_UP = '/home/tibero/tibero/tibero7/prs_0.sh'    # as the seed lists it after `start group`
LAB_SCRIPT = '/home/prosync/example/bin/prs_0.sh'
BASH_SCRIPT = '#!/bin/bash\nsource $PRS_HOME/bin/prs_cm.sh\n'


# The script checks are tested in tests/unit/plugins/module_utils/test_agent_script.py.


# --------------------------------------------------------------------------------------------------
# plan

WANT = dict(name='agent1', grpname='CM1', script='/p/bin/prs_0.sh', pubnet=None, retry_cnt=3)
ABSENT = dict(name='agent1', state='absent')
STOPPED = dict(name='agent1', state='stopped', status='DOWN', script='/p/bin/prs_0.sh', start_retry_cnt=0,
               grpname='CM1')
STARTED = dict(STOPPED, state='started', status='UP')


@pytest.mark.parametrize('current, state, replace, group, want, actions', [
    (ABSENT, 'present', False, False, WANT, ['add']),
    (ABSENT, 'started', False, True, WANT, ['add', 'start']),
    (ABSENT, 'stopped', False, True, WANT, ['add']),
    (ABSENT, 'absent', False, None, WANT, []),
    (STOPPED, 'present', False, True, WANT, []),
    (STOPPED, 'started', False, True, WANT, ['start']),
    (STARTED, 'started', False, True, WANT, []),
    (STARTED, 'stopped', False, True, WANT, ['stop']),
    (STARTED, 'absent', False, True, WANT, ['stop', 'del']),
    (STOPPED, 'absent', False, None, WANT, ['del']),
    (STOPPED, 'present', False, True, dict(WANT, script='/p/bin/../bin/prs_0.sh'), []),
    (STOPPED, 'present', True, False, dict(WANT, script='/p/bin/prs_9.sh'), ['del', 'add']),
    (dict(STOPPED, grpname=None), 'present', False, True, dict(WANT, grpname='CM2'), []),
])
def test_plan(current, state, replace, group, want, actions):
    assert cmrctl_agent.plan(current, want, state, replace, group) == actions


@pytest.mark.parametrize('current, state, replace, group, want, message', [
    (STOPPED, 'present', False, True, dict(WANT, script='/p/bin/prs_9.sh'),
     'agent agent1 exists with other settings (script is /p/bin/prs_0.sh, wanted /p/bin/prs_9.sh); set replace=true'),
    (dict(STOPPED, grpname='another group'), 'present', False, True, WANT, 'grpname is another group, wanted CM1'),
    (STARTED, 'present', True, True, dict(WANT, script='/p/bin/prs_9.sh'), 'but it is up; stop it first'),
    (ABSENT, 'present', False, None, WANT, 'group CM1 does not exist on this node'),
    (STOPPED, 'started', False, False, WANT, 'can only run inside a started group, and group CM1 is down'),
])
def test_plan_refuses(current, state, replace, group, want, message):
    with pytest.raises(cmrctl_agent.PlanError) as exc:
        cmrctl_agent.plan(current, want, state, replace, group)
    assert message in str(exc.value)


def test_add_argv_has_pubnet_only_when_given():
    assert cmrctl_agent.action_argv('cmrctl', 'add', dict(WANT, pubnet='pub1', retry_cnt=5)) == [
        'cmrctl', 'add', 'agent', '--name', 'agent1', '--grpname', 'CM1', '--script', '/p/bin/prs_0.sh',
        '--pubnet', 'pub1', '--retry_cnt', '5']
    assert cmrctl_agent.action_argv('cmrctl', 'add', WANT)[-4:] == ['--script', '/p/bin/prs_0.sh', '--retry_cnt', '3']


def test_agent_state_from_the_seed():
    parsed = cs.parse_local(read_fixture('seed000_show_node1_group_up.txt'))
    assert cmrctl_agent.agent_state(parsed, 'agent1') == dict(
        name='agent1', state='started', status='UP', script=SEED_SCRIPT_UP, start_retry_cnt=0)
    assert cmrctl_agent.agent_state(parsed, 'agent2') == dict(name='agent2', state='absent')  # on the other node
    assert cmrctl_agent.group_running(parsed, 'CM1') is True
    assert cmrctl_agent.group_running(parsed, 'CM9') is None


def _tables(*groups):
    """A local node table with clusters cls_a / cls_b, the given (cluster, group) rows and agent1 in cls_a."""
    rows = ['     COMMON  cluster          cls_a       UP inc: inc1, pub: N/A',
            '     COMMON  cluster          cls_b       UP inc: inc1, pub: N/A']
    rows += ['%11s %8s %14s %8s type: prosync (failover: ON)' % (c, 'group', g, 'UP') for c, g in groups]
    rows.append('%11s %8s %14s %8s /p/prs_0.sh, start retry cnt: 0' % ('cls_a', 'agent', 'agent1', 'UP'))
    lines = read_fixture('seed000_show_node1_no_group.txt').splitlines()[:4] + rows + ['=' * 69]
    return cs.parse_local('\n'.join(lines) + '\n')


@pytest.mark.parametrize('groups, grpname, known', [
    ([('cls_a', 'CM1')], 'CM1', 'CM1'),                      # the only group of its cluster
    ([('cls_a', 'CM1'), ('cls_b', 'CM2')], 'CM1', 'CM1'),    # CM2 is another cluster's
    ([('cls_a', 'CM1'), ('cls_b', 'CM2')], 'CM2', 'CM1'),    # wanted CM2, but the agent's cluster has CM1 only
    ([('cls_a', 'CM1'), ('cls_a', 'CM3')], 'CM2', 'another group'),
    ([('cls_a', 'CM1'), ('cls_a', 'CM3')], 'CM1', None),     # one of several: the tables cannot tell
])
def test_grpname_from_tables(groups, grpname, known):
    assert cmrctl_agent.grpname_from_tables(_tables(*groups), 'agent1', grpname) == known


# --------------------------------------------------------------------------------------------------
# main()


def _with_second_group(show):
    """The show with a group CM2 row under CM1's on the local node."""
    lines = show.splitlines(True)
    row = [line for line in lines if ' group ' in line][0]
    return ''.join(lines[:lines.index(row) + 1] + [row.replace('CM1', 'CM2')] + lines[lines.index(row) + 1:])


@pytest.fixture
def site(tmp_path):
    """A fake TB_HOME, a good agent script, and the seed's outputs rewritten to name that script."""
    tb_home = make_tb_home(tmp_path)
    script = make_tool(str(tmp_path / 'prosync' / 'bin'), 'prs_0.sh', BASH_SCRIPT)
    group_down = read_fixture('seed000_show_node1_group_down.txt').replace(SEED_SCRIPT_DOWN, script)
    group_up = read_fixture('seed000_show_node1_group_up.txt').replace(SEED_SCRIPT_UP, script)
    shows = dict(
        group_down_no_agent=''.join(l for l in group_down.splitlines(True) if ' agent ' not in l),
        group_down=group_down,
        group_up=group_up,
        group_up_agent_down=group_up.replace('agent1       UP', 'agent1     DOWN'),
        group_up_no_agent=''.join(l for l in group_up.splitlines(True) if ' agent ' not in l),
        show_group=read_fixture('lab_show_group_name_cm1.txt'),
        show_group_other=read_fixture('lab_show_group_name_cm1.txt').replace('agent1', 'agent7'),
        # The node also lists a second group of the same cluster: which one agent1 is in takes
        # `cmrctl show group --name` (vendor-facts CMR-7).
        two_groups_up=_with_second_group(group_up),
        two_groups_down=_with_second_group(group_down),
    )
    return dict(tb_home=tb_home, script=script, shows=shows,
                cmrctl=os.path.join(tb_home, 'bin', 'cmrctl'))


def _args(site, **kwargs):
    args = dict(name='agent1', grpname='CM1', script=site['script'], tb_home=site['tb_home'], cm_sid='cm_tibero1')
    args.update(kwargs)
    return args


def _show(site, key, *extra):
    return Step([site['cmrctl'], 'show'] + list(extra), out=site['shows'][key])


def _add(site):
    return [site['cmrctl'], 'add', 'agent', '--name', 'agent1', '--grpname', 'CM1', '--script', site['script'],
            '--retry_cnt', '3']


def _cmd(site, verb):
    return [site['cmrctl'], verb, 'agent', '--name', 'agent1']


def test_present_adds_to_the_group_and_confirms(site):
    fake = FakeRunCommand([
        _show(site, 'group_down_no_agent'),
        Step(_add(site), out='Resource add success! (agent, agent1)\n'),
        _show(site, 'group_down'),
    ])
    result = run_module(cmrctl_agent.main, _args(site), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (True, [_add(site)])
    assert result['agent'] == dict(name='agent1', state='stopped', status='DOWN', script=site['script'],
                                   start_retry_cnt=0, grpname='CM1')
    assert result['diff'] == dict(before=dict(state='absent'),
                                  after=dict(state='stopped', script=site['script'], grpname='CM1'))


def test_second_run_reads_once_and_changes_nothing(site):
    # CM1 is the node's only group, so agent1 is in it: `cmrctl show` alone answers.
    fake = FakeRunCommand([_show(site, 'group_up')])
    result = run_module(cmrctl_agent.main, _args(site, state='started'), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (False, [])
    converged = dict(state='started', script=site['script'], grpname='CM1')
    assert result['diff']['before'] == result['diff']['after'] == converged


def test_node_with_two_groups_reads_the_group_to_find_the_agent(site):
    fake = FakeRunCommand([_show(site, 'two_groups_up'), _show(site, 'show_group', 'group', '--name', 'CM1')])
    result = run_module(cmrctl_agent.main, _args(site, state='started'), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (False, [])
    assert result['diff']['before']['grpname'] == 'CM1'


def test_started_in_a_running_group_adds_and_starts(site):
    fake = FakeRunCommand([
        _show(site, 'group_up_no_agent'),
        Step(_add(site), out='Resource add success! (agent, agent1)\n'),
        _show(site, 'group_up_agent_down'),
        Step(_cmd(site, 'start')),   # no public text for start agent (CMR-9): rc 0 and the state decide
        _show(site, 'group_up'),
    ])
    result = run_module(cmrctl_agent.main, _args(site, state='started'), fake)
    fake.assert_all_used()
    assert result['commands'] == [_add(site), _cmd(site, 'start')]
    assert result['agent']['status'] == 'UP'


def test_check_mode_plans_the_start_of_a_down_agent(site):
    fake = FakeRunCommand([_show(site, 'group_up_agent_down')])
    result = run_module(cmrctl_agent.main, _args(site, state='started'), fake, check_mode=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (True, [_cmd(site, 'start')])
    assert result['agent']['state'] == 'started'


def test_agent_still_down_after_start_fails_with_hints(site):
    fake = FakeRunCommand([
        _show(site, 'group_up_agent_down'),
        Step(_cmd(site, 'start'), out='SUCCESS!\n'),
        _show(site, 'group_up_agent_down'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, state='started', wait_timeout=0), fake)
    msg = exc.value.result['msg']
    assert msg.startswith('agent agent1 is DOWN after start, wanted started; start retry cnt 0')
    assert 'cmagent.log' in msg and 'CM_ID' in msg
    assert exc.value.result['commands'] == [_cmd(site, 'start')]


def test_started_with_the_group_down_is_refused(site):
    fake = FakeRunCommand([_show(site, 'group_down')])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, state='started'), fake)
    assert 'group CM1 is down' in exc.value.result['msg']
    assert exc.value.result['commands'] == []


def test_agent_in_another_group_is_reported(site):
    fake = FakeRunCommand([_show(site, 'two_groups_down'), _show(site, 'show_group_other', 'group', '--name', 'CM1')])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site), fake)
    assert 'grpname is another group, wanted CM1' in exc.value.result['msg']


def test_other_script_is_replaced_only_when_asked_and_down(site, tmp_path):
    other = make_tool(str(tmp_path / 'prosync' / 'bin'), 'prs_1.sh', BASH_SCRIPT)
    steps = [_show(site, 'group_down')]
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, script=other), FakeRunCommand(list(steps)))
    assert 'script is %s, wanted %s' % (site['script'], other) in exc.value.result['msg']

    add_other = _add(site)
    add_other[add_other.index(site['script'])] = other
    fake = FakeRunCommand(steps + [
        Step(_cmd(site, 'del')),
        _show(site, 'group_down_no_agent'),
        Step(add_other, out='Resource add success! (agent, agent1)\n'),
        Step([site['cmrctl'], 'show'], out=site['shows']['group_down'].replace(site['script'], other)),
    ])
    result = run_module(cmrctl_agent.main, _args(site, script=other, replace=True), fake)
    fake.assert_all_used()
    assert result['commands'] == [_cmd(site, 'del'), add_other]
    assert result['agent']['script'] == other


def test_absent_stops_then_deletes(site):
    fake = FakeRunCommand([
        _show(site, 'group_up'),
        Step(_cmd(site, 'stop')),
        _show(site, 'group_up_agent_down'),
        Step(_cmd(site, 'del')),
        _show(site, 'group_up_no_agent'),
    ])
    result = run_module(cmrctl_agent.main, dict(name='agent1', state='absent', tb_home=site['tb_home'],
                                                cm_sid='cm_tibero1'), fake)
    fake.assert_all_used()
    assert result['commands'] == [_cmd(site, 'stop'), _cmd(site, 'del')]
    assert result['agent'] == ABSENT


@pytest.mark.parametrize('content, mode, message', [
    ('#!/bin/sh\nsource $PRS_HOME/bin/prs_cm.sh\n', 0o755, 'exit code 127'),
    (BASH_SCRIPT, 0o644, 'not executable'),
])
def test_bad_script_fails_before_any_command(site, content, mode, message):
    with open(site['script'], 'w') as handle:
        handle.write(content)
    os.chmod(site['script'], mode)
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site), FakeRunCommand([]))
    assert message in exc.value.result['msg'] and site['script'] in exc.value.result['msg']
    assert exc.value.result['commands'] == []


def test_missing_script_is_reported(site):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, script='/nonexistent/prs_0.sh'), FakeRunCommand([]))
    assert exc.value.result['msg'] == 'script /nonexistent/prs_0.sh does not exist on this node'


def test_check_run_of_a_fresh_site_plans_a_script_and_group_that_earlier_tasks_only_planned(site, monkeypatch):
    messages = []
    monkeypatch.setattr(cmrctl_agent.AnsibleModule, 'warn', lambda self, msg: messages.append(msg))
    no_group = ''.join(l for l in site['shows']['group_down_no_agent'].splitlines(True) if ' group ' not in l)
    fake = FakeRunCommand([Step([site['cmrctl'], 'show'], out=no_group)])
    missing = '/nonexistent/prs_0.sh'
    result = run_module(cmrctl_agent.main, _args(site, script=missing, prepared_by_run=True), fake, check_mode=True)
    fake.assert_all_used()
    assert result['changed'] is True
    assert result['commands'] == [[site['cmrctl'], 'add', 'agent', '--name', 'agent1', '--grpname', 'CM1',
                                   '--script', missing, '--retry_cnt', '3']]
    assert any('script %s does not exist on this node: an earlier task' % missing in m for m in messages)
    assert any('group CM1 is not registered on this node yet' in m for m in messages)


def test_prepared_by_run_changes_nothing_outside_check_mode(site):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, script='/nonexistent/prs_0.sh', prepared_by_run=True),
                   FakeRunCommand([]))
    assert exc.value.result['msg'] == 'script /nonexistent/prs_0.sh does not exist on this node'


def test_prepared_by_run_still_refuses_a_script_that_exists_but_is_wrong(site, tmp_path):
    sh = make_tool(str(tmp_path), 'sh.sh', '#!/bin/sh\nsource x\n')
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, script=sh, prepared_by_run=True), FakeRunCommand([]),
                   check_mode=True)
    assert 'exit code 127' in exc.value.result['msg']


def test_script_and_grpname_are_required_unless_absent(site):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, dict(name='agent1', tb_home=site['tb_home'], cm_sid='x'))
    assert 'grpname, script' in exc.value.result['msg']


def test_negative_retry_cnt_is_refused(site):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, retry_cnt=-1))
    assert exc.value.result['msg'] == 'retry_cnt must be 0 or more, got -1'


@pytest.mark.parametrize('extra, key', [
    (dict(name='-agent1'), 'name'),
    (dict(grpname='CM1 CM2'), 'grpname'),
    (dict(pubnet='$(id)'), 'pubnet'),
])
def test_bad_resource_names_fail_before_any_command(site, extra, key):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, **extra), FakeRunCommand([]))
    assert exc.value.result['msg'].startswith('%s must be a CM resource name' % key)
    assert exc.value.result['commands'] == []


@pytest.mark.parametrize('out', [
    read_fixture('seed000_show_all_group_up.txt'),                        # node tables
    read_fixture('lab_show_group_name_cm1.txt').replace('AGENT ', 'ANAME '),  # no AGENT column
    'Resource group CM1 does not exist.\n',
], ids=['node-tables', 'no-agent-column', 'message'])
def test_unknown_show_group_output_stops_before_any_change(site, out):
    show_group = Step([site['cmrctl'], 'show', 'group', '--name', 'CM1'], out=out)
    fake = FakeRunCommand([_show(site, 'two_groups_down'), show_group])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, state='stopped'), fake)
    fake.assert_all_used()
    assert exc.value.result['commands'] == []
    assert exc.value.result['stdout'] == out and 'cannot read the output of' in exc.value.result['msg']


def test_stop_judged_by_the_state_read_again(site):
    fake = FakeRunCommand([
        _show(site, 'group_up'),
        Step(_cmd(site, 'stop'), out='anything\n'),
        _show(site, 'group_up'),
    ])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, dict(name='agent1', state='absent', tb_home=site['tb_home'],
                                           cm_sid='cm_tibero1', wait_timeout=0), fake)
    fake.assert_all_used()
    assert exc.value.result['msg'] == 'agent agent1 is UP after stop, wanted stopped'
    assert exc.value.result['commands'] == [_cmd(site, 'stop')]


def test_add_without_the_guide_s_text_is_a_failure(site):
    fake = FakeRunCommand([_show(site, 'group_down_no_agent'), Step(_add(site), out='')])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site), fake)
    assert 'did not report "Resource add success!"' in exc.value.result['msg']


def test_show_all_shaped_output_of_cmrctl_show_is_refused(site):
    fake = FakeRunCommand([Step([site['cmrctl'], 'show'], out=read_fixture('seed000_show_all_group_up.txt'))])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site), fake)
    assert 'printed 2 node tables' in exc.value.result['msg']


# --------------------------------------------------------------------------------------------------
# retry_cnt_record (issue 17: a changed retry_cnt; cmrctl show does not print it, CMR-12)

def test_plan_replaces_a_recorded_other_retry_cnt_only_when_down():
    current = dict(STOPPED, retry_cnt=3)
    assert cmrctl_agent.plan(current, dict(WANT, retry_cnt=5), 'present', True, True) == ['del', 'add']
    assert cmrctl_agent.plan(current, dict(WANT, retry_cnt=3), 'present', False, True) == []
    with pytest.raises(cmrctl_agent.PlanError, match='retry_cnt is 3, wanted 5'):
        cmrctl_agent.plan(current, dict(WANT, retry_cnt=5), 'present', False, True)
    with pytest.raises(cmrctl_agent.PlanError, match='it is up; stop it first'):
        cmrctl_agent.plan(dict(STARTED, retry_cnt=3), dict(WANT, retry_cnt=5), 'present', True, True)
    # Unknown (no record): never a difference.
    assert cmrctl_agent.plan(dict(STOPPED, retry_cnt=None), dict(WANT, retry_cnt=5), 'present', False, True) == []


@pytest.mark.parametrize('text, value', [('3\n', 3), ('12', 12), ('', None), ('x', None), ('-1', None)])
def test_read_record(tmp_path, text, value):
    path = tmp_path / 'rec'
    path.write_text(text)
    assert cmrctl_agent.read_record(str(path)) == value
    assert cmrctl_agent.read_record(str(tmp_path / 'missing')) is None


def test_a_recorded_other_retry_cnt_is_registered_again_and_recorded(site, tmp_path):
    record = tmp_path / 'state' / 'agent-agent1.retry_cnt'
    record.parent.mkdir()
    record.write_text('3\n')
    add5 = _add(site)[:-1] + ['5']
    fake = FakeRunCommand([
        _show(site, 'group_down'),
        Step(_cmd(site, 'del')),
        _show(site, 'group_down_no_agent'),
        Step(add5, out='Resource add success! (agent, agent1)\n'),
        _show(site, 'group_down'),
    ])
    result = run_module(cmrctl_agent.main, _args(site, retry_cnt=5, replace=True, retry_cnt_record=str(record)),
                        fake, diff=True)
    fake.assert_all_used()
    assert result['commands'] == [_cmd(site, 'del'), add5]
    assert result['diff']['before']['retry_cnt'] == 3 and result['diff']['after']['retry_cnt'] == 5
    assert record.read_text() == '5\n'


def test_a_missing_record_is_assumed_with_a_warning_and_written(site, tmp_path, monkeypatch):
    messages = []
    monkeypatch.setattr(cmrctl_agent.AnsibleModule, 'warn', lambda self, msg: messages.append(msg))
    record = tmp_path / 'state' / 'agent-agent1.retry_cnt'
    fake = FakeRunCommand([_show(site, 'group_up')])
    result = run_module(cmrctl_agent.main, _args(site, state='started', retry_cnt=4, retry_cnt_record=str(record)),
                        fake)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (False, [])
    assert any('not recorded' in w for w in messages), messages
    assert record.read_text() == '4\n'


def test_check_mode_writes_no_record(site, tmp_path):
    record = tmp_path / 'agent-agent1.retry_cnt'
    fake = FakeRunCommand([_show(site, 'group_up')])
    run_module(cmrctl_agent.main, _args(site, state='started', retry_cnt_record=str(record)), fake, check_mode=True)
    assert not record.exists()


def test_absent_removes_the_record(site, tmp_path):
    record = tmp_path / 'agent-agent1.retry_cnt'
    record.write_text('3\n')
    fake = FakeRunCommand([
        _show(site, 'group_down'),
        Step(_cmd(site, 'del')),
        _show(site, 'group_down_no_agent'),
    ])
    run_module(cmrctl_agent.main, dict(name='agent1', state='absent', tb_home=site['tb_home'], cm_sid='cm_tibero1',
                                       retry_cnt_record=str(record)), fake)
    fake.assert_all_used()
    assert not record.exists()


# --------------------------------------------------------------------------------------------------
# start_wait: an agent the group start is still starting is read again, not started a second time


def test_start_wait_reads_again_and_does_not_start_an_agent_the_group_start_brought_up(site, monkeypatch):
    monkeypatch.setattr(cmrctl_agent.tc.time, 'sleep', lambda seconds: None)
    fake = FakeRunCommand([_show(site, 'group_up_agent_down'), _show(site, 'group_up_agent_down'),
                           _show(site, 'group_up')])
    result = run_module(cmrctl_agent.main, _args(site, state='started', start_wait=30), fake)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (False, [])
    assert result['agent']['status'] == 'UP'


def test_start_wait_starts_an_agent_still_down_after_the_wait(site, monkeypatch):
    clock = iter(range(0, 1000, 5))
    monkeypatch.setattr(cmrctl_agent.tc.time, 'monotonic', lambda: next(clock))
    monkeypatch.setattr(cmrctl_agent.tc.time, 'sleep', lambda seconds: None)
    # deadline 0 + 10: reads at 5 and 10 see it down, then the start (CM gave it up: CMR-13)
    fake = FakeRunCommand([_show(site, 'group_up_agent_down'), _show(site, 'group_up_agent_down'),
                           _show(site, 'group_up_agent_down'),
                           Step(_cmd(site, 'start')), _show(site, 'group_up')])
    result = run_module(cmrctl_agent.main, _args(site, state='started', start_wait=10), fake)
    fake.assert_all_used()
    assert (result['changed'], result['commands']) == (True, [_cmd(site, 'start')])


@pytest.mark.parametrize('show, args, check_mode', [
    ('group_up', dict(state='started'), False),            # up: nothing to wait for
    ('group_down', dict(state='present'), False),          # not asked to start
    ('group_up_agent_down', dict(state='started'), True),  # --check changed nothing to wait for
])
def test_start_wait_reads_once_when_there_is_nothing_to_wait_for(site, show, args, check_mode):
    fake = FakeRunCommand([_show(site, show)])
    run_module(cmrctl_agent.main, _args(site, start_wait=30, **args), fake, check_mode=check_mode)
    fake.assert_all_used()


def test_start_wait_with_the_group_down_is_refused_at_once(site):
    fake = FakeRunCommand([_show(site, 'group_down')])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, state='started', start_wait=30), fake)
    fake.assert_all_used()
    assert 'group CM1 is down' in exc.value.result['msg']


def test_negative_start_wait_is_refused(site):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(cmrctl_agent.main, _args(site, state='started', start_wait=-1), FakeRunCommand([]))
    assert exc.value.result['msg'] == 'start_wait must be 0 or more, got -1'
