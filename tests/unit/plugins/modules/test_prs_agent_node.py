# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""prs_agent_node: the guard, the installer cfg, the installer when this node's agent needs it, the CM script, the
agent's CM parameters and the instance reading - in one call, in that order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import prs_agent
from ansible_collections.tibero.cm.plugins.modules import prs_agent_node
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, run_module)


def _cfg_text(agents):
    lines = ['AGENT_CNT=%d' % len(agents)]
    for index, (agent, host, cm_id) in enumerate(agents):
        lines += ['AGENT_ID_%d=%s' % (index, agent), 'AGENT_HOST_%d=%s' % (index, host),
                  'AGENT_PORT_%d=7700' % index, 'AGENT_CM_GROUP_%d=CM1' % index, 'AGENT_CM_ID_%d=%d' % (index, cm_id)]
    return '\n'.join(lines) + '\n'


INSTALL_CFG = _cfg_text([('agent1', '10.0.0.1', 0), ('agent2', '10.0.0.2', 1)])
SCRIPT = '#!/bin/bash\nAGENT_ID=agent1\nsource "$PRS_HOME/bin/prs_cm.sh"\n'
SH_SCRIPT = '#!/bin/sh\nAGENT_ID=agent1\n'
AGENT_CFG = '# agent1\nLISTENER_PORT = 7700\nUSE_CM = N\n'
PARAMS = {'USE_CM': 'Y', 'PRS_AGENT_PROC_MAX_FAIL_CNT': 10}
LISTS = dict(ext=['agent1,agent2'], apply='agent1,agent2', llob='agent1,agent2')
RECORD = ('INSTANCE_ID=TAC2TAC\nINSTALL_HOST=node1\nEXT_CNT=1\nEXT_AGENT_ID_LIST_0=agent1,agent2\n'
          'APPLY_AGENT_ID_LIST=agent1,agent2\nLLOB_AGENT_ID_LIST=agent1,agent2\n')


@pytest.fixture
def prs_home(tmp_path):
    home = tmp_path / 'example'
    for sub in ('install', 'config', 'bin', 'var'):
        (home / sub).mkdir(parents=True)
    return str(home)


def _path(prs_home, *parts):
    return os.path.join(prs_home, *parts)


def _read(path):
    with open(path) as handle:
        return handle.read()


def _write(path, text, mode=None):
    with open(path, 'w') as handle:
        handle.write(text)
    if mode is not None:
        os.chmod(path, mode)


def _mode(path):
    return os.stat(path).st_mode & 0o777


def _installer(prs_home, agents=('agent1', 'agent2')):
    """What prs_install_agent.sh does on this node (vendor-facts PRS-7): agent cfgs if missing, the map, and
    prs_<CM_ID>.sh of every agent with its #!/bin/sh version."""
    def effect():
        for agent in agents:
            if not os.path.exists(_path(prs_home, 'config', 'prs_agent_%s.cfg' % agent)):
                _write(_path(prs_home, 'config', 'prs_agent_%s.cfg' % agent), AGENT_CFG)
        _write(_path(prs_home, 'config', 'prs_instance.map'), 'AGENT_CNT=2\n')
        _write(_path(prs_home, 'bin', 'prs_0.sh'), SH_SCRIPT, 0o755)
    return effect


def _installed(prs_home, params_set=True):
    """A converged node."""
    _write(_path(prs_home, 'install', 'prs_install_agent.cfg'), INSTALL_CFG, 0o664)
    _write(_path(prs_home, 'config', 'prs_agent_agent1.cfg'),
           AGENT_CFG.replace('USE_CM = N', 'USE_CM = Y') + 'PRS_AGENT_PROC_MAX_FAIL_CNT = 10\n' if params_set else AGENT_CFG)
    _write(_path(prs_home, 'config', 'prs_instance.map'), 'AGENT_CNT=2\nINSTANCE_ID_0=TAC2TAC\n')
    _write(_path(prs_home, 'bin', 'prs_0.sh'), SCRIPT, 0o775)


def _args(prs_home, **extra):
    args = dict(prs_home=prs_home, tb_home='/opt/tibero7', agent_id='agent1', install_cfg=INSTALL_CFG,
                cm_script=_path(prs_home, 'bin', 'prs_0.sh'), cm_script_content=SCRIPT, params=PARAMS,
                instance_id='TAC2TAC', expected_lists=LISTS, host='node1', timeout=120)
    args.update(extra)
    return args


def test_a_fresh_node_is_installed_and_its_script_is_bash_again(prs_home):
    fake = FakeRunCommand([Step(prs_agent.INSTALL_ARGV, out='Agent installation Done.\n', effect=_installer(prs_home))])
    result = run_module(prs_agent_node.main, _args(prs_home), fake)
    fake.assert_all_used()
    call = fake.calls[0]
    assert call.timeout == 120 and call.env['PRS_HOME'] == prs_home and call.env['TB_HOME'] == '/opt/tibero7'
    assert result['changed'] and result['commands'] == [prs_agent.INSTALL_ARGV]
    assert result['install'] == dict(ran=True, reasons=['own agent changed', 'outputs missing'], other_agents_only=False,
                                     missing=[_path(prs_home, 'config', 'prs_agent_agent1.cfg'),
                                              _path(prs_home, 'config', 'prs_instance.map')],
                                     stdout='Agent installation Done.\n')
    assert _read(_path(prs_home, 'install', 'prs_install_agent.cfg')) == INSTALL_CFG
    assert _mode(_path(prs_home, 'install', 'prs_install_agent.cfg')) == 0o664
    assert _read(_path(prs_home, 'bin', 'prs_0.sh')) == SCRIPT and _mode(_path(prs_home, 'bin', 'prs_0.sh')) == 0o775
    assert 'USE_CM = Y' in _read(_path(prs_home, 'config', 'prs_agent_agent1.cfg'))
    assert result['restart_required'] and result['agent_cfg']['use_cm'] == 'Y'
    assert set(result['files'].values()) == set([True]) and len(result['files']) == 3
    # Read after the installer: its map does not list the instance; no record here yet.
    assert result['instance']['listed'] is False and result['instance']['map']['exists']
    assert result['instance']['recorded'] is False and result['instance']['marker'] is False


def test_a_converged_node_changes_nothing_and_runs_nothing(prs_home):
    _installed(prs_home)
    _write(_path(prs_home, 'var', 'tibero_cm_prs_installed_TAC2TAC'), RECORD)
    result = run_module(prs_agent_node.main, _args(prs_home), diff=True)
    assert result['changed'] is False and result['commands'] == [] and result['restart_required'] is False
    assert result['install']['ran'] is False and result['install']['reasons'] == []
    assert set(result['files'].values()) == set([False])
    assert len(result['diff']) == 3 and all(d['before'] == d['after'] for d in result['diff'])
    assert result['instance']['listed'] and result['instance']['recorded']
    assert result['instance']['record']['install_host'] == 'node1' and 'text' not in result['instance']['record']


def test_another_node_s_entry_changed_rewrites_the_cfg_only(prs_home):
    _installed(prs_home)
    cfg = _cfg_text([('agent1', '10.0.0.1', 0), ('agent2', '10.0.0.2', 1), ('agent3', '10.0.0.3', 2)])
    result = run_module(prs_agent_node.main, _args(prs_home, install_cfg=cfg))
    assert result['changed'] and result['commands'] == [] and result['install']['other_agents_only']
    assert _read(_path(prs_home, 'install', 'prs_install_agent.cfg')) == cfg
    assert _read(_path(prs_home, 'bin', 'prs_0.sh')) == SCRIPT


def test_the_agents_in_another_order_run_nothing(prs_home):
    _installed(prs_home)
    cfg = _cfg_text([('agent2', '10.0.0.2', 1), ('agent1', '10.0.0.1', 0)])
    result = run_module(prs_agent_node.main, _args(prs_home, install_cfg=cfg))
    assert result['changed'] and result['commands'] == [] and result['install']['ran'] is False


def test_the_own_entry_changed_runs_the_installer(prs_home):
    _installed(prs_home)
    cfg = _cfg_text([('agent1', '10.0.0.9', 0), ('agent2', '10.0.0.2', 1)])
    fake = FakeRunCommand([Step(prs_agent.INSTALL_ARGV, effect=_installer(prs_home))])
    result = run_module(prs_agent_node.main, _args(prs_home, install_cfg=cfg), fake)
    fake.assert_all_used()
    assert result['install']['reasons'] == ['own agent changed']
    assert _read(_path(prs_home, 'bin', 'prs_0.sh')) == SCRIPT  # the installer's #!/bin/sh version replaced


def test_force_install_runs_the_installer(prs_home):
    _installed(prs_home)
    fake = FakeRunCommand([Step(prs_agent.INSTALL_ARGV, effect=_installer(prs_home))])
    result = run_module(prs_agent_node.main, _args(prs_home, force_install=True), fake)
    assert result['install']['reasons'] == ['forced'] and result['changed']
    assert _read(_path(prs_home, 'bin', 'prs_0.sh')) == SCRIPT


def test_check_mode_plans_everything_and_writes_nothing(prs_home):
    result = run_module(prs_agent_node.main, _args(prs_home), check_mode=True, diff=True)
    assert result['changed'] and result['commands'] == [prs_agent.INSTALL_ARGV]
    assert os.listdir(_path(prs_home, 'install')) == [] and os.listdir(_path(prs_home, 'bin')) == []
    assert os.listdir(_path(prs_home, 'config')) == []
    # The agent cfg the installer would write does not exist: the plan is the parameters on an empty file.
    headers = [d['after_header'] for d in result['diff']]
    assert headers == [_path(prs_home, 'install', 'prs_install_agent.cfg'), _path(prs_home, 'bin', 'prs_0.sh'),
                       _path(prs_home, 'config', 'prs_agent_agent1.cfg')]
    assert result['diff'][0]['after'] == INSTALL_CFG and result['diff'][0]['before_header'].endswith('(absent)')
    assert 'USE_CM = Y' in result['diff'][2]['after'] and result['restart_required']


def test_a_real_run_never_creates_the_agent_cfg_itself(prs_home):
    _installed(prs_home)
    os.remove(_path(prs_home, 'config', 'prs_agent_agent1.cfg'))
    fake = FakeRunCommand([Step(prs_agent.INSTALL_ARGV, out='* Checking PRS_HOME... \n')])
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_agent_node.main, _args(prs_home), fake)
    result = err.value.result
    assert result['msg'].startswith('prs_install_agent.sh ended but did not write ') and result['rc'] == 0
    assert result['stdout'] == '* Checking PRS_HOME... \n' and result['cmd'] == prs_agent.INSTALL_ARGV
    assert not os.path.exists(_path(prs_home, 'config', 'prs_agent_agent1.cfg'))


def test_a_failing_installer_still_leaves_the_bash_script(prs_home):
    def half():
        _write(_path(prs_home, 'bin', 'prs_0.sh'), SH_SCRIPT, 0o755)
    fake = FakeRunCommand([Step(prs_agent.INSTALL_ARGV, rc=1, err='PRS_HOME not set', effect=half)])
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_agent_node.main, _args(prs_home), fake)
    result = err.value.result
    assert result['rc'] == 1 and 'PRS_HOME not set' in result['msg'] and result['stderr'] == 'PRS_HOME not set'
    assert result['commands'] == [prs_agent.INSTALL_ARGV] and result['changed']
    assert _read(_path(prs_home, 'bin', 'prs_0.sh')) == SCRIPT


def test_changed_agent_lists_of_an_installed_instance_stop_before_any_change(prs_home):
    _installed(prs_home)
    _write(_path(prs_home, 'var', 'tibero_cm_prs_installed_TAC2TAC'), RECORD)
    cfg = _cfg_text([('agent1', '10.0.0.9', 0), ('agent2', '10.0.0.2', 1)])
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_agent_node.main, _args(prs_home, install_cfg=cfg, params={'USE_CM': 'N'},
                                              expected_lists=dict(LISTS, apply='agent1')))
    result = err.value.result
    assert result['msg'].startswith('node1: the model changes the agent lists of the installed ProSync instance TAC2TAC')
    assert 'APPLY_AGENT_ID_LIST: installed agent1,agent2, model agent1' in result['msg']
    assert result['changed'] is False and result['commands'] == [] and result['files'] == {}
    assert _read(_path(prs_home, 'install', 'prs_install_agent.cfg')) == INSTALL_CFG


def test_without_expected_lists_the_record_is_only_read(prs_home):
    """A forced reinstall (or no instance): the role leaves expected_lists out."""
    _installed(prs_home)
    _write(_path(prs_home, 'var', 'tibero_cm_prs_installed_TAC2TAC'), RECORD)
    result = run_module(prs_agent_node.main, _args(prs_home, expected_lists=None))
    assert result['changed'] is False and result['instance']['recorded']


def test_without_instance_id_nothing_is_read_about_the_instance(prs_home):
    _installed(prs_home)
    result = run_module(prs_agent_node.main, _args(prs_home, instance_id=None, expected_lists=None))
    assert result['instance'] is None and result['changed'] is False


def test_no_params_leave_the_agent_cfg_alone(prs_home):
    _installed(prs_home, params_set=False)
    result = run_module(prs_agent_node.main, _args(prs_home, params={}))
    assert result['changed'] is False and result['agent_cfg'] is None and result['restart_required'] is False
    assert _read(_path(prs_home, 'config', 'prs_agent_agent1.cfg')) == AGENT_CFG


def test_a_changed_parameter_is_backed_up_and_asks_for_a_restart(prs_home):
    _installed(prs_home, params_set=False)
    result = run_module(prs_agent_node.main, _args(prs_home))
    assert result['changed'] and result['restart_required'] and result['commands'] == []
    assert os.path.exists(result['agent_cfg']['backup_file'])
    assert [c['key'] for c in result['agent_cfg']['changes']] == ['USE_CM', 'PRS_AGENT_PROC_MAX_FAIL_CNT']


def test_a_wrong_mode_alone_is_a_change(prs_home):
    _installed(prs_home)
    os.chmod(_path(prs_home, 'bin', 'prs_0.sh'), 0o755)
    result = run_module(prs_agent_node.main, _args(prs_home))
    assert result['changed'] and result['commands'] == [] and _mode(_path(prs_home, 'bin', 'prs_0.sh')) == 0o775


@pytest.mark.parametrize('extra, message', [
    (dict(params={'USE_CM': 'maybe'}), 'params: USE_CM must be Y or N'),
    (dict(agent_id='agent9'), 'install_cfg has no entry for agent agent9'),
    (dict(agent_id='../x'), 'agent_id'),
    (dict(cm_script_content=SH_SCRIPT), 'cm_script_content cannot be run by the CM'),
    (dict(cm_script='bin/prs_0.sh'), 'is not an absolute path'),
    (dict(instance_id='a/b'), 'instance_id'),
])
def test_bad_options_fail_before_anything_is_read_or_written(prs_home, extra, message):
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_agent_node.main, _args(prs_home, **extra))
    assert message in err.value.result['msg'] and err.value.result['commands'] == []
    assert os.listdir(_path(prs_home, 'install')) == []
