# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tsc_observer_service: running means the observer's own `cmrctl show` answers with its table (TSC-4);
tbcmobs -b / -d count only with rc 0 and that answer changing (TSC-5)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from unittest import mock

import pytest

from ansible_collections.tibero.cm.plugins.modules import tsc_observer_service as tos
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

OBSERVER = read_fixture('lab_observer_show.txt')
NODE = read_fixture('seed000_show_node1_group_up.txt')
DOWN_ERR = 'Failed to connect to the observer (obs1): it is not running.\n'
STARTED = 'Tibero cluster manager (observer) started up.\nLocal node name is (obs1:8635).\n'


@pytest.fixture
def tb_home(tmp_path):
    return make_tb_home(tmp_path)


def _show(tb_home, up):
    argv = [os.path.join(tb_home, 'bin', 'cmrctl'), 'show']
    return Step(argv, out=OBSERVER) if up else Step(argv, rc=1, err=DOWN_ERR)


def _obs(tb_home, flag):
    return [os.path.join(tb_home, 'bin', 'tbcmobs'), flag]


def _args(tb_home, state, **extra):
    return dict(dict(tb_home=tb_home, cm_sid='cm_obs', state=state), **extra)


def test_observer_state_reads_only_the_observer_table():
    assert tos.observer_state(1, '', DOWN_ERR, 'cm_obs') == ('stopped', None)
    state, table = tos.observer_state(0, OBSERVER, '', 'cm_obs')
    assert (state, table['name']) == ('started', 'obs1')
    assert [m['cm_name'] for m in table['members']] == ['cm_pri1', 'cm_sby1']
    with pytest.raises(ValueError, match='no observer'):
        tos.observer_state(0, NODE, '', 'cm_tibero1')
    with pytest.raises(ValueError, match='cannot read'):
        tos.observer_state(0, 'something else entirely\n', '', 'cm_obs')


@pytest.mark.parametrize('state, up', [('started', True), ('stopped', False)])
def test_already_in_state_runs_nothing(tb_home, state, up):
    fake = FakeRunCommand([_show(tb_home, up)])
    result = run_module(tos.main, _args(tb_home, state), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['running']) == (False, [], up)
    assert result['diff'] == dict(before=dict(state=state), after=dict(state=state))
    assert (result['observer'] is not None) == up


def test_start_runs_tbcmobs_b_and_confirms_by_reading_again(tb_home):
    fake = FakeRunCommand([_show(tb_home, False), Step(_obs(tb_home, '-b'), out=STARTED),
                           _show(tb_home, False), _show(tb_home, True)])
    with mock.patch('time.sleep') as sleep:
        result = run_module(tos.main, _args(tb_home, 'started'), fake, diff=True)
    fake.assert_all_used()
    assert sleep.call_count == 1
    assert (result['changed'], result['commands'], result['running']) == (True, [_obs(tb_home, '-b')], True)
    assert result['observer']['name'] == 'obs1'
    assert result['diff'] == dict(before=dict(state='stopped'), after=dict(state='started'))
    # Like every vendor command here: the Tibero environment, LC_ALL=C, stdin not a pipe of the module.
    boot = fake.calls[1]
    assert (boot.env['CM_SID'], boot.env['TB_HOME'], boot.env['LC_ALL'], boot.data) == ('cm_obs', tb_home, 'C', None)


def test_stop_runs_tbcmobs_d_and_confirms(tb_home):
    fake = FakeRunCommand([_show(tb_home, True), Step(_obs(tb_home, '-d'), out='CM DOWN SUCCESS!\n'),
                           _show(tb_home, False)])
    result = run_module(tos.main, _args(tb_home, 'stopped'), fake)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['running'], result['observer']) == (
        True, [_obs(tb_home, '-d')], False, None)


@pytest.mark.parametrize('state, up, flag', [('started', False, '-b'), ('stopped', True, '-d')])
def test_check_mode_plans_without_running(tb_home, state, up, flag):
    fake = FakeRunCommand([_show(tb_home, up)])
    result = run_module(tos.main, _args(tb_home, state), fake, check_mode=True, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['state']) == (True, [_obs(tb_home, flag)], state)
    # Nothing is made up about an observer that does not run yet (a planned start): running stays as read.
    assert result['running'] == up
    assert result['diff'] == dict(before=dict(state='started' if up else 'stopped'), after=dict(state=state))


def test_start_failing_reports_the_command_and_the_manual_step(tb_home):
    out = 'Tibero cluster manager (obs1) startup failed!\ntip file not found\n'
    fake = FakeRunCommand([_show(tb_home, False), Step(_obs(tb_home, '-b'), rc=1, out=out)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tos.main, _args(tb_home, 'started'), fake)
    result = exc.value.result
    assert (result['cmd'], result['rc'], result['stdout']) == (_obs(tb_home, '-b'), 1, out)
    assert 'did not start the observer cm_obs (rc=1)' in result['msg']
    assert 'tbcmobs -b), then run again' in result['msg']
    assert result['commands'] == [_obs(tb_home, '-b')]


def test_startup_failed_text_with_rc_0_fails(tb_home):
    out = 'Tibero cluster manager (obs1) startup failed!\n'
    fake = FakeRunCommand([_show(tb_home, False), Step(_obs(tb_home, '-b'), out=out)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tos.main, _args(tb_home, 'started'), fake)
    assert exc.value.result['rc'] == 0 and 'did not start' in exc.value.result['msg']


def test_stop_that_leaves_the_observer_answering_fails(tb_home):
    fake = FakeRunCommand([_show(tb_home, True), Step(_obs(tb_home, '-d'), out='CM DOWN SUCCESS!\n'),
                           _show(tb_home, True)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tos.main, _args(tb_home, 'stopped', wait_timeout=0), fake)
    result = exc.value.result
    assert (result['cmd'], result['rc'], result['stdout'], result['changed']) == (
        _obs(tb_home, '-d'), 0, 'CM DOWN SUCCESS!\n', True)
    assert "still answers after 0 seconds: Resource List of Observer obs1" in result['msg']
    assert 'ends with "tbcmobs -b"' in result['msg'] or 'end with "tbcmobs -b"' in result['msg']


def test_start_that_never_answers_fails(tb_home):
    fake = FakeRunCommand([_show(tb_home, False), Step(_obs(tb_home, '-b'), out=STARTED), _show(tb_home, False)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tos.main, _args(tb_home, 'started', wait_timeout=0), fake)
    assert 'does not answer with its table after 0 seconds: Failed to connect' in exc.value.result['msg']


def test_a_node_table_stops_before_any_command(tb_home):
    fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show'], out=NODE)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tos.main, _args(tb_home, 'started'), fake)
    result = exc.value.result
    assert result['commands'] == [] and result['rc'] == 0
    assert 'no observer\'s CM' in result['msg'] and 'Resource List of Node' in result['msg']
