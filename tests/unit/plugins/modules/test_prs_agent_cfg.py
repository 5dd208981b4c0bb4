# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""prs_agent_cfg on the seed's prs_agent_agent1.cfg: validation, style, warnings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.modules import prs_agent_cfg
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, read_fixture, run_module)

SEED_CFG = read_fixture('prs_agent_agent1.cfg')
# What prs_install_agent.sh leaves before the operator adds the CM section (seed 000 step 3).
CM_START = SEED_CFG.index('#-----------------------------------------------------------------------'
                          '--------\n# CM\n')
FRESH_CFG = SEED_CFG[:CM_START]
CM_PARAMS = {
    'USE_CM': 'Y',
    'PRS_AGENT_PROC_MAX_FAIL_CNT': 10,
    'PRS_AGENT_PROC_STARTUP_TIMEOUT': 10,
    'PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT': 10,
    'PRS_AGENT_PROC_STATUS_INTERVAL': 3,
    'PRS_AGENT_CM_PROBE_TIMEOUT': 0,
}


@pytest.fixture
def prs_home(tmp_path):
    config = tmp_path / 'example' / 'config'
    config.mkdir(parents=True)
    (config / 'prs_agent_agent1.cfg').write_text(SEED_CFG)
    return str(tmp_path / 'example')


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(AnsibleModule, 'warn', lambda self, msg: seen.append(msg))
    return seen


def cfg(prs_home):
    return os.path.join(prs_home, 'config', 'prs_agent_agent1.cfg')


def read(path):
    with open(path) as handle:
        return handle.read()


def test_seed_file_already_has_the_seed_settings(prs_home, warnings):
    result = run_module(prs_agent_cfg.main, dict(prs_home=prs_home, agent_id='agent1', params=CM_PARAMS))
    assert (result['changed'], result['restart_required'], result['changes']) == (False, False, [])
    assert result['use_cm'] == 'Y'
    assert result['params']['PRS_AGENT_CM_PROBE_TIMEOUT'] == '0'
    assert read(cfg(prs_home)) == SEED_CFG
    assert warnings == []


def test_fresh_file_gets_the_cm_parameters_in_its_own_style(tmp_path, warnings):
    path = tmp_path / 'prs_agent_agent1.cfg'
    path.write_text(FRESH_CFG)
    result = run_module(prs_agent_cfg.main, dict(path=str(path), params=CM_PARAMS))
    assert path.read_text() == FRESH_CFG + (
        'USE_CM = Y\nPRS_AGENT_PROC_MAX_FAIL_CNT = 10\nPRS_AGENT_PROC_STARTUP_TIMEOUT = 10\n'
        'PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT = 10\nPRS_AGENT_PROC_STATUS_INTERVAL = 3\n'
        'PRS_AGENT_CM_PROBE_TIMEOUT = 0\n')
    assert result['restart_required'] is True
    assert [c['action'] for c in result['changes']] == ['added'] * 6
    assert warnings == []
    assert run_module(prs_agent_cfg.main, dict(path=str(path), params=CM_PARAMS))['changed'] is False


def test_changed_value_keeps_tabs_and_inline_comment(prs_home):
    result = run_module(prs_agent_cfg.main, dict(prs_home=prs_home, agent_id='agent1',
                                                 name='PRS_AGENT_PROC_STATUS_INTERVAL', value=5), diff=True)
    expected = SEED_CFG.replace('PRS_AGENT_PROC_STATUS_INTERVAL = 3\t\t#', 'PRS_AGENT_PROC_STATUS_INTERVAL = 5\t\t#')
    assert read(cfg(prs_home)) == expected
    assert result['diff']['after'] == expected
    assert result['changes'] == [dict(action='changed', key='PRS_AGENT_PROC_STATUS_INTERVAL', before='3',
                                      after='5', line=25)]


@pytest.mark.parametrize('value, written', [('y', 'Y'), (False, 'N'), ('"N"', 'N')])
def test_use_cm_is_normalised(prs_home, value, written, warnings):
    run_module(prs_agent_cfg.main, dict(prs_home=prs_home, agent_id='agent1', name='USE_CM', value=value))
    assert 'USE_CM = %s\n' % written in read(cfg(prs_home))


def test_warns_when_cm_parameters_are_set_without_use_cm(prs_home, warnings):
    result = run_module(prs_agent_cfg.main, dict(prs_home=prs_home, agent_id='agent1', name='USE_CM', value='N'))
    assert result['use_cm'] == 'N'
    assert warnings == [
        '%s: PRS_AGENT_CM_PROBE_TIMEOUT, PRS_AGENT_PROC_MAX_FAIL_CNT, PRS_AGENT_PROC_STARTUP_TIMEOUT, '
        'PRS_AGENT_PROC_STATUS_INTERVAL, PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT set while USE_CM=N; '
        'ProSync reads them only with USE_CM=Y' % cfg(prs_home)]


def test_warns_when_use_cm_is_missing_and_defaults_to_n(tmp_path, warnings):
    path = tmp_path / 'a.cfg'
    path.write_text(FRESH_CFG)
    result = run_module(prs_agent_cfg.main, dict(path=str(path), name='PRS_AGENT_CM_PROBE_TIMEOUT', value=30),
                        check_mode=True)
    assert result['use_cm'] == 'N'
    assert result['changed'] is True
    assert path.read_text() == FRESH_CFG
    assert warnings == ['%s: PRS_AGENT_CM_PROBE_TIMEOUT set while USE_CM=N; ProSync reads them only with USE_CM=Y'
                        % path]


def test_no_warning_for_unrelated_keys(tmp_path, warnings):
    path = tmp_path / 'a.cfg'
    path.write_text(u'USE_CM = N\nPRS_AGENT_CM_PROBE_TIMEOUT = 0\nLOG_LEVEL = 3\n')
    run_module(prs_agent_cfg.main, dict(path=str(path), name='LOG_LEVEL', value=5))
    assert path.read_text() == u'USE_CM = N\nPRS_AGENT_CM_PROBE_TIMEOUT = 0\nLOG_LEVEL = 5\n'
    assert warnings == []


@pytest.mark.parametrize('name, value, message', [
    ('USE_CM', 'YES', "USE_CM must be Y or N, not 'YES'"),
    ('USE_CM', 1, "USE_CM must be Y or N, not '1'"),
    ('PRS_AGENT_CM_PROBE_TIMEOUT', -1, "PRS_AGENT_CM_PROBE_TIMEOUT must be a whole number >= 0 (seconds), not '-1'"),
    ('PRS_AGENT_PROC_STARTUP_TIMEOUT', '10s',
     "PRS_AGENT_PROC_STARTUP_TIMEOUT must be a whole number >= 0 (seconds), not '10s'"),
    ('PRS_AGENT_PROC_STATUS_INTERVAL', 2.5,
     "PRS_AGENT_PROC_STATUS_INTERVAL must be a whole number >= 0 (seconds), not '2.5'"),
    ('prs_agent_proc_max_fail_cnt', 'ten', "prs_agent_proc_max_fail_cnt must be a whole number >= 0, not 'ten'"),
])
def test_invalid_cm_values_are_refused_before_touching_the_file(prs_home, name, value, message):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_agent_cfg.main, dict(prs_home=prs_home, agent_id='agent1', name=name, value=value))
    assert exc.value.result['msg'] == message
    assert read(cfg(prs_home)) == SEED_CFG


def test_other_keys_pass_through(prs_home):
    run_module(prs_agent_cfg.main, dict(prs_home=prs_home, agent_id='agent1',
                                        params={'LISTENER_PORT': 7604, 'LOG_DIR': '/var/log/prs'}))
    assert read(cfg(prs_home)) == (SEED_CFG.replace('LISTENER_PORT = 7603 ', 'LISTENER_PORT = 7604 ')
                                   .replace('LOG_DIR = /home/prosync/example/var/agent/agent1/log ',
                                            'LOG_DIR = /var/log/prs '))


def test_absent_removes_the_line_with_its_comment(prs_home):
    result = run_module(prs_agent_cfg.main, dict(prs_home=prs_home, agent_id='agent1',
                                                 name='PRS_AGENT_CM_PROBE_TIMEOUT', state='absent'))
    assert read(cfg(prs_home)) == SEED_CFG.replace('PRS_AGENT_CM_PROBE_TIMEOUT = 0\t\t\t#Dependency Param : USE_CM=Y\n',
                                                   '')
    assert result['restart_required'] is True


def test_crlf_file(tmp_path):
    path = tmp_path / 'a.cfg'
    path.write_bytes(b'LOG_LEVEL = 3\r\nUSE_CM = N\r\n')
    run_module(prs_agent_cfg.main, dict(path=str(path), params={'USE_CM': 'Y', 'PRS_AGENT_CM_PROBE_TIMEOUT': 0}))
    assert path.read_bytes() == b'LOG_LEVEL = 3\r\nUSE_CM = Y\r\nPRS_AGENT_CM_PROBE_TIMEOUT = 0\r\n'


def test_duplicate_use_cm_untouched_gives_no_use_cm(tmp_path, warnings):
    path = tmp_path / 'a.cfg'
    path.write_text(u'USE_CM = Y\nUSE_CM = N\n')
    result = run_module(prs_agent_cfg.main, dict(path=str(path), name='LOG_LEVEL', value=3))
    assert result['use_cm'] is None
    assert warnings == ['%s: USE_CM is set more than once (lines 1, 2); Tibero reads one of them' % path]


def test_duplicate_touched_key_fails(tmp_path):
    path = tmp_path / 'a.cfg'
    path.write_text(u'USE_CM = Y\nUSE_CM = N\n')
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_agent_cfg.main, dict(path=str(path), name='USE_CM', value='Y'))
    assert 'USE_CM is set 2 times (lines 1, 2)' in exc.value.result['msg']


def test_missing_file_and_missing_prs_home(tmp_path, monkeypatch):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_agent_cfg.main, dict(prs_home=str(tmp_path), agent_id='agent9', name='USE_CM', value='Y'))
    assert exc.value.result['msg'] == ('%s does not exist (set create=true to create it)'
                                       % tmp_path.joinpath('config', 'prs_agent_agent9.cfg'))
    monkeypatch.delenv('PRS_HOME', raising=False)
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_agent_cfg.main, dict(agent_id='agent9', name='USE_CM', value='Y'))
    assert 'agent_id needs prs_home' in exc.value.result['msg']


@pytest.mark.parametrize('agent_id', ['../../x', 'a/b', '-agent1'])
def test_an_agent_id_that_is_no_file_name_is_refused(tmp_path, agent_id):
    with pytest.raises(AnsibleFailJson) as exc:
        run_module(prs_agent_cfg.main, dict(prs_home=str(tmp_path), agent_id=agent_id, name='USE_CM', value='Y',
                                            create=True))
    assert exc.value.result['msg'].startswith('agent_id must be a ProSync agent id'), exc.value.result
    assert os.listdir(str(tmp_path)) == []


LAB_TEMPLATE_CM = (
    'USE_CM = N\n'
    '#PRS_AGENT_PROC_MAX_FAIL_CNT = 10\t\t#Dependency Param : USE_CM=Y\n'
    '#PRS_AGENT_PROC_STARTUP_TIMEOUT = 10\t        #Dependency Param : USE_CM=Y\n'
    '#PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT = 10\t#Dependency Param : USE_CM=Y\n'
    '#PRS_AGENT_PROC_STATUS_INTERVAL = 3\t\t#Dependency Param : USE_CM=Y\n'
    '#PRS_AGENT_CM_PROBE_TIMEOUT = 0\t\t\t#Dependency Param : USE_CM=Y\n')


def test_commented_template_becomes_the_seed_cm_section(tmp_path):
    path = tmp_path / 'a.cfg'
    path.write_text(LAB_TEMPLATE_CM)
    result = run_module(prs_agent_cfg.main, dict(path=str(path), params=CM_PARAMS))
    assert path.read_text() == SEED_CFG[SEED_CFG.index('USE_CM = Y'):]
    assert [(c['action'], c['line']) for c in result['changes']] == [
        ('changed', 1), ('added', 2), ('added', 3), ('added', 4), ('added', 5), ('added', 6)]


def test_uncomment_false_appends(tmp_path):
    path = tmp_path / 'a.cfg'
    path.write_text(LAB_TEMPLATE_CM)
    run_module(prs_agent_cfg.main, dict(path=str(path), name='PRS_AGENT_CM_PROBE_TIMEOUT', value=5, uncomment=False))
    assert path.read_text() == LAB_TEMPLATE_CM + 'PRS_AGENT_CM_PROBE_TIMEOUT = 5\n'
