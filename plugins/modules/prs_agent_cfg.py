#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: prs_agent_cfg
short_description: Set or remove parameters in a ProSync agent configuration file
version_added: 0.1.0
description:
  - Sets or removes parameters in C($PRS_HOME/config/prs_agent_<agent_id>.cfg), the file
    C(prs_install_agent.sh) writes for each ProSync agent (format C(KEY = VALUE), C(#) comments,
    inline C(# comments) after values).
  - Uses the same editor as M(tibero.cm.tip_param), so every other byte of the file is kept (comments,
    alignment tabs, inline comments, line endings); new parameters are written in the file's own style
    (C(KEY = VALUE)); values are compared normalised (C(y) = C(Y), C(010) = C(10)); a parameter set
    twice fails with its line numbers; the file is replaced atomically, keeping owner, group and mode.
  - Knows the CM failover parameters of the ProSync CM failover guide and validates them before touching the file
    (see O(params)). Other parameters (C(LISTENER_PORT), C(LOG_LEVEL), ...) are written as given.
  - When the task touches a CM parameter, warns if C(PRS_AGENT_*) CM parameters are in the file while
    C(USE_CM) is not C(Y) after the task (ProSync ignores them then; C(USE_CM) defaults to C(N) when missing).
  - The agent reads its configuration at start, so any change returns RV(restart_required=true).
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
      - The agent configuration file.
      - Mutually exclusive with O(agent_id); one of O(path) or O(agent_id) is required.
    type: path
  prs_home:
    description:
      - ProSync home; the file is C(<prs_home>/config/prs_agent_<agent_id>.cfg).
      - Defaults to the E(PRS_HOME) environment variable of the module's process.
    type: path
  agent_id:
    description:
      - The agent id (C(AGENT_ID_i) of C(prs_install_agent.cfg)), for example C(agent1).
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
      - The value of O(name); booleans are written C(Y)/C(N).
      - Required with O(name) when O(state=present); ignored when O(state=absent).
    type: raw
  params:
    description:
      - "Several parameters at once, C({NAME: value}), applied in the order given."
      - "Checked before anything is written: C(USE_CM) C(Y) or C(N) (default C(N));
        C(PRS_AGENT_PROC_MAX_FAIL_CNT) an integer >= 0 (default 10);
        C(PRS_AGENT_PROC_STARTUP_TIMEOUT), C(PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT),
        C(PRS_AGENT_PROC_STATUS_INTERVAL) seconds, integers >= 0;
        C(PRS_AGENT_CM_PROBE_TIMEOUT) seconds, an integer >= 0, C(0) waits for C(cmrctl) forever (default 0)."
      - The same checks apply to O(name)/O(value).
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
      - Where a parameter that is not in the file yet is added; C(bottom), C(top) (after the leading
        comment block), C(after:<NAME>) or C(before:<NAME>).
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
      - Create the file when it does not exist (normally C(prs_install_agent.sh) creates it).
    type: bool
    default: false
  backup:
    description:
      - Before changing the file, copy it to a time-stamped file next to it (RV(backup_file)).
    type: bool
    default: false
seealso:
  - module: tibero.cm.tip_param
  - module: tibero.cm.prs_info
'''

EXAMPLES = r'''
- name: Put agent1 under CM failover (the ProSync CM failover guide, step 3)
  tibero.cm.prs_agent_cfg:
    prs_home: /home/prosync/example
    agent_id: agent1
    params:
      USE_CM: Y
      PRS_AGENT_PROC_MAX_FAIL_CNT: 10
      PRS_AGENT_PROC_STARTUP_TIMEOUT: 10
      PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT: 10
      PRS_AGENT_PROC_STATUS_INTERVAL: 3
      PRS_AGENT_CM_PROBE_TIMEOUT: 0
    backup: true
  become: true
  become_user: prosync
  register: __agent_cfg

- name: Raise the log level of agent2
  tibero.cm.prs_agent_cfg:
    path: /home/prosync/example/config/prs_agent_agent2.cfg
    name: LOG_LEVEL
    value: 5
'''

RETURN = r'''
path:
  description: The agent configuration file.
  returned: always
  type: str
  sample: /home/prosync/example/config/prs_agent_agent1.cfg
restart_required:
  description: True when a parameter was added, changed or removed (the agent reads its file at start).
  returned: always
  type: bool
  sample: true
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
  sample: [{action: changed, key: USE_CM, before: N, after: Y, line: 21}]
params:
  description: The value of each requested parameter after the task, null when not set.
  returned: always
  type: dict
  sample: {USE_CM: Y}
use_cm:
  description: C(USE_CM) after the task (C(N) when the file does not set it, null when it sets it twice).
  returned: always
  type: str
  sample: Y
backup_file:
  description: The backup copy, when O(backup=true) and the file changed.
  returned: changed and backup requested
  type: str
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
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import (
    KvFileError, edit_argument_spec, parse_insert, wanted_from_params)
from ansible_collections.tibero.cm.plugins.module_utils.prs_agent import agent_cfg_path, edit_agent_cfg


def cfg_path(params):
    """The file to edit: ``path`` or ``<prs_home>/config/prs_agent_<agent_id>.cfg``."""
    if params['path']:
        return params['path']
    if not params['prs_home']:
        raise KvFileError('agent_id needs prs_home (or PRS_HOME in the environment) to find the file')
    problem = resource_name_problem(params, 'agent_id', what='a ProSync agent id')  # a file name: no '/' or '..'
    if problem:
        raise KvFileError(problem)
    return agent_cfg_path(params['prs_home'], params['agent_id'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path'),
            prs_home=dict(type='path', fallback=(env_fallback, ['PRS_HOME'])),
            agent_id=dict(type='str'),
            **edit_argument_spec()
        ),
        required_one_of=[('path', 'agent_id'), ('name', 'params')],
        mutually_exclusive=[('path', 'agent_id'), ('name', 'params')],
        required_by={'value': 'name'},
        supports_check_mode=True,
    )
    params = module.params
    try:
        parse_insert(params['insert'])
        wanted = wanted_from_params(params)
        path = cfg_path(params)
        result = edit_agent_cfg(module, path, wanted, params['state'], insert=params['insert'],
                                create=params['create'], backup=params['backup'], uncomment=params['uncomment'])
    except KvFileError as exc:
        module.fail_json(msg=str(exc), commands=[])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
