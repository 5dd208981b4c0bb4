#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: agent_restart_plan
short_description: Decide whether this node's ProSync agent restarts to take new parameters, and keep its marker
version_added: 0.2.0
description:
  - The planning half of an agent parameter change, in one call per node - reads the agent restart marker
    (left by an interrupted run) and the record of the C(--retry_cnt) the agent was registered with, decides with
    the rules of C(module_utils/day2.py) (C(agent_restart)), then writes the marker when a restart is due, or
    removes a marker no restart needs any more.
  - A running agent whose C(prs_agent_<id>.cfg) changed restarts (it reads the file at start, the ProSync CM
    failover guide step 3), unless its node's CM restarts anyway; a recorded other C(--retry_cnt) is registered
    again while the agent is down (no public C(cmrctl) command modifies it, docs/vendor-facts.md CMR-12); an
    agent down in its running group starts at once.
  - Runs no vendor command; the C(cmrctl show all) rows are the ones this run already read.
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - tibero.cm.attributes
attributes:
  check_mode:
    support: full
    details: Decides and reports the marker it would write or remove, and writes nothing.
  diff_mode:
    support: full
    details: The marker's text before and after.
options:
  node:
    description: This node of the site model (C(tibero_cm_model.by_host[inventory_hostname])) - C(cm_sid), C(cm_group), C(agent).
    type: dict
    required: true
  resources:
    description: Rows of this run's C(cmrctl show all) on this node (C(tibero.cm.tibero_node_info) C(resources)), read before any change.
    type: list
    elements: dict
    default: []
  cfg_changed:
    description: This run changed the agent's C(prs_agent_<id>.cfg).
    type: bool
    default: false
  cm_restart:
    description: This node is queued for a CM restart (C(tbcm -d) runs C(DOWN) for the agent, which then starts with its new file anyway).
    type: bool
    default: false
  marker:
    description: The agent restart marker; it lives until the agent restarted, so an interrupted run finishes the restart.
    type: path
    required: true
  record:
    description:
      - The record of the C(--retry_cnt) the agent was registered with
        (written by M(tibero.cm.cmrctl_agent), O(tibero.cm.cmrctl_agent#module:retry_cnt_record)).
    type: path
    required: true
notes:
  - Run it as the user that writes the marker's directory (the roles use the Tibero OS user); the directory is created (0755) when missing.
seealso:
  - module: tibero.cm.cmrctl_agent
'''

EXAMPLES = r'''
- name: Plan this node's agent restart
  tibero.cm.agent_restart_plan:
    node: "{{ tibero_cm_model.by_host[inventory_hostname] }}"
    resources: "{{ tibero_cm_node_info.resources }}"
    cfg_changed: true
    marker: /var/tmp/tibero_cm/agent-restart-pending
    record: /var/tmp/tibero_cm/agent-agent1.retry_cnt
  become: true
  become_user: tibero
  register: __restart
'''

RETURN = r'''
restart:
  description: The agent restarts (site.yml's agent queue, one node at a time).
  returned: always
  type: bool
replace:
  description: The restart registers the agent again (C(cmrctl del agent) + C(add agent) while down) with its new C(--retry_cnt).
  returned: always
  type: bool
start:
  description: The agent is down in its running group (CM gave it up, or it was stopped by hand) and starts now.
  returned: always
  type: bool
registered:
  description: The agent is in this node's C(cmrctl show all).
  returned: always
  type: bool
running:
  description: The agent is up on this node.
  returned: always
  type: bool
reasons:
  description: Why the agent restarts, one line each (the marker's text).
  returned: always
  type: list
  elements: str
  sample: ["prs_agent_agent1.cfg changed: the agent reads it at start"]
marker:
  description: The marker - C(path), C(pending) (found at the start), C(action) (V(write), V(remove) or null).
  returned: always
  type: dict
  sample: {"path": "/var/tmp/tibero_cm/agent-restart-pending", "pending": false, "action": "write"}
commands:
  description: Vendor commands run - always empty (the module runs none).
  returned: always
  type: list
  elements: list
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import day2
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import KvFileError, read_state_file, write_state_file


def main():
    module = AnsibleModule(
        argument_spec=dict(
            node=dict(type='dict', required=True),
            resources=dict(type='list', elements='dict', default=[]),
            cfg_changed=dict(type='bool', default=False),
            cm_restart=dict(type='bool', default=False),
            marker=dict(type='path', required=True),
            record=dict(type='path', required=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    marker = params['marker']
    try:
        before = read_state_file(marker)
        record = read_state_file(params['record'])
    except KvFileError as exc:
        module.fail_json(msg='cannot read the agent restart marker or the retry_cnt record: %s' % exc, commands=[])
    pending = before is not None
    decided = day2.agent_restart(params['node'], params['resources'], params['cfg_changed'], pending,
                                 params['cm_restart'], day2.recorded_retry_cnt(record))
    action = day2.marker_action(pending, decided['restart'])
    after = before
    if action == 'write':
        after = '\n'.join(decided['reasons']) + '\n'
    elif action == 'remove':
        after = None
    if action and not module.check_mode:
        try:
            if action == 'write':
                write_state_file(marker, after)
            else:
                os.unlink(marker)
        except (IOError, OSError, KvFileError) as exc:
            module.fail_json(msg='cannot %s the agent restart marker %s: %s' % (action, marker, exc), commands=[],
                             **decided)
    result = dict(decided, changed=action is not None, commands=[],
                  marker=dict(path=marker, pending=pending, action=action))
    if module._diff:
        result['diff'] = dict(before=before or '', after=after or '',
                              before_header=marker, after_header=marker)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
