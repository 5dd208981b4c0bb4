# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The optional mitogen strategy (README "Speed: mitogen") on the converged reliability lab, reached as a
site is reached: SSH as the login user, sudo to the Tibero and ProSync users (mitogen serves the
``ssh`` connection as ``mitogen_ssh`` and sudo as ``mitogen_sudo``).

* a task become as the ProSync user runs in a mitogen child (its parent's title names mitogen) as
  that user, on every node;
* ``site.yml`` and ``site.yml --check --diff`` under mitogen exit 0, change nothing (recap and the
  nodes' fingerprint), and the audit still finds no drift.
"""

from __future__ import absolute_import, division, print_function

import os
import re

import pytest

import lablib

pytestmark = pytest.mark.figure('mitogen')

MITOGEN = {
    'ANSIBLE_STRATEGY_PLUGINS': os.path.join(os.environ.get('TCM_MITOGEN_DIR') or
                                             os.path.join(lablib.ROOT, 'build', 'mitogen'),
                                             'ansible_mitogen', 'plugins', 'strategy'),
    'ANSIBLE_STRATEGY': 'mitogen_linear',
}

PROBE = """
- name: Who runs a become task, and under what
  hosts: all
  gather_facts: false
  tasks:
    - name: Read the user and the parent's title
      ansible.builtin.shell: "id -un; tr '\\\\0' ' ' < /proc/$PPID/cmdline"
      become: true
      become_user: prosync
      register: __probe
      changed_when: false

    - name: Show them
      ansible.builtin.debug:
        msg: "user={{ __probe.stdout_lines[0] }} parent={{ __probe.stdout_lines[1] }}"
"""


def _assert_nothing_changed(result):
    assert result.rc == 0, result
    recap = result.out.split('PLAY RECAP', 1)[1]
    assert not re.search(r'changed=[1-9]', recap), result
    assert not re.search(r'(failed|unreachable)=[1-9]', recap), result


def test_become_tasks_run_in_mitogen_over_ssh_and_sudo(lab):
    assert os.path.isfile(os.path.join(MITOGEN['ANSIBLE_STRATEGY_PLUGINS'], 'mitogen_linear.py')), MITOGEN
    probe = os.path.join(lab.workdir, 'mitogen-probe.yml')
    with open(probe, 'w') as handle:
        handle.write(PROBE)
    result = lab.playbook(playbook=probe, extra_env=MITOGEN, timeout=300)
    assert result.rc == 0, result
    assert result.out.count('user=prosync parent=') == len(lablib.NODES), result
    assert result.out.count('(mitogen:') >= len(lablib.NODES), result


def test_site_and_check_under_mitogen_change_nothing(lab):
    before = lab.fingerprint()
    rerun = lab.playbook(extra_env=MITOGEN, timeout=600)
    _assert_nothing_changed(rerun)
    checked = lab.playbook('--check', '--diff', extra_env=MITOGEN, timeout=600)
    _assert_nothing_changed(checked)
    after = lab.fingerprint()
    for key in before:
        assert after[key] == before[key], '%s changed:\n%s\n---\n%s' % (key, before[key], after[key])
    audit = os.path.join(lab.workdir, 'audit-mitogen.json')
    result = lab.playbook('-e', 'tibero_cm_audit_report=' + audit, playbook='tibero.cm.audit',
                          extra_env=MITOGEN, timeout=300)
    assert result.rc == 0 and 'no drift: the site matches the model' in result.out, result
