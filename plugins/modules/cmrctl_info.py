#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cmrctl_info
short_description: Read the Tibero Cluster Manager's resources, observer and TSC status
version_added: 0.1.0
description:
  - Runs C(cmrctl show all) (every node of this node's clusters), or C(cmrctl show) on an observer node,
    and returns one record per resource row; continuation lines of a long DETAIL are joined.
  - With O(tscid), also runs C(cmrctl show --tscid <tscid>) and returns the Tibero Standby Cluster status.
  - Tables are read by their header and C(-) ruler, so other versions' column widths parse; output that
    cannot be read fails the task with the raw text in the message.
  - Never changes anything.
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  scope:
    description:
      - V(all) runs C(cmrctl show all); V(local) runs C(cmrctl show) (this node only, or the observer table
        on an observer node).
      - V(auto) uses V(local) when the CM tip C($TB_HOME/config/<cm_sid>.tip) says C(CM_MODE_OBSERVER=Y),
        else V(all).
    type: str
    choices: [auto, all, local]
    default: auto
  tscid:
    description: TSC id to read with C(cmrctl show --tscid).
    type: int
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
seealso:
  - module: tibero.cm.cmrctl_group
  - module: tibero.cm.tsc_observer
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Read the CM resources of the cluster
  tibero.cm.cmrctl_info:
  register: cm
  become: true
  become_user: tibero

- name: Every ProSync agent of the cluster is up
  ansible.builtin.assert:
    that: cm.resources | selectattr('type', 'equalto', 'agent') | rejectattr('status', 'equalto', 'UP') | list | length == 0

- name: Read the observer and TSC 1 on the observer node
  tibero.cm.cmrctl_info:
    cm_sid: cm_obs
    tscid: 1
  register: tsc
'''

RETURN = r'''
resources:
  description: One record per resource row of the node tables.
  returned: always (empty on an observer node)
  type: list
  elements: dict
  sample: [{"node": "cm_tibero1", "cluster": "cls_tibero", "type": "agent", "name": "agent1", "status": "UP",
            "detail": "/home/prosync/example/bin/prs_0.sh, start retry cnt: 0"}]
nodes:
  description: The CM names whose tables were printed, this node first.
  returned: always
  type: list
  elements: str
  sample: ["cm_tibero1", "cm_tibero2"]
local_node:
  description: This node's CM name (the first table), or the observer's name.
  returned: always
  type: str
  sample: cm_tibero1
observer:
  description: The observer's table.
  returned: on an observer node
  type: dict
  sample: {"name": "obs1", "members": [{"tsc_id": "1", "cls_id": "1", "cm_name": "cm_pri1", "nid": "1",
           "cm_stat": "UP", "inst_stat": "UP(NRML)", "role": "PRIMARY"}]}
tsc:
  description:
    - The TSC table. C(mode) is MODE as printed; C(mode_normalized) is V(protective) or
      V(disaster_plan) (null for a MODE not known).
  returned: when O(tscid) is given
  type: dict
  sample: {"id": 1, "failover": "ON(TSN)", "mode": "PROTECTIVE", "mode_normalized": "protective",
           "members": [{"cls_id": "1", "cm_name": "cm_pri1", "conn": "Y(M)", "log": "-", "heartbeat": "60",
                        "rcvd_tsn": "0"}]}
tsc_raw:
  description: The raw output of C(cmrctl show --tscid) (for messages that quote the observer).
  returned: when O(tscid) is given
  type: str
commands:
  description: Always empty (only read-only C(show) commands are run).
  returned: always
  type: list
  elements: list
  sample: []
'''

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed

_OBSERVER_TIP_LINE = re.compile(r'^\s*CM_MODE_OBSERVER\s*=\s*["\']?\s*Y', re.IGNORECASE | re.MULTILINE)


def is_observer_tip(text):
    """True when a CM tip file's text sets CM_MODE_OBSERVER=Y."""
    return bool(_OBSERVER_TIP_LINE.search(text or ''))


def show_args(scope, observer_tip):
    """The ``cmrctl show`` arguments for ``scope`` (auto: local on an observer, else all)."""
    if scope == 'all' or (scope == 'auto' and not observer_tip):
        return ['all']
    return []


def read_tip(tb_home, cm_sid):
    """The CM tip's text, or '' when it cannot be read (then the node is not taken for an observer)."""
    if not tb_home or not cm_sid:
        return ''
    try:
        with open(tc.tip_path(tb_home, cm_sid)) as handle:
            return handle.read()
    except (IOError, OSError):
        return ''


def main():
    argument_spec = tc.tibero_argument_spec()
    argument_spec.update(
        scope=dict(type='str', default='auto', choices=['auto', 'all', 'local']),
        tscid=dict(type='int'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    tc.require(module, 'cm_sid')
    runner = tc.make_runner(module)
    cmrctl = tc.tibero_tool(module, 'cmrctl')
    observer_tip = is_observer_tip(read_tip(module.params['tb_home'], module.params['cm_sid']))
    try:
        shown = tc.read_show(runner, cmrctl, show_args(module.params['scope'], observer_tip), cs.parse_show)
        result = dict(changed=False, commands=[], resources=shown['resources'], nodes=shown['nodes'])
        if 'observer' in shown:
            result['observer'] = shown['observer']
            result['local_node'] = shown['observer']['name']
        else:
            result['local_node'] = cs.local_node(shown)
        if module.params['tscid'] is not None:
            raw = []

            def parse_tsc(text):
                raw.append(text)  # kept verbatim: callers quote the observer's own words in their messages
                return cs.parse_tsc(text)

            result['tsc'] = tc.read_show(runner, cmrctl, ['--tscid', str(module.params['tscid'])], parse_tsc)
            result['tsc_raw'] = raw[0]
    except CommandFailed as exc:
        tc.fail(module, runner, exc)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
