#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tsc_observer_service
short_description: Start or stop the Tibero Standby Cluster observer daemon (tbcmobs -b / tbcmobs -d)
version_added: 0.2.0
description:
  - Brings the TSC observer of O(cm_sid) (its tip sets C(CM_MODE_OBSERVER=Y)) to O(state), idempotently.
  - The observer counts as running only when its own C(cmrctl show) answers with its
    C(Resource List of Observer) table, and as stopped when C(cmrctl show) cannot reach it (non-zero exit),
    never from a process name. An answer of any other shape (a DB node's table, unknown text) stops the
    task with the raw output, before any command.
  - Starts it with C(tbcmobs -b) (TADTI232) and stops it with C(tbcmobs -d); either counts only with exit code
    0 and C(cmrctl show) agreeing within O(wait_timeout) seconds. Otherwise the task fails with the command's
    output and the manual step.
  - The mode (V(protective) / V(disaster_plan)) does not survive a restart of the observer; set it again
    afterwards with M(tibero.cm.tsc_observer).
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  state:
    description: V(started) runs C(tbcmobs -b) when the observer does not answer; V(stopped) runs C(tbcmobs -d) when it does.
    type: str
    choices: [started, stopped]
    default: started
  wait_timeout:
    description: Seconds to wait, after C(tbcmobs -b) or C(tbcmobs -d), for C(cmrctl show) to see the new state.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    details:
      - The C(tbcmobs) command that would run is returned in RV(commands); nothing is run.
      - A planned start leaves RV(running) false and RV(observer) null, since what a stopped observer would list
        once it runs is not known before it runs.
  diff_mode:
    support: full
notes:
  - C(tbcmobs -d) is unverified in public material (vendor facts TSC-5); this module trusts it only when
    C(cmrctl show) stops answering afterwards.
seealso:
  - module: tibero.cm.tsc_observer
  - module: tibero.cm.tibero_cm_service
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Start the observer
  tibero.cm.tsc_observer_service:
    cm_sid: cm_obs
    state: started
  become: true
  become_user: tibero

- name: Pause the observer while the DB nodes restart
  tibero.cm.tsc_observer_service:
    cm_sid: cm_obs
    state: stopped
  become: true
  become_user: tibero
'''

RETURN = r'''
commands:
  description: The C(tbcmobs) argv run (planned, in check mode); empty when the observer was already in O(state).
  returned: always
  type: list
  elements: list
  sample: [["/home/tibero/tibero7/bin/tbcmobs", "-b"]]
state:
  description: The observer's state after the run (predicted in check mode), V(started) or V(stopped).
  returned: always
  type: str
  sample: started
running:
  description:
    - Whether the observer answers with its table now (after the run; in check mode, as read before it,
      so a planned start leaves it false).
  returned: always
  type: bool
  sample: true
observer:
  description: The observer's C(cmrctl show) table when it answers (as M(tibero.cm.cmrctl_info) returns it), else null.
  returned: always
  type: dict
  sample: {"name": "obs1", "members": [{"tsc_id": "1", "cls_id": "0", "cm_name": "cm_pri1", "nid": "1",
           "cm_stat": "UP", "inst_stat": "UP(NRML)", "role": "PRIMARY"}]}
show_output:
  description: What C(cmrctl show) answered last (stdout, or stderr when it printed nothing), for messages.
  returned: always
  type: str
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


def observer_state(rc, out, err, cm_sid):
    """(state, observer table or None) from what ``cmrctl show`` answered (vendor facts TSC-4).

    A non-zero exit is a stopped observer; rc 0 must be the observer's table. Anything else raises
    ValueError: CM_SID names no observer, or the tool says something this module does not know.
    """
    if rc != 0:
        return 'stopped', None
    try:
        parsed = cs.parse_show(out)
    except cs.ShowParseError as exc:
        raise ValueError('cannot read the output of cmrctl show: %s' % exc)
    if 'observer' not in parsed:
        raise ValueError('cmrctl show (CM_SID=%s) answers without a "Resource List of Observer" table: this is no '
                         "observer's CM (its tip must set CM_MODE_OBSERVER=Y)" % cm_sid)
    return 'started', parsed['observer']


def manual_step(want, tb_home, cm_sid):
    """What the operator does by hand when tbcmobs did not bring the observer to ``want``."""
    env = 'TB_HOME=%s CM_SID=%s' % (tb_home, cm_sid)
    if want == 'started':
        return ('Check the observer tip %s/config/%s.tip (CM_MODE_OBSERVER=Y, CM_NAME, CM_OBSERVER_PORT, CM_UI_PORT) '
                'and the observer\'s log, start it by hand as the Tibero user (%s tbcmobs -b), then run again.'
                % (tb_home, cm_sid, env))
    return ('Stop it by hand as the Tibero user (%s tbcmobs -d), or end the process whose arguments end with '
            '"tbcmobs -b" (ps -ef | grep tbcmobs); then run again.' % env)


class ObserverService(object):
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.runner = tc.make_runner(module)
        self.cmrctl = tc.tibero_tool(module, 'cmrctl')
        self.tbcmobs = tc.tibero_tool(module, 'tbcmobs')
        self.show_output = ''

    def read(self):
        """(state, observer table or None); raises CommandFailed on an answer of an unknown shape."""
        argv = [self.cmrctl, 'show']
        rc, out, err = self.runner.run(argv, check_rc=False, record=False)
        self.show_output = (out or err or '').rstrip()
        try:
            return observer_state(rc, out, err, self.params['cm_sid'])
        except ValueError as exc:
            raise CommandFailed('%s. Output:\n%s' % (exc, self.show_output), argv, rc, out, err)

    def run(self):
        want = self.params['state']
        before, observer = self.read()
        changed = before != want
        argv = [self.tbcmobs, '-b' if want == 'started' else '-d']
        if changed and self.module.check_mode:
            self.runner.plan(argv)
        elif changed:
            observer = self.change(argv, want)
        running = observer is not None
        result = dict(changed=changed, commands=self.runner.commands, state=want, running=running,
                      observer=observer, show_output=self.show_output)
        if self.module._diff:
            result['diff'] = tc.result_diff(dict(state=before), dict(state=want))
        self.module.exit_json(**result)

    def change(self, argv, want):
        """Run ``argv``, then read until the observer is in ``want``; return its table (None when stopped)."""
        tb_home, cm_sid = self.params['tb_home'], self.params['cm_sid']
        rc, out, err = self.runner.run(argv, check_rc=False)
        if rc != 0 or tc.STARTUP_FAILED in out.lower() or tc.STARTUP_FAILED in err.lower():
            self.fail('%s did not %s the observer %s (rc=%s). %s' % (' '.join(argv), 'start' if want == 'started' else 'stop',
                                                                     cm_sid, rc, manual_step(want, tb_home, cm_sid)),
                      argv, rc, out, err)
        last = tc.poll(self.read, lambda s: s[0] == want, self.params['wait_timeout'])
        if last[0] != want:
            self.fail('%s exited 0 but the observer\'s cmrctl show %s after %s seconds: %s. %s'
                      % (' '.join(argv), 'does not answer with its table' if want == 'started' else 'still answers',
                         self.params['wait_timeout'], self.show_output or '(no output)', manual_step(want, tb_home, cm_sid)),
                      argv, rc, out, err)
        return last[1]

    def failure_extras(self):
        return dict(show_output=self.show_output)

    def fail(self, msg, argv, rc, out, err):
        self.module.fail_json(msg=msg, cmd=argv, rc=rc, stdout=out, stderr=err, commands=self.runner.commands,
                              show_output=self.show_output, changed=True)


def main():
    argument_spec = tc.tibero_argument_spec()
    argument_spec.update(
        state=dict(type='str', default='started', choices=['started', 'stopped']),
        wait_timeout=dict(type='int', default=30),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    tc.run_module(module, ObserverService)


if __name__ == '__main__':
    main()
