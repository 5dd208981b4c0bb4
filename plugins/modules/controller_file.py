#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the action plugin plugins/action/controller_file.py does the work on the controller
# (as ansible.builtin.debug does); no module is ever sent to a host.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: controller_file
short_description: Write a text file on the controller without starting a module process
version_added: 0.3.0
description:
  - Writes O(content) to O(dest) B(on the controller), in the process that runs the task - whatever host the
    task is for, with no C(delegate_to), no connection and no Python module process. The roles and playbooks
    use it for their JSON reports (C(tibero_cm_verify_report), C(tibero_cm_audit_report),
    C(tibero_cm_drill_report_path)), where M(ansible.builtin.copy) delegated to localhost started two module
    processes for each report.
  - The file is replaced whole and atomically (a temporary file of the same directory, created 0600, given
    O(mode), then renamed over O(dest)), so a reader sees the old or the new file, never a part. The new file
    belongs to the user running C(ansible-playbook).
  - Nothing is written, and the result is V(changed=false), when O(dest) already holds O(content) with O(mode).
    When only the mode differs, the mode is set and the content left alone.
  - C(~) and C($VAR) in O(dest) are expanded on the controller. A relative O(dest) is taken from the playbook's
    directory (C(playbook_dir)), where M(ansible.builtin.copy) delegated to localhost wrote it, not from the
    directory C(ansible-playbook) runs in; give an absolute path to avoid the doubt.
  - The directory of O(dest) must exist - the task fails naming it and creates no directory, so a mistyped path
    does not grow a tree. A symbolic link is followed and its target written.
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  become:
    support: none
    details: Ignored - the file is written by the user running C(ansible-playbook), never through the become method.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Nothing is written; V(changed) says whether a write (or a mode change) would happen.
  connection:
    support: none
  delegation:
    support: none
    details: Not needed - the file is always written on the controller, whatever C(delegate_to) says.
  diff_mode:
    support: full
  platform:
    support: full
    platforms: posix
options:
  dest:
    description:
      - Path of the file on the controller; a relative path is taken from the playbook's directory. Its
        directory must exist.
    type: path
    required: true
  content:
    description:
      - The whole text of the file, written as UTF-8 exactly as given (add the final newline yourself).
    type: str
    required: true
  mode:
    description:
      - Permissions of the file, as an octal string (V('0644'), V('0600')). A number is taken as it is, the way
        Ansible's file modules take it, so quote the mode. Symbolic modes (V(u=rw)) are refused.
    type: raw
    default: '0644'
  backup:
    description:
      - Before the content of an existing file is replaced, copy it to C(<dest>.<pid>.<YYYY-MM-DD@HH:MM:SS~>) next to
        it, the name Ansible's own backups have. No backup is made when only the mode changes.
    type: bool
    default: false
seealso:
  - module: ansible.builtin.copy
'''

EXAMPLES = r'''
- name: Write the run's summary as JSON on the controller (once, whatever host the play is on)
  tibero.cm.controller_file:
    dest: "{{ lookup('ansible.builtin.env', 'PWD') }}/tibero_cm_verify.json"
    content: "{{ tibero_cm_summary | to_nice_json }}\n"
    mode: "0644"
  run_once: true
  # A report of the run on the controller, not a change of the site.
  changed_when: false
  check_mode: false

- name: Keep the previous report
  tibero.cm.controller_file:
    dest: /var/tmp/tibero_cm_audit.json
    content: "{{ tibero_cm_audit | to_nice_json }}\n"
    backup: true
  run_once: true
'''

RETURN = r'''
dest:
  description: The absolute path written, after C(~) and C($VAR) expansion (a symbolic link is reported as given).
  returned: always
  type: str
  sample: /home/ops/tibero_cm_verify.json
mode:
  description: The mode the file has (or would have in check mode), as an octal string.
  returned: always
  type: str
  sample: '0644'
backup_file:
  description: The copy of the previous file made by O(backup).
  returned: when O(backup=true) and the content of an existing file was replaced
  type: str
  sample: /home/ops/tibero_cm_verify.json.12345.2026-12-06@12:00:00~
'''
