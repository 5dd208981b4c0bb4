# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, table-driven: every case must be refused with a message naming the variable or file
and the rule, change nothing, and never let a shell metacharacter reach a shell.

Three tables:
* MODEL: the model cases of tests/unit/plugins/filter/test_cm_model.py (imported, not copied: a case
  added there is counted here), checked through tibero.cm.cm_model_problems;
* FILES: files and hosts the modules meet on a node (tip files with duplicate keys or binary
  garbage, missing / non-bash / non-executable failover scripts, shell metacharacters in names and
  values), run with ad-hoc `ansible -m tibero.cm.<module>` on the lab: the module fails, the file
  is byte-identical, `cmrctl show all` is unchanged;
* SITE: whole site.yml runs on the fresh lab (before anything converged it): the run fails with the
  message, and the fingerprint of every node (files, processes, CM resources, simulated DBs) is
  unchanged.
After every lab case the canary file /tmp/tcm-rel-pwned must not exist on any node: each
metacharacter case tries to create it.
"""

from __future__ import absolute_import, division, print_function

import importlib.util
import json
import os
import subprocess

import pytest
import yaml

import lablib

pytestmark = pytest.mark.figure('badinput')

CANARY = '/tmp/tcm-rel-pwned'
PWN = '$(touch %s)' % CANARY
SCRATCH = '/tmp/tcm-rel-bad'
BASH_SCRIPT = '#!/bin/bash\nexit 0\n'


def _filter_cases():
    path = os.path.join(lablib.ROOT, 'tests', 'unit', 'plugins', 'filter', 'test_cm_model.py')
    spec = importlib.util.spec_from_file_location('tcm_rel_filter_cases', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FILTER = _filter_cases()
MODEL = FILTER.BAD


@pytest.mark.parametrize('changes,expected', [(case[1], case[2]) for case in MODEL], ids=['model: ' + case[0] for case in MODEL])
def test_model_case_is_rejected(changes, expected):
    problems = FILTER.cm_model_problems(FILTER._mutated(changes), FILTER.HOSTS)
    assert problems, 'accepted'
    assert any(all(part in p for part in expected) for p in problems), (expected, problems)
    assert all('(rule: ' in p for p in problems), problems


# ------------------------------------------------------------------ files and hosts (modules)

def _tip(name):
    return '%s/%s.tip' % (SCRATCH, name)


def _script(name):
    return '%s/%s.sh' % (SCRATCH, name)


TIP_DUP = b'# cm tip\nCM_NAME=cm_bad\nCM_ID=0\nCM_UI_PORT=8645\nCM_ID=1\n'
TIP_BINARY = b'CM_NAME=cm_bad\n\x00\x01\x02\xff\xfe garbage \x1b[31m\nCM_UI_PORT=8645\n'
TIP_OK = b'CM_NAME=cm_bad\nCM_UI_PORT=8645\n'

# (id, files {path: (bytes, mode)}, module, args, become_user, expected substrings of msg)
FILES = [
    ('tip with the edited key twice', {_tip('dup'): (TIP_DUP, '0644')},
     'tip_param', {'path': _tip('dup'), 'name': 'CM_ID', 'value': '0', 'insert': 'top'}, 'tibero',
     ['CM_ID is set 2 times', 'fix the file by hand']),
    ('tip with binary garbage', {_tip('binary'): (TIP_BINARY, '0644')},
     'tip_param', {'path': _tip('binary'), 'name': 'CM_ID', 'value': '0'}, 'tibero',
     [_tip('binary'), 'not a text KEY=VALUE file']),
    ('missing tip file', {},
     'tip_param', {'path': _tip('missing'), 'name': 'CM_ID', 'value': '0'}, 'tibero',
     [_tip('missing'), 'does not exist']),
    ('tip parameter name with shell metacharacters', {_tip('ok1'): (TIP_OK, '0644')},
     'tip_param', {'path': _tip('ok1'), 'name': 'CM_ID;touch ' + CANARY, 'value': '0'}, 'tibero',
     ['is not a parameter name']),
    ('tip value spanning lines (injects a second key)', {_tip('ok2'): (TIP_OK, '0644')},
     'tip_param', {'path': _tip('ok2'), 'name': 'CM_ID', 'value': '0\nCM_NAME=evil'}, 'tibero',
     ['CM_ID', 'spans several lines']),
    ('missing failover script', {},
     'cmrctl_agent', {'name': 'agent9', 'grpname': 'CM1', 'script': _script('missing'), 'state': 'present'},
     'tibero', [_script('missing'), 'does not exist']),
    ('#!/bin/sh failover script (the seed\'s rc 127)',
     {_script('sh'): (b'#!/bin/sh\nsource /dev/null\nexit 0\n', '0755')},
     'cmrctl_agent', {'name': 'agent9', 'grpname': 'CM1', 'script': _script('sh'), 'state': 'present'},
     'tibero', [_script('sh'), 'not bash']),
    ('failover script without a shebang', {_script('noshebang'): (b'source /dev/null\n', '0755')},
     'cmrctl_agent', {'name': 'agent9', 'grpname': 'CM1', 'script': _script('noshebang'), 'state': 'present'},
     'tibero', [_script('noshebang'), 'shebang']),
    ('failover script not executable', {_script('noexec'): (BASH_SCRIPT.encode(), '0644')},
     'cmrctl_agent', {'name': 'agent9', 'grpname': 'CM1', 'script': _script('noexec'), 'state': 'present'},
     'tibero', [_script('noexec'), 'not executable']),
    ('relative failover script path', {},
     'cmrctl_agent', {'name': 'agent9', 'grpname': 'CM1', 'script': 'bin/prs_0.sh', 'state': 'present'},
     'tibero', ['bin/prs_0.sh', 'absolute path']),
    ('failover script path with shell metacharacters', {},
     'cmrctl_agent', {'name': 'agent9', 'grpname': 'CM1', 'script': SCRATCH + '/x;touch ' + CANARY,
                      'state': 'present'}, 'tibero', ['does not exist']),
    ('USE_CM not Y/N in prs_agent cfg', {SCRATCH + '/prs_agent_bad.cfg': (b'USE_CM = N\n', '0644')},
     'prs_agent_cfg', {'path': SCRATCH + '/prs_agent_bad.cfg', 'params': {'USE_CM': 'yes'}}, 'prosync',
     ['USE_CM']),
    ('negative timeout in prs_agent cfg', {SCRATCH + '/prs_agent_neg.cfg': (b'USE_CM = Y\n', '0644')},
     'prs_agent_cfg', {'path': SCRATCH + '/prs_agent_neg.cfg',
                       'params': {'PRS_AGENT_PROC_STARTUP_TIMEOUT': -5}}, 'prosync',
     ['PRS_AGENT_PROC_STARTUP_TIMEOUT']),
    ('command substitution as a prs_agent cfg value',
     {SCRATCH + '/prs_agent_sub.cfg': (b'USE_CM = Y\n', '0644')},
     'prs_agent_cfg', {'path': SCRATCH + '/prs_agent_sub.cfg', 'params': {'PRS_AGENT_PROC_MAX_FAIL_CNT': PWN}},
     'prosync', ['PRS_AGENT_PROC_MAX_FAIL_CNT']),
]


def _put(lab, node, path, data, mode, owner):
    proc = subprocess.run(['docker', 'exec', '-i', lablib.container(node), 'sh', '-c',
                           'cat > "$1" && chmod %s "$1" && chown %s "$1"' % (mode, owner), 'sh', path],
                          input=data, capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def _adhoc(lab, node, module, args, become_user):
    argv = [os.path.join(lablib.VENV_BIN, 'ansible'), node, '-i', lab.inventory,
            '-m', 'tibero.cm.' + module, '-a', json.dumps(args), '-b', '--become-user', become_user]
    env = lablib.env()
    env['TB_HOME'] = lablib.TB_HOME
    proc = subprocess.run(argv, cwd=lablib.ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def _resources(lab):
    """The registered resources (statuses move on their own: not compared)."""
    return sorted((r['node'], r['cluster'], r['type'], r['name']) for r in lab.show_all('node1'))


def _canary_absent(lab):
    for node in lablib.NODES:
        assert lab.sh(node, 'test -e %s' % CANARY, check=False).returncode != 0, '%s: %s exists' % (node, CANARY)


@pytest.fixture(scope='module')
def scratch(lab):
    for node in ('node1',):
        lab.sh(node, 'rm -rf %s %s && mkdir -p %s && chmod 1777 %s' % (SCRATCH, CANARY, SCRATCH, SCRATCH))
    return lab


@pytest.mark.parametrize('files,module,args,user,expected', [c[1:] for c in FILES], ids=['file: ' + c[0] for c in FILES])
def test_file_case_is_rejected(scratch, files, module, args, user, expected):
    lab = scratch
    for path, (data, mode) in files.items():
        _put(lab, 'node1', path, data, mode, user)
    if module == 'cmrctl_agent':
        args = dict(args, cm_sid=lablib.SITE['node1'][2], tb_home=lablib.TB_HOME)
    resources = _resources(lab)
    rc, out = _adhoc(lab, 'node1', module, args, user)
    assert rc != 0, out
    assert 'FAILED' in out, out
    for part in expected:
        assert part in out, (part, out)
    assert 'Traceback' not in out, out
    for path, (data, _mode) in files.items():
        assert lab.read_bytes('node1', path) == data, '%s changed' % path
    assert _resources(lab) == resources
    _canary_absent(lab)


# ------------------------------------------------------------------ whole runs on the fresh lab

def _model_mutation(path, value):
    def mutate(model):
        target = model
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _dup_cm_id(lab):
    tip = lab.tip_path('node2')
    lab.sh('node2', "sed -i '1i CM_ID=1' %s && echo CM_ID=1 >> %s" % (tip, tip), user='tibero')

    def undo():
        lab.sh('node2', "sed -i '/^CM_ID=/d' %s" % tip, user='tibero')
    return undo


# (id, inventory model mutation or None, lab fault (returns undo) or None, expected substrings)
SITE_CASES = [
    ('site: PRS_HOME with shell metacharacters', _model_mutation(['tibero_cm_prs_home'], '/home/prosync/' + PWN),
     None, ['tibero_cm_prs_home', 'invalid path', 'no host was touched']),
    ('site: agent id with command substitution', _model_mutation(['tibero_cm_agents', 0, 'id'], 'a' + PWN),
     None, ['tibero_cm_agents[0].id', 'no shell metacharacters', 'no host was touched']),
    ('site: CM tip with CM_ID twice', None, _dup_cm_id,
     ['node2: CM tip: ', 'cm_tibero2.tip', 'CM_ID is set 2 times', 'rule: the CM tip', 'nothing was changed on any node']),
]


@pytest.mark.parametrize('mutate,fault,expected', [c[1:] for c in SITE_CASES], ids=[c[0] for c in SITE_CASES])
def test_site_case_changes_nothing(lab, mutate, fault, expected):
    before = lab.fingerprint()
    undo = fault(lab) if fault else None
    if undo:
        before = lab.fingerprint()
    inventory = lab.inventory
    if mutate:
        inventory = os.path.join(lab.workdir, 'bad-inventory')
        if os.path.isdir(inventory):
            subprocess.run(['rm', '-rf', inventory], check=True)
        subprocess.run(['cp', '-r', lab.inventory, inventory], check=True)
        model_file = os.path.join(inventory, 'group_vars', 'all', 'tibero_cm.yml')
        with open(model_file) as handle:
            model = yaml.safe_load(handle)
        mutate(model)
        with open(model_file, 'w') as handle:
            yaml.safe_dump(model, handle)
    try:
        result = lab.playbook(inventory=inventory, timeout=900)
        assert result.rc != 0, result
        for part in expected:
            assert part in result.out, (part, result)
        after = lab.fingerprint()
    finally:
        if undo:
            undo()
    for key in before:
        assert after[key] == before[key], '%s changed:\n%s\n---\n%s' % (key, before[key], after[key])
    _canary_absent(lab)
