#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tibero_cm_service
short_description: Start, stop or restart the Tibero Cluster Manager daemon of this node (tbcm -b / tbcm -d)
version_added: 0.1.0
description:
  - Brings the CM of O(cm_sid) to O(state), idempotently. The CM counts as running when C(cmrctl show)
    answers with this node's resource table, and as stopped when C(cmrctl show) cannot reach it.
  - Starts it with C(tbcm -b) and stops it with C(tbcm -d), then waits until C(cmrctl show) agrees; a restart
    can set or remove C(CM_ID) in the CM tip while the CM is down (O(cm_id), O(remove_cm_id)).
  - C(tbcm -d) takes this node's CM-managed DB instances down in ABNORMAL mode first (TADTI232,
    scenario 2). So the module refuses to stop a CM while a C(db) resource of this node is up, unless
    O(force=true). Stop the instance first with M(tibero.cm.tibero_instance).
  - The CM daemon passes the environment it was started with on to every agent script it runs, and so to
    C(prs_agent). So C(tbcm -b) runs as C(env -i K=V ... tbcm -b) with exactly what the Tibero user's login
    profile would set, not the environment Ansible runs modules with and not C(LC_ALL=C). That is
    E(HOME), E(USER), E(LOGNAME), E(SHELL) of the user the task runs as, E(TB_HOME), E(CM_HOME) (= E(TB_HOME)),
    E(CM_SID), E(TB_SID) (O(tb_sid)), E(PATH) with C($TB_HOME/bin) and C($TB_HOME/client/bin) first,
    E(LD_LIBRARY_PATH) with C($TB_HOME/lib) and C($TB_HOME/client/lib) first, E(LANG) as the task has it
    (a login profile sets E(LANG), never E(LC_ALL)), and O(daemon_env) over all of it.
  - Every other command (C(cmrctl show), C(tbcm -d)) runs with E(TB_HOME), E(CM_HOME), E(CM_SID) and C(LC_ALL=C).
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  tb_sid:
    description:
      - SID of this node's DB instance (E(TB_SID)), set in the CM daemon's environment (agent scripts read it).
      - Defaults to the E(TB_SID) environment variable of the remote user; when neither is set, the
        daemon starts without E(TB_SID).
    type: str
  daemon_env:
    description:
      - Further variables of the Tibero user's login profile for the CM daemon (and so its agent scripts),
        e.g. E(TB_NLS_LANG), E(PRS_HOME), E(LC_ALL); they override the ones the module sets.
      - Their values appear in RV(commands) (the C(env -i) argv), so keep secrets out of them.
    type: dict
    default: {}
  state:
    description:
      - V(started) runs C(tbcm -b) when the CM is not running; V(stopped) runs C(tbcm -d) when it is.
      - V(restarted) runs C(tbcm -d) when the CM runs (with the same guard as V(stopped)), then C(tbcm -b), each
        confirmed by C(cmrctl show), so that the CM reads its tip again; O(cm_id) or O(remove_cm_id) edit the tip
        between the two, as the ProSync CM failover guide's step 5 does. It always reports a change.
    type: str
    choices: [started, stopped, restarted]
    default: started
  cm_id:
    description:
      - The C(CM_ID) the CM tip (C(<tb_home>/config/<cm_sid>.tip)) must set when the CM starts, with
        O(state=started) or O(state=restarted); the CM reads it at C(tbcm -b) (vendor facts TB-2). Set at the top
        of the tip like M(tibero.cm.tip_param) C(insert=top), atomically, a backup kept when it changes, while the
        CM is down and before C(tbcm -b) runs.
      - With O(state=started), a tip that must change under a CM that runs fails the task before any change (that
        CM would keep its old C(CM_ID)), so stop the CM first or use O(state=restarted). In check mode the change
        is only planned and shown in the diff.
    type: int
  remove_cm_id:
    description:
      - Remove C(CM_ID) from the CM tip instead (backup kept), the same way and at the same point as O(cm_id)
        (decommissioning a node from the ProSync failover group).
    type: bool
    default: false
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
    support: full
    details: The C(tbcm) command that would run is returned in RV(commands).
  diff_mode:
    support: full
notes:
  - An observer (C(CM_MODE_OBSERVER=Y)) is started with C(tbcmobs), not with this module.
  - Sites with a VIP run the CM as root (its agents then run as root too); become that user for this task,
    and the daemon gets root's E(HOME), E(USER) and E(SHELL).
  - C(env) (coreutils) must be on the remote PATH.
seealso:
  - module: tibero.cm.tibero_instance
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Restart sequence of the ProSync CM failover guide, step 5 (tbdown, tbcm -d, edit tip, tbcm -b, tbboot)
  block:
    - name: Stop the DB instance
      tibero.cm.tibero_instance:
        tb_sid: tibero1
        state: stopped
    - name: Stop the CM, set CM_ID in its tip, start it again (its agent scripts get this environment)
      tibero.cm.tibero_cm_service:
        cm_sid: cm_tibero1
        tb_sid: tibero1
        cm_id: 0
        daemon_env:
          TB_NLS_LANG: UTF8
        state: restarted
    - name: Boot the DB instance
      tibero.cm.tibero_instance:
        cm_sid: cm_tibero1
        tb_sid: tibero1
        state: started
  become: true
  become_user: tibero
'''

RETURN = r'''
commands:
  description: The C(tbcm) argvs run (planned, in check mode); empty when the CM was already in O(state).
  returned: always
  type: list
  elements: list
  sample: [["/usr/bin/env", "-i", "CM_HOME=/home/tibero/tibero7", "CM_SID=cm_tibero1", "HOME=/home/tibero",
            "LANG=en_US.UTF-8", "LD_LIBRARY_PATH=/home/tibero/tibero7/lib:/home/tibero/tibero7/client/lib",
            "LOGNAME=tibero", "PATH=/home/tibero/tibero7/bin:/home/tibero/tibero7/client/bin:/usr/bin:/bin",
            "SHELL=/bin/bash", "TB_HOME=/home/tibero/tibero7", "TB_SID=tibero1", "USER=tibero",
            "/home/tibero/tibero7/bin/tbcm", "-b"]]
state:
  description: The CM's state after the run (predicted in check mode), V(started) or V(stopped) (V(started) after a
    restart).
  returned: always
  type: str
  sample: started
tip:
  description:
    - With O(cm_id) or O(remove_cm_id), the CM tip's edit as M(tibero.cm.tip_param) returns it - C(path),
      C(changed), C(changes), C(params), C(backup_file) when a backup was made; null without either.
  returned: always
  type: dict
  sample: {"path": "/home/tibero/tibero7/config/cm_tibero1.tip", "changed": true,
           "changes": [{"action": "added", "key": "CM_ID", "before": null, "after": "0", "line": 1}],
           "params": {"CM_ID": "0"}, "backup_file": "/home/tibero/tibero7/config/cm_tibero1.tip.4242.2026-01-01@10:00:00~"}
diff:
  description: The state before and after (C(restarted) true with O(state=restarted)); with O(cm_id) or
    O(remove_cm_id), a list of that and the tip file's diff.
  returned: in diff mode
  type: raw
  sample: {"before": {"state": "stopped"}, "after": {"state": "started"}}
'''

import os
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import KvFileError, edit_file, plan_edit, read_text
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed


def up_db_resources(parsed):
    """Names and statuses of this node's db resources that are up, from ``cmrctl show``."""
    local = cs.local_node(parsed)
    return ['%s (%s)' % (r['name'], r['status']) for r in parsed['resources']
            if r['node'] == local and r['type'] == 'db' and cs.is_up(r['status'], on_any_node=True)]


class CMService(object):
    def __init__(self, module):
        self.module = module
        self.runner = tc.make_runner(module)
        self.cmrctl = tc.tibero_tool(module, 'cmrctl')
        self.tbcm = tc.tibero_tool(module, 'tbcm')

    def read(self):
        """(state, parsed show or None): running when ``cmrctl show`` answers with a node table."""
        parsed = tc.read_show(self.runner, self.cmrctl, [], cs.parse_nodes, down_ok=True)
        return ('stopped' if parsed is None else 'started'), parsed

    def run(self):
        want = self.module.params['state']
        before, parsed = self.read()
        stop = before == 'started' and want in ('stopped', 'restarted')
        start = want == 'restarted' or (before == 'stopped' and want == 'started')
        if stop and not self.module.params['force']:
            busy = up_db_resources(parsed)
            if busy:
                self.module.fail_json(
                    msg='the CM manages DB instance(s) that are up on this node: %s. tbcm -d would take them down '
                        'ABNORMAL; stop them first (tibero.cm.tibero_instance state=stopped) or set force=true'
                        % ', '.join(busy), commands=[])
        if stop:
            self.step([self.tbcm, '-d'], 'stopped')
        # The tip is edited where the CM is down (or planned down in check mode), just before tbcm -b reads it.
        tip = self.edit_tip('stopped' if stop else before) if self.tip_wanted() else None
        if start:
            self.step(self.start_argv(), 'started')
        after = 'stopped' if want == 'stopped' else 'started'
        result = dict(changed=stop or start or bool(tip and tip['changed']), commands=self.runner.commands,
                      state=after, tip=tip)
        if self.module._diff:
            view = dict(state=after, restarted=True) if want == 'restarted' else dict(state=after)
            result['diff'] = tc.result_diff(dict(state=before), view)
            if tip is not None:
                result['diff'] = [result['diff'], tip.pop('diff')]
        self.module.exit_json(**result)

    def step(self, argv, state):
        """Run ``argv`` (only plan it in check mode) and wait until ``cmrctl show`` finds the CM ``state``."""
        if self.module.check_mode:
            self.runner.plan(argv)
        else:
            self.change(argv, state)

    def tip_wanted(self):
        return self.module.params['cm_id'] is not None or self.module.params['remove_cm_id']

    def edit_tip(self, cm_state):
        """CM_ID set at the top of the CM tip, or removed (backup kept), for the next tbcm -b to read; refused
        while the CM runs (``cm_state``), since a running CM keeps the CM_ID it started with (vendor facts TB-2)."""
        params = self.module.params
        path = tc.tip_path(params['tb_home'], params['cm_sid'])
        if params['remove_cm_id']:
            wanted, state, what = {'CM_ID': ''}, 'absent', 'removes CM_ID from'
        else:
            wanted, state, what = {'CM_ID': str(params['cm_id'])}, 'present', 'sets CM_ID=%s in' % params['cm_id']
        if not os.path.isfile(path):
            self.module.fail_json(msg='the CM tip %s does not exist: tbcm -b could not start the CM %s either'
                                  % (path, params['cm_sid']), commands=self.runner.commands,
                                  changed=bool(self.runner.commands) and not self.module.check_mode)
        try:
            if cm_state == 'started' and not self.module.check_mode:
                text = read_text(path)[0]
                if plan_edit(text, wanted, state, insert='top', uncomment=True)[0].render() != text:
                    self.module.fail_json(
                        msg='the CM %s runs: a change that %s its tip %s would not reach it (a running CM keeps the '
                            'CM_ID it started with). Stop it first (tbdown, then state=stopped), or use '
                            'state=restarted; nothing was changed' % (params['cm_sid'], what, path),
                        commands=self.runner.commands)
            tip, dummy = edit_file(self.module, path, wanted, state, insert='top', backup=True, uncomment=True)
        except KvFileError as exc:
            self.module.fail_json(msg='cannot edit CM_ID in the CM tip (the CM is %s): %s' % (cm_state, exc),
                                  commands=self.runner.commands,
                                  changed=bool(self.runner.commands) and not self.module.check_mode)
        del tip['commands'], tip['restart_required']
        return tip

    def start_argv(self):
        """``env -i <login environment> tbcm -b``: the daemon and its agent scripts get exactly that."""
        env = tc.login_env(self.module.params, pwd.getpwuid(os.geteuid()), extra=self.module.params['daemon_env'])
        return tc.env_argv(self.module.get_bin_path('env', required=True), env, [self.tbcm, '-b'])

    def change(self, argv, want):
        rc, out, err = self.runner.run(argv)
        if tc.STARTUP_FAILED in out or tc.STARTUP_FAILED in err:
            raise CommandFailed('%s reported a failed startup' % ' '.join(argv), argv, rc, out, err)
        state = tc.poll(lambda: self.read()[0], lambda s: s == want, self.module.params['wait_timeout'])
        if state != want:
            self.module.fail_json(msg='%s succeeded but cmrctl show still finds the CM %s after %s seconds'
                                  % (' '.join(argv), state, self.module.params['wait_timeout']),
                                  cmd=argv, rc=rc, stdout=out, stderr=err, commands=self.runner.commands,
                                  changed=True)


def main():
    argument_spec = tc.tibero_argument_spec(tb_sid=True)
    argument_spec.update(
        daemon_env=dict(type='dict', default={}),
        state=dict(type='str', default='started', choices=['started', 'stopped', 'restarted']),
        cm_id=dict(type='int'),
        remove_cm_id=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=30),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problem = tc.env_problem(params['daemon_env'])
    # Not AnsibleModule's mutually_exclusive: that counts remove_cm_id=false as given.
    if params['cm_id'] is not None and params['remove_cm_id']:
        problem = problem or 'cm_id and remove_cm_id=true exclude each other: set CM_ID or remove it'
    if (params['cm_id'] is not None or params['remove_cm_id']) and params['state'] == 'stopped':
        problem = problem or ('cm_id and remove_cm_id go with state=started or restarted (the CM reads its tip at '
                              'tbcm -b)')
    tc.run_module(module, CMService, problem)


if __name__ == '__main__':
    main()
