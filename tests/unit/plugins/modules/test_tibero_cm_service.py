# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tibero_cm_service: tbcm -b / -d only when `cmrctl show` says otherwise; never takes a DB down by surprise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd

import pytest

from unittest import mock

from ansible_collections.tibero.cm.plugins.modules import tibero_cm_service
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

SHOW_DB_UP = read_fixture('seed000_show_node1_no_group.txt')
SHOW_DB_DOWN = SHOW_DB_UP.replace('tibero1 UP(NRML)', 'tibero1     DOWN')
CM_DOWN_ERR = "Failed to connect to the local CM (cm_tibero1): it is not running.\n"
TBCM_B_OUT = ('CM Guard daemon started up.\n\nTibero 7\n\nTibero cluster manager started up.\n'
              'Local node name is (cm_tibero1:8645).\n')


ACCOUNT = pwd.struct_passwd(('tibero', 'x', 1001, 1001, '', '/home/tibero', '/bin/bash'))


@pytest.fixture
def tb_home(tmp_path, monkeypatch):
    """A TB_HOME, and the task's process as the tibero user with a sudo-like environment."""
    monkeypatch.setenv('PATH', '/usr/sbin:/usr/bin:/bin')
    monkeypatch.setenv('LANG', 'ko_KR.UTF-8')
    monkeypatch.setenv('LC_ALL', 'C')
    monkeypatch.setenv('SUDO_USER', 'ansible')
    monkeypatch.delenv('LD_LIBRARY_PATH', raising=False)
    monkeypatch.setattr(pwd, 'getpwuid', lambda uid: ACCOUNT)
    real = tibero_cm_service.AnsibleModule.get_bin_path
    with mock.patch.object(tibero_cm_service.AnsibleModule, 'get_bin_path', autospec=True,
                           side_effect=lambda self, tool, *a, **k: '/usr/bin/env' if tool == 'env'
                           else real(self, tool, *a, **k)):
        yield make_tb_home(tmp_path)


def _start(tb_home, **extra):
    """env -i <the tibero user's login environment> tbcm -b: exactly what the daemon gets."""
    env = dict(CM_HOME=tb_home, CM_SID='cm_tibero1', HOME='/home/tibero', LANG='ko_KR.UTF-8',
               LD_LIBRARY_PATH='%s/lib:%s/client/lib' % (tb_home, tb_home), LOGNAME='tibero',
               PATH='%s/bin:%s/client/bin:/usr/sbin:/usr/bin:/bin' % (tb_home, tb_home), SHELL='/bin/bash',
               TB_HOME=tb_home, USER='tibero')
    env.update(extra)
    return ['/usr/bin/env', '-i'] + ['%s=%s' % (k, env[k]) for k in sorted(env)] + [_bin(tb_home, 'tbcm'), '-b']


def _bin(tb_home, tool):
    return os.path.join(tb_home, 'bin', tool)


def _show(tb_home, out=None, rc=0):
    return Step([_bin(tb_home, 'cmrctl'), 'show'], rc=rc, out=out or '', err=CM_DOWN_ERR if rc else '')


def _args(tb_home, **kwargs):
    return dict(dict(tb_home=tb_home, cm_sid='cm_tibero1'), **kwargs)


def test_start_when_down_then_confirm(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, rc=1),
        Step(_start(tb_home), out=TBCM_B_OUT),
        _show(tb_home, SHOW_DB_DOWN),
    ])
    result = run_module(tibero_cm_service.main, _args(tb_home), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['state']) == (True, [_start(tb_home)], 'started')
    assert result['diff'] == dict(before=dict(state='stopped'), after=dict(state='started'))
    # cmrctl show: the Tibero variables with CM_HOME beside CM_SID, parsed in the C locale.
    assert [fake.calls[0].env[k] for k in ('TB_HOME', 'CM_HOME', 'CM_SID', 'LC_ALL')] == [
        tb_home, tb_home, 'cm_tibero1', 'C']


def test_start_gives_the_daemon_tb_sid_and_the_sites_variables_over_the_login_environment(tb_home):
    argv = _start(tb_home, TB_SID='tibero1', TB_NLS_LANG='UTF8', LANG='en_US.UTF-8', PRS_HOME='/prosync')
    fake = FakeRunCommand([_show(tb_home, rc=1), Step(argv, out=TBCM_B_OUT), _show(tb_home, SHOW_DB_DOWN)])
    daemon_env = dict(TB_NLS_LANG='UTF8', LANG='en_US.UTF-8', PRS_HOME='/prosync')
    result = run_module(tibero_cm_service.main, _args(tb_home, tb_sid='tibero1', daemon_env=daemon_env), fake)
    fake.assert_all_used()
    assert result['commands'] == [argv]
    assert not [a for a in argv if a.startswith(('LC_ALL=', 'SUDO_USER='))]


def test_check_mode_plans_the_start_with_its_environment(tb_home):
    fake = FakeRunCommand([_show(tb_home, rc=1)])
    result = run_module(tibero_cm_service.main, _args(tb_home), fake, check_mode=True)
    assert (result['changed'], result['commands']) == (True, [_start(tb_home)])


def test_a_daemon_env_key_that_is_no_variable_name_is_refused_before_any_command(tb_home):
    fake = FakeRunCommand([])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, daemon_env={'TB NLS': 'x'}), fake)
    assert exc.value.result['msg'] == "daemon_env: 'TB NLS' is not an environment variable name (letters, digits, _)"
    assert exc.value.result['commands'] == []


def test_running_cm_is_left_alone(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_UP)])
    result = run_module(tibero_cm_service.main, _args(tb_home), fake)
    assert (result['changed'], result['commands']) == (False, [])


def test_stop_is_refused_while_the_db_is_up(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_UP)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, state='stopped'), fake)
    assert exc.value.result['msg'].startswith('the CM manages DB instance(s) that are up on this node: '
                                              'tibero1 (UP(NRML)). tbcm -d would take them down ABNORMAL')
    assert exc.value.result['commands'] == []


@pytest.mark.parametrize('show, force', [(SHOW_DB_DOWN, False), (SHOW_DB_UP, True)])
def test_stop(tb_home, show, force):
    fake = FakeRunCommand([
        _show(tb_home, show),
        Step([_bin(tb_home, 'tbcm'), '-d'], out='CM DOWN SUCCESS!\n'),
        _show(tb_home, rc=1),
    ])
    result = run_module(tibero_cm_service.main, _args(tb_home, state='stopped', force=force), fake)
    fake.assert_all_used()
    assert (result['changed'], result['state']) == (True, 'stopped')


def test_check_mode_plans(tb_home):
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_DOWN)])
    result = run_module(tibero_cm_service.main, _args(tb_home, state='stopped'), fake, check_mode=True)
    assert (result['changed'], result['commands']) == (True, [[_bin(tb_home, 'tbcm'), '-d']])


def test_failed_startup_is_reported(tb_home):
    out = 'Tibero cluster manager (cm_tibero1) startup failed!\nCM_UI_PORT is missing\n'
    fake = FakeRunCommand([_show(tb_home, rc=1), Step(_start(tb_home), rc=1, out=out)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home), fake)
    assert 'startup failed' in exc.value.result['msg']
    assert (exc.value.result['rc'], exc.value.result['stdout']) == (1, out)


def test_cm_not_answering_after_start_fails(tb_home):
    fake = FakeRunCommand([_show(tb_home, rc=1), Step(_start(tb_home), out=TBCM_B_OUT),
                           _show(tb_home, rc=1)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, wait_timeout=0), fake)
    assert 'cmrctl show still finds the CM stopped' in exc.value.result['msg']
    assert exc.value.result['changed'] is True


def _tip(tb_home, text=None):
    """The CM tip of cm_tibero1 (written first when ``text`` is given); its text."""
    path = os.path.join(tb_home, 'config', 'cm_tibero1.tip')
    if text is not None:
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        with open(path, 'w') as handle:
            handle.write(text)
    with open(path) as handle:
        return handle.read()


def test_cm_id_is_set_at_the_top_of_the_tip_with_a_backup_before_tbcm_b_reads_it(tb_home):
    original = _tip(tb_home, read_fixture('cm_tibero1.tip'))
    seen = []
    fake = FakeRunCommand([
        _show(tb_home, rc=1),
        Step(_start(tb_home), out=TBCM_B_OUT, effect=lambda: seen.append(_tip(tb_home))),
        _show(tb_home, SHOW_DB_DOWN),
    ])
    result = run_module(tibero_cm_service.main, _args(tb_home, cm_id=0), fake, diff=True)
    fake.assert_all_used()
    assert seen == [_tip(tb_home)], 'tbcm -b ran before the tip was written'
    # At the top: after the tip's header comments, before its first parameter; nothing else changed.
    lines = _tip(tb_home).splitlines()
    first = [n for n, line in enumerate(lines) if line and not line.startswith('#')][0]
    assert lines[first] == 'CM_ID=0' and lines[:first] + lines[first + 1:] == original.splitlines()
    tip = result['tip']
    assert (result['changed'], tip['changed'], tip['params']) == (True, True, {'CM_ID': '0'})
    with open(tip['backup_file']) as handle:
        assert handle.read() == original
    state_diff, tip_diff = result['diff']
    assert state_diff == dict(before=dict(state='stopped'), after=dict(state='started'))
    assert '\nCM_ID=0\n' in tip_diff['after'] and tip_diff['before'] == original


def test_cm_id_already_in_the_tip_of_a_running_cm_changes_nothing(tb_home):
    _tip(tb_home, 'CM_ID=1\n' + read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_UP)])
    result = run_module(tibero_cm_service.main, _args(tb_home, cm_id=1), fake)
    assert (result['changed'], result['commands'], result['tip']['changed']) == (False, [], False)
    assert 'backup_file' not in result['tip']


def test_check_mode_plans_the_tip_under_the_cm_the_plan_stops_first(tb_home):
    # The restart sequence in check mode: tbcm -d was only planned, so the CM still runs.
    original = _tip(tb_home, read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_UP)])
    result = run_module(tibero_cm_service.main, _args(tb_home, cm_id=0), fake, check_mode=True, diff=True)
    assert (result['changed'], result['commands']) == (True, [])
    assert '\nCM_ID=0\n' in result['diff'][1]['after']
    assert _tip(tb_home) == original


def test_a_tip_that_must_change_under_a_running_cm_is_refused_untouched(tb_home):
    original = _tip(tb_home, 'CM_ID=1\n' + read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_UP)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, cm_id=0), fake)
    assert exc.value.result['msg'].startswith('the CM cm_tibero1 runs: a change that sets CM_ID=0 in its tip ')
    assert 'a running CM keeps the CM_ID it started with' in exc.value.result['msg']
    assert 'use state=restarted; nothing was changed' in exc.value.result['msg']
    assert _tip(tb_home) == original
    assert os.listdir(os.path.join(tb_home, 'config')) == ['cm_tibero1.tip']


def test_a_missing_tip_fails_before_tbcm_b(tb_home):
    fake = FakeRunCommand([_show(tb_home, rc=1)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, cm_id=0), fake)
    assert exc.value.result['msg'] == ('the CM tip %s/config/cm_tibero1.tip does not exist: tbcm -b could not start '
                                       'the CM cm_tibero1 either' % tb_home)
    assert exc.value.result['changed'] is False
    fake.assert_all_used()


def test_cm_id_with_state_stopped_is_refused_before_any_command(tb_home):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, cm_id=0, state='stopped'), FakeRunCommand([]))
    assert exc.value.result['msg'] == ('cm_id and remove_cm_id go with state=started or restarted (the CM reads its '
                                       'tip at tbcm -b)')


def _stop_step(tb_home, effect=None):
    return Step([_bin(tb_home, 'tbcm'), '-d'], out='CM DOWN SUCCESS!\n', effect=effect)


def test_restarted_stops_edits_the_tip_while_the_cm_is_down_then_starts(tb_home):
    original = _tip(tb_home, read_fixture('cm_tibero1.tip'))
    tips = []
    fake = FakeRunCommand([
        _show(tb_home, SHOW_DB_DOWN),
        _stop_step(tb_home, effect=lambda: tips.append(('-d', _tip(tb_home)))),
        _show(tb_home, rc=1),
        Step(_start(tb_home), out=TBCM_B_OUT, effect=lambda: tips.append(('-b', _tip(tb_home)))),
        _show(tb_home, SHOW_DB_DOWN),
    ])
    result = run_module(tibero_cm_service.main, _args(tb_home, cm_id=1, state='restarted'), fake, diff=True)
    fake.assert_all_used()
    assert tips[0] == ('-d', original) and tips[1][0] == '-b' and 'CM_ID=1' in tips[1][1].splitlines()
    assert (result['changed'], result['state']) == (True, 'started')
    assert result['commands'] == [[_bin(tb_home, 'tbcm'), '-d'], _start(tb_home)]
    assert result['diff'][0] == dict(before=dict(state='started'), after=dict(state='started', restarted=True))
    assert result['tip']['backup_file']


def test_restarted_on_a_stopped_cm_only_edits_the_tip_and_starts(tb_home):
    # An interrupted run left the node after tbcm -d: the rerun does not run it again.
    _tip(tb_home, 'CM_ID=1\n' + read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, rc=1), Step(_start(tb_home), out=TBCM_B_OUT), _show(tb_home, SHOW_DB_DOWN)])
    result = run_module(tibero_cm_service.main, _args(tb_home, cm_id=1, state='restarted'), fake)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['tip']['changed']) == (True, [_start(tb_home)], False)


def test_restarted_is_refused_while_the_db_is_up_and_touches_nothing(tb_home):
    original = _tip(tb_home, read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_UP)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, cm_id=0, state='restarted'), fake)
    assert 'tbcm -d would take them down ABNORMAL' in exc.value.result['msg']
    assert exc.value.result['commands'] == [] and _tip(tb_home) == original


def test_restarted_in_check_mode_plans_both_commands_and_the_tip(tb_home):
    # The restart sequence in check mode: tbdown was only planned, so the DB is still up (force).
    original = _tip(tb_home, read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_UP)])
    result = run_module(tibero_cm_service.main, _args(tb_home, cm_id=0, state='restarted', force=True), fake,
                        check_mode=True, diff=True)
    assert (result['changed'], result['commands']) == (True, [[_bin(tb_home, 'tbcm'), '-d'], _start(tb_home)])
    assert '\nCM_ID=0\n' in result['diff'][1]['after'] and _tip(tb_home) == original


def test_remove_cm_id_takes_it_out_of_the_tip_with_a_backup(tb_home):
    with_id = _tip(tb_home, 'CM_ID=1\n' + read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_DOWN), _stop_step(tb_home), _show(tb_home, rc=1),
                           Step(_start(tb_home), out=TBCM_B_OUT), _show(tb_home, SHOW_DB_DOWN)])
    result = run_module(tibero_cm_service.main, _args(tb_home, remove_cm_id=True, state='restarted'), fake)
    fake.assert_all_used()
    assert 'CM_ID' not in _tip(tb_home) and _tip(tb_home) == read_fixture('cm_tibero1.tip')
    with open(result['tip']['backup_file']) as handle:
        assert handle.read() == with_id


def test_a_cm_that_does_not_stop_fails_the_restart_before_the_tip(tb_home):
    original = _tip(tb_home, read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, SHOW_DB_DOWN), _stop_step(tb_home), _show(tb_home, SHOW_DB_DOWN)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, cm_id=0, state='restarted', wait_timeout=0), fake)
    assert 'cmrctl show still finds the CM started' in exc.value.result['msg']
    assert _tip(tb_home) == original


def test_cm_id_and_remove_cm_id_exclude_each_other_but_remove_false_goes_with_cm_id(tb_home):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, cm_id=0, remove_cm_id=True, state='restarted'),
                   FakeRunCommand([]))
    assert exc.value.result['msg'] == 'cm_id and remove_cm_id=true exclude each other: set CM_ID or remove it'
    assert exc.value.result['commands'] == []
    # What the role passes: cm_id with remove_cm_id false.
    _tip(tb_home, 'CM_ID=0\n' + read_fixture('cm_tibero1.tip'))
    fake = FakeRunCommand([_show(tb_home, rc=1), Step(_start(tb_home), out=TBCM_B_OUT), _show(tb_home, SHOW_DB_DOWN)])
    result = run_module(tibero_cm_service.main, _args(tb_home, cm_id=0, remove_cm_id=False, state='restarted'), fake)
    assert (result['changed'], result['tip']['changed']) == (True, False)
