# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tibero_node_info: one read-only call - cmrctl show all, the CM tip, the restart marker."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
from unittest import mock

import pytest

from ansible.module_utils import basic

from ansible_collections.tibero.cm.plugins.module_utils import kvfile
from ansible_collections.tibero.cm.plugins.modules import tibero_node_info
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

SHOW_ALL = read_fixture('seed000_show_all_group_up.txt')


@pytest.fixture
def tb_home(tmp_path):
    home = make_tb_home(tmp_path)
    os.makedirs(os.path.join(home, 'config'))
    with open(os.path.join(home, 'config', 'cm_tibero1.tip'), 'w') as handle:
        handle.write(read_fixture('cm_tibero1.tip'))
    return home


def _args(tb_home, tmp_path, **extra):
    args = dict(tb_home=tb_home, cm_sid='cm_tibero1', tb_sid='tibero1', cm_id=0, host='node1', timeout=15,
                marker=str(tmp_path / 'restart-in-progress'))
    args.update(extra)
    return args


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_node_whose_tip_lacks_cm_id_needs_a_restart(tb_home, tmp_path, check_mode):
    fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show', 'all'], out=SHOW_ALL)])
    result = run_module(tibero_node_info.main, _args(tb_home, tmp_path), fake, check_mode=check_mode)
    fake.assert_all_used()
    assert fake.calls[0].timeout == 15 and fake.calls[0].env['CM_SID'] == 'cm_tibero1'
    assert result['changed'] is False and result['commands'] == []
    assert result['db_status'] == ['UP(NRML)'] and result['node_up'] is True and result['show_error'] is None
    assert result['tip']['would_change'] is True and result['tip']['cm_id'] is None
    assert result['restart_needed'] is True and result['marker'] is False and result['problems'] == []
    assert {r['name'] for r in result['resources'] if r['node'] == 'cm_tibero1'} >= {'tibero1', 'CM1', 'agent1'}
    with open(os.path.join(tb_home, 'config', 'cm_tibero1.tip')) as handle:
        assert handle.read() == read_fixture('cm_tibero1.tip')  # nothing written


def test_a_cm_that_fails_is_a_problem_not_a_failure(tb_home, tmp_path):
    open(str(tmp_path / 'restart-in-progress'), 'w').close()
    fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show', 'all'], rc=1,
                                err='Failed to connect to the local CM')])
    warned = []  # the warning as the module gives it (ansible-core releases differ in where warn() ends up)
    with mock.patch.object(basic.AnsibleModule, 'warn', lambda self, message: warned.append(message)):
        result = run_module(tibero_node_info.main, _args(tb_home, tmp_path, cm_id=1), fake)
    assert result['show_error'].endswith('failed with rc=1: Failed to connect to the local CM')
    assert result['node_up'] is False and result['marker'] is True and result['restart_needed'] is True
    assert result['problems'] == []  # down on purpose: an interrupted restart's marker names it
    assert warned == ['node1: CM or DB is down and an interrupted tibero.cm run left the marker %s; the restart '
                      'phase will start it again.' % (tmp_path / 'restart-in-progress')]


def test_a_sid_that_is_not_a_name_fails_before_any_command(tb_home, tmp_path):
    with pytest.raises(AnsibleFailJson) as err:
        run_module(tibero_node_info.main, _args(tb_home, tmp_path, cm_sid='../etc/passwd'))
    assert 'cm_sid must be a CM or DB SID' in err.value.result['msg']


STANDBY_SHOW_ALL = '''Resource List of Node cm_sby
=====================================================================
  CLUSTER     TYPE           NAME   STATUS DETAIL
----------- -------- -------------- -------- ------------------------
     COMMON  network          net1       UP (private) 127.0.0.1/29100
    cls_sby  cluster       cls_sby       UP inc: net1, pub: N/A
    cls_sby     file     cls_sby:0       UP /data/sby/cm_sby.ctl
    cls_sby  service        tsc_sby      UP Database, Active Cluster (auto-restart: OFF)
    cls_sby       db         tb_sby UP(RECO) tsc_sby, /home/tibero/tibero/tibero7, failed retry cnt: 0
=====================================================================
'''


def test_a_tsc_standby_in_recovery_is_its_expected_state(tb_home, tmp_path):
    """A TSC standby (expect recovery) runs its DB UP(RECO): no problem, no transition, and without
    cm_id its tip is not read and it needs no CM_ID restart."""
    fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show', 'all'], out=STANDBY_SHOW_ALL)])
    args = _args(tb_home, tmp_path, cm_sid='cm_sby', tb_sid='tb_sby', expect='recovery')
    del args['cm_id']
    result = run_module(tibero_node_info.main, args, fake)
    assert result['db_status'] == ['UP(RECO)'] and result['node_up'] is True
    assert result['problems'] == [] and result['restart_needed'] is False and result['tip']['would_change'] is False
    # The same table for a node expected open is a problem (its DB is not UP(NRML)) and a transition.
    fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show', 'all'], out=STANDBY_SHOW_ALL)])
    args['expect'] = 'open'
    result = run_module(tibero_node_info.main, args, fake)
    assert result['node_up'] is False
    assert [p.split(':')[1].strip() for p in result['problems']] == ['CM cm_sby does not answer or DB tb_sby is not UP(NRML)',
                                                                     'resources in transition']


def test_an_interrupted_tsc_restart_marker_lets_a_node_be_down(tb_home, tmp_path):
    open(str(tmp_path / 'tsc-restart-in-progress'), 'w').close()
    fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show', 'all'], rc=1, err='down')])
    args = _args(tb_home, tmp_path, resume_markers=[str(tmp_path / 'tsc-restart-in-progress')])
    result = run_module(tibero_node_info.main, args, fake)
    assert result['problems'] == [] and result['marker'] is False and result['restart_needed'] is True  # CM_ID tip


@pytest.mark.parametrize('rc, out, running', [(0, read_fixture('lab_observer_show.txt'), True),
                                              (1, 'Failed to connect to the observer (obs1): it is not running.', False)])
def test_an_observer_host_says_whether_the_observer_runs(tb_home, tmp_path, rc, out, running):
    fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show'], rc=rc, out=out)])
    args = dict(tb_home=tb_home, cm_sid='cm_obs', expect='observer', host='obs1', marker=str(tmp_path / 'm'))
    result = run_module(tibero_node_info.main, args, fake, check_mode=True)
    fake.assert_all_used()
    assert result['observer_running'] is running and result['problems'] == [] and result['changed'] is False


def test_state_files_are_read_back_absent_as_null_and_an_unreadable_one_fails(tb_home, tmp_path):
    record, marker, big = (str(tmp_path / name) for name in ('agent-agent1.retry_cnt', 'agent-restart-pending', 'big'))
    with open(record, 'w') as handle:
        handle.write('3\n')
    show = Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show', 'all'], out=SHOW_ALL)
    result = run_module(tibero_node_info.main, _args(tb_home, tmp_path, state_files=[record, marker]),
                        FakeRunCommand([show]), check_mode=True)
    assert result['state_files'] == {record: '3\n', marker: None}
    assert run_module(tibero_node_info.main, _args(tb_home, tmp_path),
                      FakeRunCommand([show]))['state_files'] == {}
    with open(big, 'w') as handle:
        handle.write('x' * (kvfile.STATE_FILE_LIMIT + 1))
    os.chmod(record, 0)
    for path, words in ((big, 'is over 65536 bytes'), (record, 'cannot read the state file')):
        if path == record and os.geteuid() == 0:
            continue  # root reads a 0000 file
        with pytest.raises(AnsibleFailJson) as err:
            run_module(tibero_node_info.main, _args(tb_home, tmp_path, state_files=[path]), FakeRunCommand([show]))
        assert words in err.value.result['msg'] and path in err.value.result['msg']


@pytest.mark.parametrize('expect', ['open', 'observer'])
def test_the_tools_that_do_not_exist_are_returned_on_either_kind_of_node(tb_home, tmp_path, expect):
    present = os.path.join(tb_home, 'bin', 'tbboot')  # make_tb_home's stand-in
    dangling = str(tmp_path / 'dangling')
    os.symlink(str(tmp_path / 'nowhere'), dangling)
    under_a_file = present + '/tbdown'  # ENOTDIR
    absent = os.path.join(tb_home, 'bin', 'prs_adm')
    tools = [present, absent, dangling, under_a_file]
    if expect == 'observer':
        fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show'], rc=1, out='not running')])
        args = _args(tb_home, tmp_path, expect='observer', tools=tools)
    else:
        fake = FakeRunCommand([Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show', 'all'], out=SHOW_ALL)])
        args = _args(tb_home, tmp_path, tools=tools)
    result = run_module(tibero_node_info.main, args, fake, check_mode=True)
    assert result['tools_missing'] == [absent, dangling, under_a_file]
    assert result['changed'] is False


def test_a_tool_in_a_directory_the_user_may_not_search_is_not_called_missing(tb_home, tmp_path):
    if os.geteuid() == 0:
        pytest.skip('root searches a 0000 directory')
    closed = tmp_path / 'closed'
    closed.mkdir()
    os.chmod(str(closed), 0)
    try:
        show = Step([os.path.join(tb_home, 'bin', 'cmrctl'), 'show', 'all'], out=SHOW_ALL)
        result = run_module(tibero_node_info.main, _args(tb_home, tmp_path, tools=[str(closed / 'prs_adm')]),
                            FakeRunCommand([show]))
        assert result['tools_missing'] == []
    finally:
        os.chmod(str(closed), 0o755)
