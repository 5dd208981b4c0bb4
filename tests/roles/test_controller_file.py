# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tibero.cm.controller_file in a real play (the way verify, audit.yml and failover_drill.yml write their
reports): a task of a host that cannot be reached, with become to a user this machine does not have, writes
the report on the controller; a second run changes nothing; a --check run writes nothing.

The host is SSH to 127.0.0.1 port 1, where nothing listens: the ping after the report shows it unreachable,
so a report written at all was written without the connection and without become.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from test_preflight_controller import _flat, _run

INVENTORY = """
all:
  hosts:
    node1:
      ansible_connection: ssh
      ansible_host: 127.0.0.1
      ansible_port: 1
      ansible_ssh_common_args: -o ConnectTimeout=5 -o StrictHostKeyChecking=no
      ansible_become: true
      ansible_become_method: sudo
      ansible_become_user: tcm-no-such-user
"""

PLAYBOOK = """
- name: A report of a remote play written on the controller
  hosts: all
  gather_facts: false
  tasks:
    - name: Write the report
      tibero.cm.controller_file:
        content: "{{ {'host': inventory_hostname, 'ok': true} | to_nice_json }}\\n"
        dest: "%(dest)s"
        mode: "0640"
      run_once: true
      register: __report

    - name: The host itself cannot be reached
      ansible.builtin.ping:
      ignore_unreachable: true
      register: __ping

    - name: Show what happened
      ansible.builtin.debug:
        msg: "RESULT {{ {'changed': __report.changed, 'dest': __report.dest, 'unreachable': __ping.unreachable | default(false)} | to_json }}"
"""


def _result(out):
    found = re.search(r"RESULT (\{.*?\})'", _flat(out))
    assert found, out
    return json.loads(found.group(1))


def test_a_remote_hosts_task_writes_the_report_on_the_controller(tmp_path):
    dest = tmp_path / 'report.json'
    (tmp_path / 'hosts.yml').write_text(INVENTORY)
    (tmp_path / 'play.yml').write_text(PLAYBOOK % dict(dest=dest))
    args = ['-i', str(tmp_path / 'hosts.yml'), str(tmp_path / 'play.yml')]

    rc, out = _run(['--check'] + args)
    assert rc == 0, out
    assert _result(out) == dict(changed=True, dest=str(dest), unreachable=True)
    assert not dest.exists()

    rc, out = _run(args)
    assert rc == 0, out
    assert _result(out) == dict(changed=True, dest=str(dest), unreachable=True)
    assert json.loads(dest.read_text()) == dict(host='node1', ok=True)
    assert oct(dest.stat().st_mode & 0o7777) == oct(0o640)

    rc, out = _run(args)
    assert rc == 0, out
    assert _result(out)['changed'] is False
