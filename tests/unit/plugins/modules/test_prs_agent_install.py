# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""prs_agent_install: runs the installer only when its cfg changed or an output is missing, plans it in check mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import prs_agent
from ansible_collections.tibero.cm.plugins.modules import prs_agent_install
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, FakeRunCommand, Step, run_module)

AGENTS = ('agent1', 'agent2')


@pytest.fixture
def prs_home(tmp_path):
    home = tmp_path / 'example'
    (home / 'config').mkdir(parents=True)
    return str(home)


def _write_outputs(prs_home, agents=AGENTS):
    for name in ['prs_agent_%s.cfg' % a for a in agents] + ['prs_instance.map']:
        open(os.path.join(prs_home, 'config', name), 'w').close()


def _args(prs_home, **extra):
    args = dict(prs_home=prs_home, tb_home='/opt/tibero7', agent_ids=list(AGENTS), timeout=120)
    args.update(extra)
    return args


def test_nothing_to_do_runs_nothing(prs_home):
    _write_outputs(prs_home)
    result = run_module(prs_agent_install.main, _args(prs_home))
    assert result == dict(changed=False, missing=[], reasons=[], commands=[], other_agents_only=False)


def test_missing_outputs_run_the_installer_which_must_write_them(prs_home):
    fake = FakeRunCommand([Step(prs_agent_install.INSTALL_ARGV, out='Agent installation Done.\n',
                                effect=lambda: _write_outputs(prs_home))])
    result = run_module(prs_agent_install.main, _args(prs_home), fake)
    fake.assert_all_used()
    assert result['changed'] and result['reasons'] == ['outputs missing']
    names = [os.path.basename(p) for p in result['missing']]
    assert names == ['prs_agent_agent1.cfg', 'prs_agent_agent2.cfg', 'prs_instance.map']
    call = fake.calls[0]
    assert call.timeout == 120 and call.env['PRS_HOME'] == prs_home and call.env['TB_HOME'] == '/opt/tibero7'
    assert call.env['LC_ALL'] == 'C' and result['stdout'] == 'Agent installation Done.\n'


def test_check_mode_plans_a_changed_cfg_and_runs_nothing(prs_home):
    _write_outputs(prs_home)
    result = run_module(prs_agent_install.main, _args(prs_home, cfg_changed=True, force=True), check_mode=True)
    assert result['changed'] and result['reasons'] == ['cfg changed', 'forced']
    assert result['commands'] == [prs_agent_install.INSTALL_ARGV]


def test_an_installer_that_writes_nothing_fails_with_its_output(prs_home):
    fake = FakeRunCommand([Step(prs_agent_install.INSTALL_ARGV, out='* Checking PRS_HOME... \n')])
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_agent_install.main, _args(prs_home), fake)
    result = err.value.result
    assert result['msg'].startswith('prs_install_agent.sh ended but did not write ') and 'prs_agent_agent1.cfg' in result['msg']
    assert result['stdout'] == '* Checking PRS_HOME... \n' and result['rc'] == 0


def test_a_failing_installer_fails_with_rc_and_output(prs_home):
    fake = FakeRunCommand([Step(prs_agent_install.INSTALL_ARGV, rc=1, err='PRS_HOME not set')])
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_agent_install.main, _args(prs_home), fake)
    assert err.value.result['rc'] == 1 and 'PRS_HOME not set' in err.value.result['msg']


def test_an_agent_id_that_is_not_a_name_fails_before_anything(prs_home):
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_agent_install.main, _args(prs_home, agent_ids=['../x']))
    assert 'agent_id must be a ProSync agent id' in err.value.result['msg']


# Issue 17, add a node: the installer rewrites every agent's prs_<CM_ID>.sh with #!/bin/sh (vendor-facts PRS-7),
# so with own_agent it runs only where this node's own entry changed or its own outputs are missing.
CFG3 = ('AGENT_CNT=3\nAGENT_ID_0=agent1\nAGENT_HOST_0=172.19.0.11\nAGENT_PORT_0=7600\nAGENT_CM_GROUP_0=CM1\n'
        'AGENT_CM_ID_0=0\n\nAGENT_ID_1=agent2\nAGENT_HOST_1=172.19.0.12\nAGENT_PORT_1=7700\nAGENT_CM_GROUP_1=CM1\n'
        'AGENT_CM_ID_1=1\n# a comment\nAGENT_ID_2=agent3\nAGENT_HOST_2=172.19.0.13\nAGENT_PORT_2=7800\n'
        'AGENT_CM_GROUP_2=CM2\nAGENT_CM_ID_2=0\n')
OWN1 = dict(id='agent1', host='172.19.0.11', port=7600, cm_group='CM1', cm_id=0)


def test_agent_entries_reads_the_guide_s_cfg():
    entries = prs_agent.agent_entries(CFG3)
    assert entries == {'agent1': ('172.19.0.11', '7600', 'CM1', '0'), 'agent2': ('172.19.0.12', '7700', 'CM1', '1'),
                       'agent3': ('172.19.0.13', '7800', 'CM2', '0')}
    assert prs_agent.agent_entries('') == {} and prs_agent.agent_entries('AGENT_CNT=x\n') == {}


@pytest.mark.parametrize('previous, own, expected', [
    (CFG3, OWN1, False),                                            # another agent added or removed: same entry
    (CFG3, dict(OWN1, port=7650), True),                            # this node's port changed
    (CFG3, dict(OWN1, cm_id=1), True),                              # its CM id (a node removed before it)
    (CFG3, dict(OWN1, id='agent9'), True),                          # a new agent on this node
    (None, OWN1, True),                                             # no cfg before: a new node
])
def test_own_entry_changed(previous, own, expected):
    assert prs_agent.own_entry_changed(previous, own) is expected


@pytest.mark.parametrize('cfg_changed, force, missing, own, previous, reasons, others', [
    (True, False, [], OWN1, CFG3, [], True),                        # an agent added elsewhere: not here
    (True, False, [], dict(OWN1, port=1), CFG3, ['own agent changed'], False),
    (False, False, ['/p/config/prs_agent_agent1.cfg'], OWN1, CFG3, ['outputs missing'], False),   # rebuilt node
    (True, False, ['/p/config/prs_instance.map'], OWN1, None, ['own agent changed', 'outputs missing'], False),
    (True, True, [], OWN1, CFG3, ['forced'], True),
    (True, False, [], None, None, ['cfg changed'], False),          # without own_agent: as before
])
def test_decide(cfg_changed, force, missing, own, previous, reasons, others):
    assert prs_agent_install.decide(cfg_changed, force, missing, own, previous) == (reasons, others)


def test_an_agent_added_on_another_node_does_not_run_the_installer_here(prs_home):
    _write_outputs(prs_home, ['agent1'])   # this node's outputs only: agent4's cfg is another node's business
    result = run_module(prs_agent_install.main, _args(prs_home, own_agent=OWN1, previous_cfg=CFG3, cfg_changed=True,
                                                      agent_ids=['agent1', 'agent2', 'agent3', 'agent4']))
    assert result == dict(changed=False, missing=[], reasons=[], commands=[], other_agents_only=True)


def test_a_new_node_runs_the_installer_for_its_own_outputs(prs_home):
    fake = FakeRunCommand([Step(prs_agent_install.INSTALL_ARGV, out='Agent installation Done.\n',
                                effect=lambda: _write_outputs(prs_home, ['agent1']))])
    result = run_module(prs_agent_install.main, _args(prs_home, own_agent=OWN1, cfg_changed=True), fake)
    fake.assert_all_used()
    assert result['reasons'] == ['own agent changed', 'outputs missing']
    assert [os.path.basename(p) for p in result['missing']] == ['prs_agent_agent1.cfg', 'prs_instance.map']


def test_an_own_agent_id_that_is_not_a_name_fails_before_anything(prs_home):
    with pytest.raises(AnsibleFailJson) as err:
        run_module(prs_agent_install.main, _args(prs_home, own_agent=dict(OWN1, id='$(x)')))
    assert err.value.result['msg'].startswith('own_agent.id: ')
