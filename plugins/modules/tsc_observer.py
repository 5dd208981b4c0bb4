#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tsc_observer
short_description: Set the Tibero Standby Cluster observer mode (protective or disaster_plan)
version_added: 0.1.0
description:
  - Reads MODE from C(cmrctl show --tscid <tscid>) and runs C(cmrctl set --tscid <tscid> --mode <mode>) only
    when it differs, then reads it again to confirm.
  - V(protective) (the default of Tibero) keeps the primary stable; auto-failover needs a CM of the primary
    cluster connected to the observer. V(disaster_plan) fails over in as many situations as possible,
    including the loss of the whole primary site (TADTI232).
  - The observer must be running (C(set) fails otherwise). An observer may come back in PROTECTIVE mode
    after a restart, so run this task again after restarting it.
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  tscid:
    description: The TSC id (C(--tscid)).
    type: int
    required: true
  mode:
    description: The wanted observer mode. C(cmrctl show) prints it as C(PROTECTIVE)/C(PROTECT) or C(DIS_PLAN)/C(DISASTER_PLAN).
    type: str
    required: true
    choices: [protective, disaster_plan]
  wait_timeout:
    description: Seconds to wait, after a C(set), for C(cmrctl show --tscid) to print the new mode.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    details: The C(set) command that would run is returned in RV(commands).
  diff_mode:
    support: full
seealso:
  - module: tibero.cm.cmrctl_info
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Fail over even when the whole primary site is lost
  tibero.cm.tsc_observer:
    tscid: 1
    mode: disaster_plan
    cm_sid: cm_obs
  become: true
  become_user: tibero
'''

RETURN = r'''
commands:
  description: The C(cmrctl set) argv run (planned, in check mode); empty when the mode was already right.
  returned: always
  type: list
  elements: list
  sample: [["/home/tibero/tibero7/bin/cmrctl", "set", "--tscid", "1", "--mode", "disaster_plan"]]
tsc:
  description: The TSC table after the run (before it, in check mode), as M(tibero.cm.cmrctl_info) returns it.
  returned: always
  type: dict
  sample: {"id": 1, "failover": "ON(TSN)", "mode": "DIS_PLAN", "mode_normalized": "disaster_plan", "members": []}
diff:
  description: The mode before and after.
  returned: in diff mode
  type: dict
  sample: {"before": {"mode": "protective"}, "after": {"mode": "disaster_plan"}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed

SET_MARKER = 'SUCCESS!'


def set_argv(cmrctl, tscid, mode):
    return [cmrctl, 'set', '--tscid', str(tscid), '--mode', mode]


def current_mode(tsc):
    """The normalised mode of a parsed TSC table; ValueError for a MODE this collection does not know."""
    if tsc['mode_normalized'] is None:
        raise ValueError('TSC %s prints MODE %r, which is neither protective nor disaster_plan'
                         % (tsc['id'], tsc['mode']))
    return tsc['mode_normalized']


def main():
    argument_spec = tc.tibero_argument_spec()
    argument_spec.update(
        tscid=dict(type='int', required=True),
        mode=dict(type='str', required=True, choices=['protective', 'disaster_plan']),
        wait_timeout=dict(type='int', default=30),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    tc.require(module, 'cm_sid')
    runner = tc.make_runner(module)
    cmrctl = tc.tibero_tool(module, 'cmrctl')
    tscid, want = module.params['tscid'], module.params['mode']

    def read():
        return tc.read_show(runner, cmrctl, ['--tscid', str(tscid)], cs.parse_tsc)

    try:
        tsc = read()
        before = current_mode(tsc)
        changed = before != want
        if changed and module.check_mode:
            runner.plan(set_argv(cmrctl, tscid, want))
        elif changed:
            runner.run(set_argv(cmrctl, tscid, want), success_marker=SET_MARKER)
            tsc = tc.poll(read, lambda t: t['mode_normalized'] == want, module.params['wait_timeout'])
            if tsc['mode_normalized'] != want:
                module.fail_json(msg='TSC %s still prints MODE %s after cmrctl set --mode %s'
                                 % (tscid, tsc['mode'], want), tsc=tsc, commands=runner.commands, changed=True)
    except CommandFailed as exc:
        tc.fail(module, runner, exc)
    except ValueError as exc:
        module.fail_json(msg=str(exc), tsc=tsc, commands=runner.commands)
    result = dict(changed=changed, commands=runner.commands, tsc=tsc)
    if module._diff:
        result['diff'] = tc.result_diff(dict(mode=before), dict(mode=want))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
