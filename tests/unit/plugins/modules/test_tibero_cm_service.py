# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tibero_cm_service: tbcm -b / -d only when `cmrctl show` says otherwise; never takes a DB down by surprise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import tibero_cm_service
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tb_home, read_fixture, run_module)

SHOW_DB_UP = read_fixture('seed000_show_node1_no_group.txt')
SHOW_DB_DOWN = SHOW_DB_UP.replace('tibero1 UP(NRML)', 'tibero1     DOWN')
CM_DOWN_ERR = "Failed to connect to the local CM (cm_tibero1): it is not running.\n"
TBCM_B_OUT = ('CM Guard daemon started up.\n\nTibero 7\n\nTibero cluster manager started up.\n'
              'Local node name is (cm_tibero1:8645).\n')


@pytest.fixture
def tb_home(tmp_path):
    return make_tb_home(tmp_path)


def _bin(tb_home, tool):
    return os.path.join(tb_home, 'bin', tool)


def _show(tb_home, out=None, rc=0):
    return Step([_bin(tb_home, 'cmrctl'), 'show'], rc=rc, out=out or '', err=CM_DOWN_ERR if rc else '')


def _args(tb_home, **kwargs):
    return dict(dict(tb_home=tb_home, cm_sid='cm_tibero1'), **kwargs)


def test_start_when_down_then_confirm(tb_home):
    fake = FakeRunCommand([
        _show(tb_home, rc=1),
        Step([_bin(tb_home, 'tbcm'), '-b'], out=TBCM_B_OUT),
        _show(tb_home, SHOW_DB_DOWN),
    ])
    result = run_module(tibero_cm_service.main, _args(tb_home), fake, diff=True)
    fake.assert_all_used()
    assert (result['changed'], result['commands'], result['state']) == (True, [[_bin(tb_home, 'tbcm'), '-b']], 'started')
    assert result['diff'] == dict(before=dict(state='stopped'), after=dict(state='started'))
    assert fake.calls[1].env['CM_SID'] == 'cm_tibero1'


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
    fake = FakeRunCommand([_show(tb_home, rc=1), Step([_bin(tb_home, 'tbcm'), '-b'], rc=1, out=out)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home), fake)
    assert 'startup failed' in exc.value.result['msg']
    assert (exc.value.result['rc'], exc.value.result['stdout']) == (1, out)


def test_cm_not_answering_after_start_fails(tb_home):
    fake = FakeRunCommand([_show(tb_home, rc=1), Step([_bin(tb_home, 'tbcm'), '-b'], out=TBCM_B_OUT),
                           _show(tb_home, rc=1)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(tibero_cm_service.main, _args(tb_home, wait_timeout=0), fake)
    assert 'cmrctl show still finds the CM stopped' in exc.value.result['msg']
    assert exc.value.result['changed'] is True
