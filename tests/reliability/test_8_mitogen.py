# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The optional mitogen strategy (README "Speed: mitogen") on the converged reliability lab, reached as a
site is reached: SSH as the login user, sudo to the Tibero and ProSync users (mitogen serves the
``ssh`` connection as ``mitogen_ssh`` and sudo as ``mitogen_sudo``).

* the lab inventory names the connection ``ssh`` (mitogen takes over the short name only, not
  ``ansible.builtin.ssh``): two tasks become as the ProSync user run as that user in one persistent
  mitogen interpreter per node (the same parent, whose title names mitogen), where the plain strategy
  starts a new interpreter per task;
* after a plain ``site.yml`` (earlier suites may leave other values, such as test_1's passwords),
  ``site.yml`` and ``site.yml --check --diff`` under mitogen exit 0, change nothing (recap and the
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
    - name: Read the user, the parent and its title
      ansible.builtin.shell: "id -un; echo $PPID; tr '\\\\0' ' ' < /proc/$PPID/cmdline"
      become: true
      become_user: prosync
      register: __first
      changed_when: false

    - name: Read the parent again
      ansible.builtin.shell: "echo $PPID"
      become: true
      become_user: prosync
      register: __second
      changed_when: false

    - name: Show them
      ansible.builtin.debug:
        msg: >-
          user={{ __first.stdout_lines[0] }} same_parent={{ __first.stdout_lines[1] == __second.stdout }}
          parent={{ __first.stdout_lines[2] }}
"""


def _assert_nothing_changed(result):
    assert result.rc == 0, result.out[-6000:]
    recap = result.out.split('PLAY RECAP', 1)[1]
    changed = [line for line in result.out.splitlines() if line.startswith('changed:')]
    assert not re.search(r'changed=[1-9]', recap), (changed, result.out[-6000:])
    assert not re.search(r'(failed|unreachable)=[1-9]', recap), result.out[-6000:]


def test_become_tasks_run_in_mitogen_over_ssh_and_sudo(lab):
    assert os.path.isfile(os.path.join(MITOGEN['ANSIBLE_STRATEGY_PLUGINS'], 'mitogen_linear.py')), MITOGEN
    probe = os.path.join(lab.workdir, 'mitogen-probe.yml')
    with open(probe, 'w') as handle:
        handle.write(PROBE)
    result = lab.playbook(playbook=probe, extra_env=MITOGEN, timeout=300)
    assert result.rc == 0, result.out
    assert result.out.count('user=prosync same_parent=True parent=/usr/bin/python3(mitogen:') == len(lablib.NODES), \
        result.out
    # The control: the plain strategy starts a new interpreter for every task.
    plain = lab.playbook(playbook=probe, timeout=300)
    assert plain.rc == 0, plain.out
    assert plain.out.count('user=prosync same_parent=False') == len(lablib.NODES), plain.out
    assert '(mitogen:' not in plain.out, plain.out


def test_site_and_check_under_mitogen_change_nothing(lab):
    plain = lab.playbook(timeout=900)
    assert plain.rc == 0, plain.out[-6000:]
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
