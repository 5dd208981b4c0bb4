#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tibero_cm_service
short_description: Start or stop the Tibero Cluster Manager daemon of this node (tbcm -b / tbcm -d)
version_added: 0.1.0
description:
  - Brings the CM of O(cm_sid) to O(state), idempotently. The CM counts as running when C(cmrctl show)
    answers with this node's resource table, and as stopped when C(cmrctl show) cannot reach it.
  - Starts it with C(tbcm -b) and stops it with C(tbcm -d), then waits until C(cmrctl show) agrees.
  - C(tbcm -d) takes this node's CM-managed DB instances down in ABNORMAL mode first (seed TADTI232,
    scenario 2). So the module refuses to stop a CM while a C(db) resource of this node is up, unless
    O(force=true). Stop the instance first with M(tibero.cm.tibero_instance).
extends_documentation_fragment:
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  state:
    description: V(started) runs C(tbcm -b) when the CM is not running; V(stopped) runs C(tbcm -d) when it is.
    type: str
    choices: [started, stopped]
    default: started
  force:
    description: Stop the CM even while a DB instance it manages on this node is up (that instance goes down ABNORMAL).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait, after C(tbcm -b) or C(tbcm -d), for C(cmrctl show) to see the new state.
    type: int
    default: 30
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: The C(tbcm) command that would run is returned in RV(commands).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff mode).
    support: full
notes:
  - An observer (C(CM_MODE_OBSERVER=Y)) is started with C(tbcmobs), not with this module.
seealso:
  - module: tibero.cm.tibero_instance
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Restart sequence of the seed, step 5 (tbdown, tbcm -d, edit tip, tbcm -b, tbboot)
  block:
    - name: Stop the DB instance
      tibero.cm.tibero_instance:
        tb_sid: tibero1
        state: stopped
    - name: Stop the CM
      tibero.cm.tibero_cm_service:
        cm_sid: cm_tibero1
        state: stopped
    - name: Start the CM
      tibero.cm.tibero_cm_service:
        cm_sid: cm_tibero1
        state: started
  become: true
  become_user: tibero
'''

RETURN = r'''
commands:
  description: The C(tbcm) argv run (planned, in check mode); empty when the CM was already in O(state).
  returned: always
  type: list
  elements: list
  sample: [["/home/tibero/tibero7/bin/tbcm", "-b"]]
state:
  description: The CM's state after the run (predicted in check mode), V(started) or V(stopped).
  returned: always
  type: str
  sample: started
diff:
  description: The state before and after.
  returned: in diff mode
  type: dict
  sample: {"before": {"state": "stopped"}, "after": {"state": "started"}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed

STARTUP_FAILED = 'startup failed'


def up_db_resources(parsed):
    """Names and statuses of this node's db resources that are up, from ``cmrctl show``."""
    local = parsed['nodes'][0] if parsed['nodes'] else None
    return ['%s (%s)' % (r['name'], r['status']) for r in parsed['resources']
            if r['node'] == local and r['type'] == 'db' and r['status'].upper().startswith('UP')]


class CMService(object):
    def __init__(self, module):
        self.module = module
        self.runner = tc.make_runner(module)
        self.cmrctl = tc.tibero_tool(module, 'cmrctl')
        self.tbcm = tc.tibero_tool(module, 'tbcm')

    def read(self):
        """(state, parsed show or None): running when ``cmrctl show`` answers with a node table."""
        rc, out, err = self.runner.run([self.cmrctl, 'show'], check_rc=False, record=False)
        if rc != 0:
            return 'stopped', None
        try:
            return 'started', cs.parse_nodes(out)
        except cs.ShowParseError as exc:
            raise CommandFailed('cannot read the output of cmrctl show: %s' % exc, [self.cmrctl, 'show'], rc, out, err)

    def run(self):
        want = self.module.params['state']
        before, parsed = self.read()
        changed = before != want
        if changed and want == 'stopped' and not self.module.params['force']:
            busy = up_db_resources(parsed)
            if busy:
                self.module.fail_json(
                    msg='the CM manages DB instance(s) that are up on this node: %s. tbcm -d would take them down '
                        'ABNORMAL; stop them first (tibero.cm.tibero_instance state=stopped) or set force=true'
                        % ', '.join(busy), commands=[])
        argv = [self.tbcm, '-b' if want == 'started' else '-d']
        if changed and self.module.check_mode:
            self.runner.plan(argv)
        elif changed:
            self.change(argv, want)
        result = dict(changed=changed, commands=self.runner.commands, state=want)
        if self.module._diff:
            result['diff'] = tc.result_diff(dict(state=before), dict(state=want))
        self.module.exit_json(**result)

    def change(self, argv, want):
        rc, out, err = self.runner.run(argv)
        if STARTUP_FAILED in out or STARTUP_FAILED in err:
            raise CommandFailed('%s reported a failed startup' % ' '.join(argv), argv, rc, out, err)
        state = tc.poll(lambda: self.read()[0], lambda s: s == want, self.module.params['wait_timeout'])
        if state != want:
            self.module.fail_json(msg='%s succeeded but cmrctl show still finds the CM %s after %s seconds'
                                  % (' '.join(argv), state, self.module.params['wait_timeout']),
                                  cmd=argv, rc=rc, stdout=out, stderr=err, commands=self.runner.commands,
                                  changed=True)


def main():
    argument_spec = tc.tibero_argument_spec()
    argument_spec.update(
        state=dict(type='str', default='started', choices=['started', 'stopped']),
        force=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=30),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    tc.require(module, 'cm_sid')
    service = CMService(module)
    try:
        service.run()
    except CommandFailed as exc:
        tc.fail(module, service.runner, exc)


if __name__ == '__main__':
    main()
