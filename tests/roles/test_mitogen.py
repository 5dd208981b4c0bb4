# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The optional mitogen strategy (README "Speed: mitogen") on the ansible-core release running these
tests (make controller-matrix runs them on every release meta/runtime.yml declares).

A module of the collection runs under ``mitogen_linear`` on localhost (connection ``local``, which
mitogen serves as ``mitogen_local``): it changes a tip, a second run changes nothing, and the module's
process is a mitogen child (its parent's title names mitogen), so the strategy really ran it. The lab
suites check the same over SSH with sudo (tests/reliability/test_8_mitogen.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

from test_preflight_controller import ROOT, _ansible_playbook, _env

MITOGEN_DIR = os.environ.get('TCM_MITOGEN_DIR') or os.path.join(ROOT, 'build', 'mitogen')
STRATEGY_DIR = os.path.join(MITOGEN_DIR, 'ansible_mitogen', 'plugins', 'strategy')

PLAYBOOK = """
- name: A collection module under mitogen
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Set CM_ID in the tip
      tibero.cm.tip_param:
        tb_home: %(tb_home)s
        sid: cm_x
        name: CM_ID
        value: "0"
      register: __tip

    - name: Read the title of the process that ran the module's neighbour
      ansible.builtin.shell: "tr '\\\\0' ' ' < /proc/$PPID/cmdline"
      register: __parent
      changed_when: false

    - name: Show both
      ansible.builtin.debug:
        msg: "tip changed={{ __tip.changed }} parent={{ __parent.stdout }}"
"""


def _run_with_mitogen(playbook):
    env = _env()
    env['ANSIBLE_STRATEGY_PLUGINS'] = STRATEGY_DIR
    env['ANSIBLE_STRATEGY'] = 'mitogen_linear'
    # localhost named in the inventory: its interpreter would be discovered (a pyenv shim may be
    # found first); the system python is what a lab node or a site has.
    argv = [_ansible_playbook(), '-i', 'localhost,', '-c', 'local',
            '-e', 'ansible_python_interpreter=/usr/bin/python3', str(playbook)]
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_a_collection_module_runs_under_mitogen_and_stays_idempotent(tmp_path):
    assert os.path.isfile(os.path.join(STRATEGY_DIR, 'mitogen_linear.py')), \
        'mitogen missing: scripts/bootstrap.sh installs it into %s' % MITOGEN_DIR
    tb_home = tmp_path / 'tb'
    (tb_home / 'config').mkdir(parents=True)
    tip = tb_home / 'config' / 'cm_x.tip'
    tip.write_text('CM_NAME=x\n')
    playbook = tmp_path / 'mitogen.yml'
    playbook.write_text(PLAYBOOK % {'tb_home': tb_home})

    rc, out = _run_with_mitogen(playbook)
    assert rc == 0, out
    assert 'tip changed=True' in out, out
    assert '(mitogen:' in out, out
    assert 'CM_ID=0' in tip.read_text()

    rc, out = _run_with_mitogen(playbook)
    assert rc == 0, out
    assert 'tip changed=False' in out, out
    assert '(mitogen:' in out, out
