#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: tip_param
short_description: Set or remove parameters in a Tibero tip file
version_added: 0.1.0
description:
  - Sets or removes C(KEY=VALUE) parameters in a Tibero initialization parameter (tip) file, such as
    the CM tip C($TB_HOME/config/$CM_SID.tip) or the instance tip C($TB_HOME/config/$TB_SID.tip).
  - Every other byte of the file is kept as it was, comments, blank lines, order, indentation,
    quoting, inline C(# comments), line endings (LF or CRLF) and a missing final newline included.
    A changed key keeps its line, its quoting and its inline comment; a new key is written in the
    file's own style.
  - Values are compared normalised, so nothing is rewritten when only the spelling differs
    (C(y) = C(Y), C("Y") = C(Y), C(1G) = C(1024M) = C(1048576K), C(010) = C(10)).
    Parameter names are case-insensitive.
  - A parameter set on several lines is reported with its line numbers and the module fails instead
    of guessing which line Tibero reads. Duplicates of parameters the task does not touch are warnings.
  - Commented-out parameters (C(#CM_HEARTBEAT_EXPIRE)) are comments; setting the parameter adds a line.
  - The file is replaced atomically (temporary file in the same directory, fsync, rename), keeping its
    owner, group and mode; it is never left half written.
  - Tibero reads tip files at boot, so any change returns RV(restart_required=true); restarting is left
    to the caller (roles restart only the hosts that report it).
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - tibero.cm.attributes
attributes:
  check_mode:
    support: full
    details: Computes the change and the diff; writes nothing and makes no backup.
  diff_mode:
    support: full
    details: The whole file before and after.
options:
  path:
    description:
      - The tip file.
      - Mutually exclusive with O(sid); one of O(path) or O(sid) is required.
    type: path
  tb_home:
    description:
      - Tibero home; the file is C(<tb_home>/config/<sid>.tip).
      - Defaults to the E(TB_HOME) environment variable of the module's process.
    type: path
  sid:
    description:
      - The SID whose tip file to edit, for example the CM SID C(cm_tibero1) or the instance SID C(tibero1).
      - Letters, digits, C(_), C(.) and C(-), not starting with C(-), at most 64 characters (it names a file).
    type: str
  name:
    description:
      - One parameter name. Use with O(value) (O(state=present)) or alone (O(state=absent)).
      - Mutually exclusive with O(params).
    type: str
    aliases: [key]
  value:
    description:
      - The value of O(name). Booleans are written C(Y)/C(N), numbers as written.
      - 'A value that contains a blank followed by C(#), starts with C(#) or starts or ends with a blank must be
        quoted, for example C("a # b").'
      - Required with O(name) when O(state=present); ignored when O(state=absent).
    type: raw
  params:
    description:
      - "Several parameters at once, C({NAME: value}), applied in the order given."
      - With O(state=absent) only the names matter.
    type: dict
  state:
    description:
      - C(present) sets the parameters, C(absent) removes their lines.
    type: str
    choices: [present, absent]
    default: present
  insert:
    description:
      - Where a parameter that is not in the file yet is added.
      - C(bottom) appends it.
      - C(top) puts it right after the leading block of comment lines (the generated header), which is
        where the ProSync CM failover guide adds C(CM_ID) to the CM tip, above C(CM_NAME).
      - C(after:<NAME>) / C(before:<NAME>) put it next to an existing parameter; the module fails when
        that parameter is not set.
      - Several new parameters keep the order they were given in.
    type: str
    default: bottom
  uncomment:
    description:
      - 'When a parameter is not set but the file has it commented out (C(#NAME), C(#NAME = 10  # note)), set
        it on that line (removing the C(#), keeping its spacing and inline comment) rather than adding a line.
        Only the first such line is used.'
      - Takes precedence over O(insert) for that parameter.
    type: bool
    default: true
  create:
    description:
      - Create the file when it does not exist. Without it a missing file is an error (a mistyped SID
        must not produce a new, unused tip file).
    type: bool
    default: false
  backup:
    description:
      - Before changing the file, copy it to a time-stamped file next to it (RV(backup_file)).
    type: bool
    default: false
  restart_marker:
    description:
      - A file this module writes (its directory created, mode C(0755)) right after it changed the tip, in the same
        call, the record that the process reading the tip must still restart. A run interrupted before that restart
        finds the tip converged but the marker there, and restarts the process anyway; the caller removes the marker
        after the restart. Nothing is written when the tip does not change, nor in check mode.
    type: path
    version_added: 0.2.0
  restart_marker_content:
    description: The text of O(restart_marker) (a newline is added).
    type: str
    default: ''
    version_added: 0.2.0
notes:
  - Binary or non-text files are refused. Bytes that are not UTF-8 (for example EUC-KR comments) are
    kept exactly; they show as U+FFFD in the diff.
seealso:
  - module: tibero.cm.prs_agent_cfg
'''

EXAMPLES = r'''
- name: Add CM_ID at the top of the CM tip (the ProSync CM failover guide, step 5.3)
  tibero.cm.tip_param:
    tb_home: /home/tibero/tibero/tibero7
    sid: cm_tibero1
    name: CM_ID
    value: 0
    insert: top
    backup: true
  become: true
  become_user: tibero
  register: __cm_tip

- name: Set the TSC auto-failover timers in the primary's CM tip
  tibero.cm.tip_param:
    path: /home/tibero/tibero/tibero7/config/cm_primary.tip
    params:
      _OBSERVER_EXPIRE_TIME: 60
      _CM_AUTOFAILOVER_WAIT_TIME: 10
      CM_HEARTBEAT_EXPIRE: 300

- name: Remove a parameter
  tibero.cm.tip_param:
    tb_home: /home/tibero/tibero/tibero7
    sid: tibero1
    name: _CM_CHECK_RUNLEVEL
    state: absent
'''

RETURN = r'''
path:
  description: The tip file.
  returned: always
  type: str
  sample: /home/tibero/tibero/tibero7/config/cm_tibero1.tip
restart_required:
  description: True when a parameter was added, changed or removed (Tibero reads tips at boot).
  returned: always
  type: bool
  sample: true
restart_marker:
  description: The O(restart_marker) written (planned, in check mode) because the tip changed.
  returned: when O(restart_marker) is set and the tip changed
  type: str
  sample: /var/tmp/tibero_cm/tsc-restart-in-progress
changes:
  description: One entry per parameter edited.
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description: C(added), C(changed) or C(removed).
      type: str
      sample: added
    key:
      description: The parameter name as written in the file.
      type: str
      sample: CM_ID
    before:
      description: The value before (as written, quotes included), null when added.
      type: str
    after:
      description: The value after, null when removed.
      type: str
      sample: '0'
    line:
      description: 1-based line number (in the old file for removed lines).
      type: int
      sample: 7
  sample: [{action: added, key: CM_ID, before: null, after: '0', line: 7}]
params:
  description: The value of each requested parameter after the task (quotes removed), null when not set.
  returned: always
  type: dict
  sample: {CM_ID: '0'}
backup_file:
  description: The backup copy, when O(backup=true) and the file changed.
  returned: changed and backup requested
  type: str
  sample: /home/tibero/tibero/tibero7/config/cm_tibero1.tip.4242.2026-01-01@10:00:00~
commands:
  description: Always empty; the module runs no command.
  returned: always
  type: list
  elements: list
  sample: []
diff:
  description: The whole file before and after, in diff mode.
  returned: diff mode
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.tibero.cm.plugins.module_utils.tibero_common import resource_name_problem
from ansible_collections.tibero.cm.plugins.module_utils.tibero_common import tip_path as tip_file
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import (
    KvFileError, edit_argument_spec, edit_file, parse_insert, wanted_from_params, write_state_file)


def tip_path(params):
    """The file to edit: ``path`` or ``<tb_home>/config/<sid>.tip``."""
    if params['path']:
        return params['path']
    if not params['tb_home']:
        raise KvFileError('sid needs tb_home (or TB_HOME in the environment) to find the tip file')
    problem = resource_name_problem(params, 'sid', what='a CM or DB SID')  # a file name: no '/' or '..'
    if problem:
        raise KvFileError(problem)
    return tip_file(params['tb_home'], params['sid'])


def write_marker(path, content):
    """The restart marker, its directory created first (0755), the file replaced whole."""
    write_state_file(path, content + '\n')


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path'),
            tb_home=dict(type='path', fallback=(env_fallback, ['TB_HOME'])),
            sid=dict(type='str'),
            restart_marker=dict(type='path'),
            restart_marker_content=dict(type='str', default=''),
            **edit_argument_spec()
        ),
        required_one_of=[('path', 'sid'), ('name', 'params')],
        mutually_exclusive=[('path', 'sid'), ('name', 'params')],
        required_by={'value': 'name'},
        supports_check_mode=True,
    )
    params = module.params
    try:
        parse_insert(params['insert'])
        path = tip_path(params)
        result, dummy = edit_file(module, path, wanted_from_params(params), params['state'], insert=params['insert'],
                                  create=params['create'], backup=params['backup'],
                                  uncomment=params['uncomment'], separator='=')
        if params['restart_marker'] and result.get('changed'):
            result['restart_marker'] = params['restart_marker']
            if not module.check_mode:
                try:
                    write_marker(params['restart_marker'], params['restart_marker_content'])
                except (IOError, OSError, KvFileError) as exc:
                    module.fail_json(msg='the tip %s changed but its restart marker %s could not be written: %s'
                                     % (path, params['restart_marker'], exc), commands=[], changed=True)
    except KvFileError as exc:
        module.fail_json(msg=str(exc), commands=[])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
