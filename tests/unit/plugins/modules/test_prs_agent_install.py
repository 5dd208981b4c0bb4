# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""prs_agent_install: runs the installer only when its cfg changed or an output is missing, plans it in check mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

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
    assert result == dict(changed=False, missing=[], reasons=[], commands=[])


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
