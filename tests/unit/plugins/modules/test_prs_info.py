# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""prs_info: exact argv, stdin and environment of prs_adm; parsed or failed output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.modules import prs_info
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, make_tool, read_fixture, run_module)

SEED_STATUS = read_fixture('prs_adm_status_seed.txt')
# What `prs_adm -c status` prints in the lab: the banner, then the listing without prompt (PRS-2).
C_STATUS = SEED_STATUS[SEED_STATUS.index('prs_agent ID'):]
C_STATUS = SEED_STATUS[:SEED_STATUS.index('Admin>')] + '\n' + C_STATUS
# Default form (PRS-2): `prs_adm -c status`, `exit` on stdin as a guard.
C_ARGS = ['-c', 'status']
GUARD = 'exit\n'
STDIN = 'status\nexit\n'


@pytest.fixture
def prs_home(tmp_path):
    home = str(tmp_path / 'example')
    make_tool(os.path.join(home, 'bin'), 'prs_adm')
    return home


def prs_adm(prs_home):
    return os.path.join(prs_home, 'bin', 'prs_adm')


def status_argv(prs_home):
    return [prs_adm(prs_home)] + C_ARGS


def test_seed_status_in_check_mode(prs_home):
    fake = FakeRunCommand([Step(status_argv(prs_home), out=C_STATUS, data=GUARD)])
    result = run_module(prs_info.main, dict(prs_home=prs_home, tb_home='/opt/tibero7', timeout=30), fake,
                        check_mode=True)
    fake.assert_all_used()
    assert result['changed'] is False
    assert result['commands'] == [[prs_adm(prs_home), '-c', 'status']]
    assert result['all_running'] is True
    assert result['instance_id'] == 'prosync'
    assert [a['id'] for a in result['agents']] == ['agent1', 'agent2', 'agent3', 'agent4']
    assert result['agents'][1] == dict(id='agent2', host='172.19.0.12', port=7700, cm_group='CM1', cm_id=1,
                                       running=True)
    assert result['processes'][2] == dict(name='prosync_apply1', index=None, running=True, agent_id='agent3',
                                          host='172.19.0.13', port=7800, instance_id='prosync')
    call = fake.calls[0]
    assert call.timeout == 30
    assert call.env['PRS_HOME'] == prs_home
    assert call.env['TB_HOME'] == '/opt/tibero7'
    assert call.env['LC_ALL'] == 'C'
    assert call.env['PATH'].split(':')[:2] == [os.path.join(prs_home, 'bin'), '/opt/tibero7/bin']
    assert call.env['LD_LIBRARY_PATH'].split(':')[:3] == [os.path.join(prs_home, 'lib'), '/opt/tibero7/lib',
                                                          '/opt/tibero7/client/lib']


def test_prs_home_from_environment_and_a_stopped_process(prs_home, monkeypatch):
    monkeypatch.setenv('PRS_HOME', prs_home)
    monkeypatch.delenv('TB_HOME', raising=False)
    out = SEED_STATUS.replace('prosync_llob (1) is running (prs_agent ID : agent1, HOST: 172.19.0.11, PORT: 7600)',
                              'prosync_llob (1) is not running')
    fake = FakeRunCommand([Step(status_argv(prs_home), out=out, data=GUARD)])
    result = run_module(prs_info.main, {}, fake)
    assert result['all_running'] is False
    assert result['processes'][3] == dict(name='prosync_llob', index=1, running=False, agent_id=None, host=None,
                                          port=None, instance_id='prosync')
    assert 'TB_HOME' not in fake.calls[0].env


def test_unreadable_output_fails_with_the_raw_text(prs_home):
    out = 'ProSync 4 - Admin Utility\nAdmin> cannot connect to prs_agent (7600)\nAdmin> '
    fake = FakeRunCommand([Step([prs_adm(prs_home)], out=out, data=STDIN)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_info.main, dict(prs_home=prs_home, prs_adm_input='stdin'), fake)
    result = exc.value.result
    assert result['msg'] == ('cannot read the output of prs_adm status: prs_adm printed no "prs_agent ID: ..." '
                             'line:\n' + out)
    assert (result['stdout'], result['rc'], result['cmd']) == (out, 0, [prs_adm(prs_home)])


def test_non_zero_exit_fails(prs_home):
    fake = FakeRunCommand([Step(status_argv(prs_home), rc=1, err='PRS_HOME is not set\n', data=GUARD)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_info.main, dict(prs_home=prs_home), fake)
    assert exc.value.result['msg'] == 'prs_adm status failed with rc=1: PRS_HOME is not set'
    assert exc.value.result['commands'] == [status_argv(prs_home)]


def test_stdin_form_parses_the_guide_transcript(prs_home):
    """prs_adm_input=stdin: the console with `status` and `exit` typed, prompts in the output (PRS-1)."""
    fake = FakeRunCommand([Step([prs_adm(prs_home)], out=SEED_STATUS, data=STDIN)])
    result = run_module(prs_info.main, dict(prs_home=prs_home, prs_adm_input='stdin'), fake)
    fake.assert_all_used()
    assert result['commands'] == [[prs_adm(prs_home)]]
    assert result['all_running'] is True and len(result['processes']) == 4


def test_a_prs_adm_without_c_option_fails_with_its_raw_output(prs_home):
    """A prs_adm that ignores -c opens its console, reads the guard's `exit` and prints no listing."""
    out = '\nProSync 4 - Admin Utility\n\nTmaxData Corporation Copyright (c) 2024-. All rights reserved.\n\nAdmin> '
    fake = FakeRunCommand([Step(status_argv(prs_home), out=out, data=GUARD)])
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_info.main, dict(prs_home=prs_home), fake)
    result = exc.value.result
    assert result['msg'].endswith('prs_adm printed no "prs_agent ID: ..." line:\n' + out)
    argv = status_argv(prs_home)
    assert (result['stdout'], result['cmd'], result['commands']) == (out, argv, [argv])


def test_missing_tool(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_info.main, dict(prs_home=str(tmp_path / 'nowhere')))
    assert exc.value.result['msg'].startswith('prs_adm not found (looked in %s' % tmp_path.joinpath(
        'nowhere', 'bin', 'prs_adm'))
