# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tibero_instance: tbboot / tbdown from the CM's or the process list's view; pty, clean confirmation, modes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from unittest import mock

from ansible_collections.tibero.cm.plugins.modules import tibero_instance as ti
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

SHOW_UP = read_fixture('seed000_show_node1_no_group.txt')
SHOW_DOWN = SHOW_UP.replace('tibero1 UP(NRML)', 'tibero1     DOWN')
SHOW_MOUNT = SHOW_UP.replace('tibero1 UP(NRML)', 'tibero1 UP(MOUNT)')
BOOT_OUT = 'Listener port = 8629\n\nTibero 7\n\nTibero instance started up (NORMAL mode).\n'
LAB_TBSVR = ('tbsvr', ['/usr/bin/python3', '-m', 'labsim.tibero', '-t', 'MOUNT', '-SVR_SID', 'tibero1', '--db', 't'],
             '/tb')
REAL_TBSVR = ('tbsvr', ['tbsvr', '-t', 'NORMAL', '-SVR_SID', 'tibero1'], None)
SCRIPT = '/usr/bin/script'
GET_BIN_PATH = 'ansible.module_utils.basic.AnsibleModule.get_bin_path'
OTHER_HOME_TBSVR = ('tbsvr', ['tbsvr', '-t', 'NORMAL', '-SVR_SID', 'tibero1'], '/other/home')


# --------------------------------------------------------------------------------------------------
# pure functions


@pytest.mark.parametrize('processes, sid, mode', [
    ([REAL_TBSVR], 'tibero1', 'normal'),
    ([LAB_TBSVR], 'tibero1', 'mount'),
    ([OTHER_HOME_TBSVR, LAB_TBSVR], 'tibero1', 'mount'),
    ([OTHER_HOME_TBSVR], 'tibero1', ''),
    ([('tbsvr_FGWP000', ['tbsvr_FGWP000', '-SVR_SID', 'tibero1'], None)], 'tibero1', 'normal'),
    ([REAL_TBSVR], 'tibero2', ''),
    ([('bash', ['bash', '-c', 'tbsvr -SVR_SID tibero1'], None)], 'tibero1', ''),
    ([('python3', ['python3', '-SVR_SID', 'tibero1'], None)], 'tibero1', ''),
    ([], 'tibero1', ''),
])
def test_tbsvr_mode(processes, sid, mode):
    assert ti.tbsvr_mode(processes, sid, '/tb/') == mode


@pytest.mark.parametrize('current, state, boot_mode, actions', [
    (ti.state_from_status('DOWN', 'cm'), 'started', None, ['boot']),
    (ti.state_from_status('UP(NRML)', 'cm'), 'started', None, []),
    (ti.state_from_status('UP(MOUNT)', 'cm'), 'started', None, []),
    (ti.state_from_status('UP(NRML)', 'cm'), 'started', 'normal', []),
    (ti.state_from_status('UP(NRML)', 'cm'), 'stopped', None, ['down']),
    (ti.state_from_status('DOWN(FAIL)', 'cm'), 'stopped', None, []),
])
def test_plan(current, state, boot_mode, actions):
    assert ti.plan(current, state, boot_mode) == actions


def test_plan_refuses_to_restart_an_instance_up_in_another_mode():
    with pytest.raises(ti.PlanError, match='instance is up in mount mode .UP.MOUNT.., not normal'):
        ti.plan(ti.state_from_status('UP(MOUNT)', 'cm'), 'started', 'normal')


@pytest.mark.parametrize('mode, script, argv', [
    (None, None, ['/tb/bin/tbboot']),
    ('normal', None, ['/tb/bin/tbboot']),
    ('mount', None, ['/tb/bin/tbboot', 'mount']),
    ('recovery', '/usr/bin/script', ['/usr/bin/script', '-q', '-e', '-c', '/tb/bin/tbboot recovery', '/dev/null']),
])
def test_boot_argv(mode, script, argv):
    assert ti.boot_argv('/tb/bin/tbboot', mode, script) == argv


def test_boot_argv_quotes_paths_for_the_pty_shell():
    assert ti.boot_argv('/opt/my tibero/bin/tbboot', None, 'script')[4] == "'/opt/my tibero/bin/tbboot'"


@pytest.mark.parametrize('mode, argv', [('normal', ['tbdown']), ('immediate', ['tbdown', 'immediate']),
                                        ('clean', ['tbdown', 'clean'])])
def test_down_argv(mode, argv):
    assert ti.down_argv('tbdown', mode) == argv


# --------------------------------------------------------------------------------------------------
# main()


@pytest.fixture
def tb_home(tmp_path):
    return make_tb_home(tmp_path)


def _bin(tb_home, tool):
    return os.path.join(tb_home, 'bin', tool)


def _show(tb_home, out):
    return Step([_bin(tb_home, 'cmrctl'), 'show'], out=out)


def _args(tb_home, **kwargs):
    return dict(dict(tb_home=tb_home, cm_sid='cm_tibero1', tb_sid='tibero1'), **kwargs)


def _pty(tb_home, *args):
    """The default boot argv: tbboot on a pseudo-terminal made by util-linux script."""
    return [SCRIPT, '-q', '-e', '-c', ' '.join([_bin(tb_home, 'tbboot')] + list(args)), '/dev/null']


def _which(tool, required=False, opt_dirs=None):
    return SCRIPT if tool == 'script' else None


def test_boot_a_cm_managed_instance_and_wait_until_open(tb_home):
    """Default use_pty=true: tbboot runs under script -q -e -c ... /dev/null (it hangs on pipes)."""
    fake = FakeRunCommand([
        _show(tb_home, SHOW_DOWN),
        Step(_pty(tb_home), out=BOOT_OUT.replace('\n', '\r\n')),
        _show(tb_home, SHOW_DOWN),
        _show(tb_home, SHOW_UP),
    ])
    with mock.patch('time.sleep') as sleep, mock.patch(GET_BIN_PATH, side_effect=_which):
        result = run_module(ti.main, _args(tb_home), fake, diff=True)
    fake.assert_all_used()
    assert sleep.call_count == 1
    assert result['changed'] is True
    assert result['commands'] == [_pty(tb_home)]
    assert (result['state'], result['status'], result['mode'], result['state_source']) == (
        'started', 'UP(NRML)', 'normal', 'cm')
    assert result['diff'] == dict(before=dict(state='stopped', mode=None), after=dict(state='started', mode='normal'))
    assert fake.calls[1].env['TB_SID'] == 'tibero1'


def test_open_instance_is_left_alone(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_UP)])
    result = run_module(ti.main, _args(tb_home), fake)
    assert (result['changed'], result['commands'], result['status']) == (False, [], 'UP(NRML)')


def test_boot_under_a_pseudo_terminal_in_a_mode(tb_home):
    with mock.patch(GET_BIN_PATH, side_effect=_which):
        fake = FakeRunCommand([
            _show(tb_home, SHOW_DOWN),
            Step(_pty(tb_home, 'mount'), out=BOOT_OUT.replace('\n', '\r\n')),
            _show(tb_home, SHOW_MOUNT),
        ])
        result = run_module(ti.main, _args(tb_home, boot_mode='mount'), fake)
    fake.assert_all_used()
    assert result['mode'] == 'mount'
    assert result['commands'] == [[SCRIPT, '-q', '-e', '-c', _bin(tb_home, 'tbboot') + ' mount', '/dev/null']]


def test_boot_without_script_on_the_path_fails_before_booting(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_DOWN)])
    with mock.patch(GET_BIN_PATH, return_value=None), pytest.raises(AnsibleFailJson) as exc:
        run_module(ti.main, _args(tb_home), fake)
    fake.assert_all_used()
    assert 'script' in exc.value.result['msg']


def test_boot_on_pipes_when_use_pty_is_off(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_DOWN), Step([_bin(tb_home, 'tbboot')], out=BOOT_OUT),
                           _show(tb_home, SHOW_UP)])
    result = run_module(ti.main, _args(tb_home, use_pty=False), fake)
    fake.assert_all_used()
    assert result['commands'] == [[_bin(tb_home, 'tbboot')]]


def test_boot_failed_box_is_a_failure(tb_home):
    out = '*' * 56 + '\n* BOOT FAILED.\n* tbsvr process (1234) is alive.\n' + '*' * 56 + '\n'
    fake = FakeRunCommand([_show(tb_home, SHOW_DOWN), Step([_bin(tb_home, 'tbboot')], out=out)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(ti.main, _args(tb_home, use_pty=False), fake)
    assert 'reported BOOT FAILED' in exc.value.result['msg']
    assert exc.value.result['stdout'] == out


def test_instance_not_open_within_wait_timeout_fails(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_DOWN), Step([_bin(tb_home, 'tbboot')], out=BOOT_OUT),
                           _show(tb_home, SHOW_DOWN)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(ti.main, _args(tb_home, wait_timeout=0, use_pty=False), fake)
    assert exc.value.result['msg'] == 'tibero1: %s returned but the instance is DOWN after 0 seconds' % _bin(
        tb_home, 'tbboot')


def test_tbdown_clean_gets_its_confirmation_on_stdin(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, SHOW_UP),
        Step([_bin(tb_home, 'tbdown'), 'clean'], data='y', out='Tibero instance terminated (CLEAN mode).\n'),
        _show(tb_home, SHOW_DOWN),
    ])
    result = run_module(ti.main, _args(tb_home, state='stopped', down_mode='clean'), fake)
    fake.assert_all_used()
    assert (result['changed'], result['state'], result['status']) == (True, 'stopped', 'DOWN')


def test_default_down_mode_is_immediate_without_stdin(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, SHOW_UP),
        Step([_bin(tb_home, 'tbdown'), 'immediate'], out='Tibero instance terminated (IMMEDIATE mode).\n'),
        _show(tb_home, SHOW_DOWN),
    ])
    run_module(ti.main, _args(tb_home, state='stopped'), fake)
    assert fake.calls[1].data is None


def test_check_mode_plans_the_shutdown(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_UP)])
    result = run_module(ti.main, _args(tb_home, state='stopped', down_mode='normal'), fake, check_mode=True)
    assert (result['changed'], result['commands'], result['state']) == (True, [[_bin(tb_home, 'tbdown')]], 'stopped')


def test_other_mode_is_refused(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_MOUNT)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(ti.main, _args(tb_home, boot_mode='normal'), fake)
    assert exc.value.result['msg'].startswith('tibero1: instance is up in mount mode (UP(MOUNT)), not normal')


@pytest.mark.parametrize('cm_args, steps', [
    (dict(cm_sid=None), []),
    (dict(), [('show', 1, '', 'Failed to connect to the local CM')]),
    (dict(tb_sid='tibero9'), [('show', 0, SHOW_UP, '')]),
], ids=['no-cm', 'cm-down', 'not-a-cm-resource'])
def test_process_list_is_used_when_the_cm_does_not_manage_or_answer(tb_home, monkeypatch, cm_args, steps):
    monkeypatch.delenv('CM_SID', raising=False)
    args = _args(tb_home, **cm_args)
    fake = FakeRunCommand([Step([_bin(tb_home, 'cmrctl'), verb], rc=rc, out=out, err=err)
                           for verb, rc, out, err in steps])
    processes = [('tbsvr', ['tbsvr', '-t', 'NORMAL', '-SVR_SID', args['tb_sid']], tb_home)]
    with mock.patch.object(ti, 'list_processes', return_value=processes):
        result = run_module(ti.main, args, fake)
    fake.assert_all_used()
    assert (result['changed'], result['state_source'], result['status']) == (False, 'process', 'UP(NRML)')


def test_missing_tb_sid_is_reported(tb_home, monkeypatch):
    monkeypatch.delenv('TB_SID', raising=False)
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(ti.main, dict(tb_home=tb_home))
    assert 'missing tb_sid' in exc.value.result['msg']


def test_list_processes_reads_this_process():
    assert any(argv and 'pytest' in ' '.join(argv) for _comm, argv, _home in ti.list_processes())


# --------------------------------------------------------------------------------------------------
# One node of a rolling restart: the peers' gate, the restart marker, the CM's own listing awaited.

PEER_UP = SHOW_UP.replace('cm_tibero1', 'cm_tibero2').replace('tibero1 UP(NRML)', 'tibero2 UP(NRML)').replace(
    'inc1', 'inc2')
SHOW_ALL_BOTH_UP = SHOW_UP + PEER_UP
SHOW_ALL_PEER_DOWN = SHOW_UP + PEER_UP.replace('tibero2 UP(NRML)', 'tibero2     DOWN')


def _show_all(tb_home, out):
    return Step([_bin(tb_home, 'cmrctl'), 'show', 'all'], out=out)


@pytest.mark.parametrize('show_all, missing', [
    (SHOW_ALL_BOTH_UP, []),
    (SHOW_ALL_PEER_DOWN, ['tibero2']),
    (SHOW_UP, ['tibero2']),                                          # the peer not listed at all
    (SHOW_ALL_PEER_DOWN.replace('tibero1 UP(NRML)', 'tibero1     DOWN'), []),   # this one down: nothing to guard
    (None, []),                                                      # the CM does not answer
], ids=['peer-up', 'peer-down', 'peer-missing', 'self-down', 'no-cm'])
def test_peers_not_serving(show_all, missing):
    from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
    parsed = cs.parse_nodes(show_all) if show_all else None
    assert ti.peers_not_serving(parsed, 'tibero1', ['tibero2']) == missing


def test_a_node_whose_peer_does_not_serve_is_not_stopped_nor_marked(tb_home, tmp_path):
    marker = str(tmp_path / 'state' / 'restart-in-progress')
    fake = FakeRunCommand([_show(tb_home, SHOW_UP), _show_all(tb_home, SHOW_ALL_PEER_DOWN)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(ti.main, _args(tb_home, state='stopped', serving_peers=['tibero2'], restart_marker=marker), fake)
    fake.assert_all_used()
    assert exc.value.result['msg'] == ('refusing to stop tibero1: the cluster would lose service; not UP(NRML) in '
                                       'cmrctl show all: tibero2. Nothing was stopped.')
    assert exc.value.result['commands'] == [] and not os.path.exists(marker)


def test_a_restart_marks_the_node_before_tbdown_and_clears_the_mark_once_listed_up(tb_home, tmp_path):
    marker = str(tmp_path / 'state' / 'restart-in-progress')
    seen = []
    tbdown = Step([_bin(tb_home, 'tbdown'), 'immediate'], out='Tibero instance terminated (IMMEDIATE mode).\n',
                  effect=lambda: seen.append(os.path.exists(marker)))
    fake = FakeRunCommand([_show(tb_home, SHOW_UP), _show_all(tb_home, SHOW_ALL_BOTH_UP), tbdown,
                           _show(tb_home, SHOW_DOWN)])
    stopped = run_module(ti.main, _args(tb_home, state='stopped', serving_peers=['tibero2'], restart_marker=marker),
                         fake)
    fake.assert_all_used()
    assert (stopped['changed'], stopped['marker'], stopped['state']) == (True, 'written', 'stopped')
    assert seen == [True]     # the marker was there when tbdown ran
    assert open(marker).read() == 'cm_tibero1 tibero1\n' and oct(os.stat(marker).st_mode & 0o777) == oct(0o644)
    # The boot: the process is up at once, the CM lists it a poll later; only then is the marker removed.
    processes = [REAL_TBSVR]
    fake = FakeRunCommand([_show(tb_home, SHOW_DOWN), Step(_pty(tb_home), out=BOOT_OUT),
                           _show(tb_home, SHOW_UP.replace('tibero1 UP(NRML)', 'tibero9 UP(NRML)')),
                           _show(tb_home, SHOW_UP)])
    with mock.patch('time.sleep'), mock.patch(GET_BIN_PATH, side_effect=_which), \
            mock.patch.object(ti, 'list_processes', return_value=processes):
        started = run_module(ti.main, _args(tb_home, wait_cm_listing=True, restart_marker=marker), fake)
    fake.assert_all_used()
    assert (started['changed'], started['marker'], started['status'], started['state_source']) == (
        True, 'removed', 'UP(NRML)', 'cm')
    assert not os.path.exists(marker)


def test_check_mode_neither_writes_nor_removes_the_marker(tb_home, tmp_path):
    marker = str(tmp_path / 'restart-in-progress')
    fake = FakeRunCommand([_show(tb_home, SHOW_UP), _show_all(tb_home, SHOW_ALL_BOTH_UP)])
    planned = run_module(ti.main, _args(tb_home, state='stopped', serving_peers=['tibero2'], restart_marker=marker),
                         fake, check_mode=True)
    assert planned['changed'] and planned['marker'] is None and not os.path.exists(marker)
    with open(marker, 'w') as handle:
        handle.write('cm_tibero1 tibero1\n')
    fake = FakeRunCommand([_show(tb_home, SHOW_UP)])
    kept = run_module(ti.main, _args(tb_home, restart_marker=marker), fake, check_mode=True)
    assert (kept['changed'], kept['marker']) == (False, None) and os.path.exists(marker)
    # A real run with the instance already up removes it, without a boot.
    fake = FakeRunCommand([_show(tb_home, SHOW_UP)])
    removed = run_module(ti.main, _args(tb_home, restart_marker=marker), fake)
    assert (removed['changed'], removed['marker'], removed['commands']) == (False, 'removed', [])
    assert not os.path.exists(marker)


def test_an_instance_up_by_its_process_only_is_awaited_in_the_cm_without_a_second_boot(tb_home):
    not_listed = SHOW_UP.replace('tibero1 UP(NRML)', 'tibero9 UP(NRML)')
    fake = FakeRunCommand([_show(tb_home, not_listed)])
    with mock.patch('time.sleep'), mock.patch.object(ti, 'list_processes', return_value=[REAL_TBSVR]), \
            pytest.raises(AnsibleFailJson) as exc:
        run_module(ti.main, _args(tb_home, wait_cm_listing=True, wait_timeout=0), fake)
    fake.assert_all_used()
    assert exc.value.result['msg'] == ('tibero1: the instance is UP(NRML) by its process, not listed by cmrctl '
                                       'show after 0 seconds')
    assert exc.value.result['commands'] == []
