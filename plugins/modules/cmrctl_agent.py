#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cmrctl_agent
short_description: Manage a Tibero Cluster Manager agent resource (for example a ProSync agent under CM)
version_added: 0.1.0
description:
  - Adds, starts, stops and deletes a CM C(agent) resource of this node with C(cmrctl), idempotently.
  - Run it on the node the agent belongs to. The state is read from this node's table of C(cmrctl show);
    only the commands that make a difference are run, and the state is read again to confirm.
  - Which group an existing agent is in is read from the same C(cmrctl show); an agent is always in a group of
    its node and cluster, so when its cluster has one group on this node, it is that one (one read for a
    converged agent). Only when that cluster has several groups here is C(cmrctl show group --name) read;
    its format is not public, so any output other than the expected C(Group Resource Info) block with an
    C(AGENT LIST) stops the run with the raw output, before any change.
  - Success is decided by the exit code and by reading C(cmrctl show) again; only C(Resource add success!)
    after an add is required (the ProSync CM failover guide shows it; the other outputs are not public).
  - O(state=started) adds and starts in one run; O(state=absent) stops, then deletes.
  - Before anything is run, the agent script is checked the way the CM will run it. It must exist, be
    executable, and start with a bash shebang (C(#!/bin/bash), C(#!/usr/bin/env bash), C(#!/bin/bash -x)...).
    The ProSync script loads C(prs_cm.sh) with C(source), which C(/bin/sh) (dash) does not know, so the CM
    would get exit code 127 (the ProSync CM failover guide, step 2).
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  name:
    description:
      - Name of the agent resource (C(--name)), for example C(agent1).
      - Letters, digits, C(_), C(.) and C(-), not starting with C(-), at most 64 characters (the same for O(grpname) and O(pubnet));
        anything else fails before any command runs.
    type: str
    required: true
  grpname:
    description:
      - Group the agent belongs to (C(--grpname)); the group must exist (see M(tibero.cm.cmrctl_group)).
      - Required unless O(state=absent). Compared with the existing agent's group (see the description).
    type: str
  script:
    description:
      - Absolute path of the agent script on this node (C(--script)), for example C($PRS_HOME/bin/prs_0.sh).
      - Required unless O(state=absent). Compared with the script C(cmrctl show) lists for the agent.
    type: path
  pubnet:
    description: Public network resource the agent depends on (C(--pubnet)). Only used when the agent is added.
    type: str
  retry_cnt:
    description:
      - How many failed starts the CM retries before it gives the agent up (C(--retry_cnt)).
      - Only used when the agent is added. C(cmrctl show) does not print it and no public C(cmrctl) command
        changes it (docs/vendor-facts.md CMR-12), so an existing agent is compared only through O(retry_cnt_record).
    type: int
    default: 3
  retry_cnt_record:
    description:
      - A file on this node where the module records the O(retry_cnt) the agent was registered with (written
        after a confirmed add, removed after a delete). When the agent exists and the record names another
        value, that is a difference like O(script)'s - the agent is deleted and added again with O(replace)
        while it is down, and the task fails without it.
      - An existing agent without a record (registered before the record existed, or by hand) cannot be
        compared - the module warns, assumes O(retry_cnt) and records it.
    type: path
    version_added: 0.2.0
  state:
    description:
      - V(present) the agent exists; V(started) it exists and is up on this node; V(stopped) it exists
        and is down; V(absent) it does not exist (stopped first if it was up).
      - An agent runs only inside a started group; V(started) fails with a clear message when the group is down.
    type: str
    choices: [present, absent, started, stopped]
    default: present
  replace:
    description:
      - When the existing agent's O(script) or O(grpname) differ, delete it and add it again. Only done while
        the agent is down. Without it, such a difference fails the task and names the difference.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait, after a start or stop, for the agent to reach the wanted status.
    type: int
    default: 60
  start_wait:
    description:
      - With O(state=started) - seconds to read this node's C(cmrctl show) again while the agent is down in its
        started group, before starting it. A group start (M(tibero.cm.cmrctl_group), possibly on another node)
        starts every node's agent, and an agent it is still starting is not started a second time; one still
        down after this wait (CM gave it up after its retries, docs/vendor-facts.md CMR-13) is started.
      - V(0) (the default) starts a down agent at once. Not waited in check mode, which changed nothing to wait for.
    type: int
    default: 0
    version_added: 0.2.0
  prepared_by_run:
    description:
      - In check mode only - the script and the group are laid down by earlier tasks of the same run, which
        check mode only planned. A script that does not exist yet and a group that is not registered yet are
        then planned with a warning instead of failing the task. Ignored outside check mode, where both
        must exist.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: The script is checked and the commands that would run are returned in RV(commands).
  diff_mode:
    support: full
notes:
  - The script is checked as the user the module runs as; run it as the CM's OS user (the one that runs
    C(tbcm)), since the CM runs the script as that user.
seealso:
  - module: tibero.cm.cmrctl_group
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Register this node's ProSync agent in group CM1
  tibero.cm.cmrctl_agent:
    name: agent1
    grpname: CM1
    script: /home/prosync/example/bin/prs_0.sh
    retry_cnt: 3
    state: present
  become: true
  become_user: tibero

- name: Restart a given-up agent inside the running group
  tibero.cm.cmrctl_agent:
    name: agent1
    grpname: CM1
    script: /home/prosync/example/bin/prs_0.sh
    state: started

- name: After a group start - wait up to 10 s for the group to bring the agent up, then start it if still down
  tibero.cm.cmrctl_agent:
    name: agent1
    grpname: CM1
    script: /home/prosync/example/bin/prs_0.sh
    state: started
    start_wait: 10
'''

RETURN = r'''
commands:
  description: The C(cmrctl) argv lists run (planned, in check mode), in order. Read-only C(show) calls are not listed.
  returned: always
  type: list
  elements: list
  sample: [["/home/tibero/tibero7/bin/cmrctl", "add", "agent", "--name", "agent1", "--grpname", "CM1",
            "--script", "/home/prosync/example/bin/prs_0.sh", "--retry_cnt", "3"]]
agent:
  description: The agent as this node's C(cmrctl show) lists it after the run (predicted in check mode).
  returned: always
  type: dict
  sample: {"name": "agent1", "state": "started", "status": "UP", "script": "/home/prosync/example/bin/prs_0.sh",
           "start_retry_cnt": 0}
diff:
  description: The agent before and after (state, script, grpname).
  returned: in diff mode
  type: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import cm_resource as cr
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc
from ansible_collections.tibero.cm.plugins.module_utils.agent_script import script_problem
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import write_state_file

PlanError = cr.PlanError


def agent_state(parsed, name):
    """The agent as the local node's table (``parse_local``) lists it: {name, state, status, script, start_retry_cnt}."""
    row = cs.find_resource(parsed['resources'], 'agent', name)
    if row is None:
        return cr.row_state(None, name)
    detail = cs.parse_agent_detail(row['detail']) or dict(script=row['detail'], start_retry_cnt=None)
    return cr.row_state(row, name, script=detail['script'], start_retry_cnt=detail['start_retry_cnt'])


def grpname_from_tables(parsed, name, grpname):
    """The group of existing agent ``name`` as far as the local node table tells, or None when it cannot.

    The agent is in a group of its own cluster on this node: the only one, or not ``grpname`` when
    ``grpname`` is not one of them ('another group'). None when ``grpname`` is one of several.
    """
    row = cs.find_resource(parsed['resources'], 'agent', name)
    groups = cs.local_group_names(parsed, row['cluster'])
    if len(groups) == 1:
        return groups[0]
    if grpname not in groups:
        return 'another group'
    return None


def group_running(parsed, grpname):
    """None when the local node does not list group ``grpname``, else whether it is started."""
    row = cs.find_resource(parsed['resources'], 'group', grpname)
    return None if row is None else cs.is_up(row['status'], on_any_node=True)


def read_record(path):
    """The retry_cnt a record file holds, or None (no file, or not a number: unknown, never guessed)."""
    try:
        with open(path) as handle:
            text = handle.read().strip()
    except (IOError, OSError):
        return None
    return int(text) if text.isdigit() else None


def setting_differences(current, want):
    """[(option, current value, wanted value)] for script / grpname / recorded retry_cnt that differ (when known)."""
    diffs = []
    if current.get('retry_cnt') is not None and current['retry_cnt'] != want['retry_cnt']:
        diffs.append(('retry_cnt', current['retry_cnt'], want['retry_cnt']))
    if os.path.normpath(current.get('script') or '') != os.path.normpath(want['script']):
        diffs.append(('script', current.get('script'), want['script']))
    if current.get('grpname') is not None and current['grpname'] != want['grpname']:
        diffs.append(('grpname', current['grpname'], want['grpname']))
    return diffs


def plan(current, want, state, replace, group_is_running):
    """Actions ('add', 'start', 'stop', 'del') taking ``current`` to ``state``; PlanError if unsafe.

    ``group_is_running``: None when the group does not exist on this node, else True/False.
    """
    return cr.plan_lifecycle(
        'agent', current, want['name'], state, replace, lambda: setting_differences(current, want),
        add_problem=None if group_is_running is not None else
        'group %s does not exist on this node: add it first (tibero.cm.cmrctl_group)' % want['grpname'],
        start_problem=None if group_is_running else
        'agent %s can only run inside a started group, and group %s is down: start it with '
        'tibero.cm.cmrctl_group state=started' % (want['name'], want['grpname']))


def action_argv(cmrctl, action, want):
    """The cmrctl argv of one action."""
    if action != 'add':
        return [cmrctl, action, 'agent', '--name', want['name']]
    argv = [cmrctl, 'add', 'agent', '--name', want['name'], '--grpname', want['grpname'], '--script', want['script']]
    if want.get('pubnet'):
        argv += ['--pubnet', want['pubnet']]
    return argv + ['--retry_cnt', str(want['retry_cnt'])]


# ---------------------------------------------------------------------------------------------------
# module


class Agent(cr.CmResource):
    kind = 'agent'
    wanted = ('name', 'grpname', 'script', 'pubnet', 'retry_cnt')
    # What `del agent` and `start|stop agent` print is not public (CMR-9).
    markers = {'add': cr.ADD_SUCCESS}

    def read(self):
        """The agent from this node's ``cmrctl show``; its group's state in ``group_is_running`` (None: absent)."""
        self.shown = tc.read_show(self.runner, self.cmrctl, [], cs.parse_local)
        self.local_node = self.shown['nodes'][0]
        self.group_is_running = group_running(self.shown, self.params['grpname'])
        return agent_state(self.shown, self.params['name'])

    def read_current(self):
        """Check the script, read the agent, and which group it is in."""
        state = self.params['state']
        # A --check run of a whole rollout has only planned the script and the group it would register.
        pending = self.module.check_mode and self.params['prepared_by_run']
        if state != 'absent':
            problem = script_problem(self.params['script'])
            if problem and pending and not os.path.lexists(self.params['script']):
                self.module.warn('%s: an earlier task of this run lays it down' % problem)
            elif problem:
                self.module.fail_json(msg=problem, commands=[])
        current = self.read()
        if pending and self.group_is_running is None:
            self.module.warn('group %s is not registered on this node yet: an earlier task of this run registers it'
                             % self.params['grpname'])
            self.group_is_running = state == 'started'
        if self.waits_for_group_start(current):
            # The group start may still be starting it (CMR-13): read again before starting it ourselves.
            current = tc.poll(self.read, lambda agent: agent['state'] != 'stopped', self.params['start_wait'])
        if state != 'absent' and current['state'] != 'absent' and self.group_is_running is not None:
            current['grpname'] = self.read_grpname()
        record = self.params['retry_cnt_record']
        self.record_missing = False
        if record and state != 'absent' and current['state'] != 'absent':
            current['retry_cnt'] = read_record(record)
            if current['retry_cnt'] is None:
                # cmrctl show does not print it (CMR-12): unknown, so assume the wanted value and record it.
                self.record_missing = True
                self.module.warn('agent %s: the --retry_cnt it was registered with is not recorded in %s; '
                                 'assumed %d' % (self.params['name'], record, self.params['retry_cnt']))
        return current

    def waits_for_group_start(self, current):
        """Down in its started group, to be started, with start_wait: the group start may still bring it up."""
        return (self.params['state'] == 'started' and self.params['start_wait'] > 0 and not self.module.check_mode
                and current['state'] == 'stopped' and bool(self.group_is_running))

    def finish(self, actions, result):
        """Keep the record of the registered --retry_cnt in step with the registration."""
        record = self.params['retry_cnt_record']
        if not record:
            return
        if self.params['state'] == 'absent':
            if 'del' in actions and os.path.exists(record):
                os.unlink(record)
        elif 'add' in actions or self.record_missing:
            write_state_file(record, '%d\n' % self.params['retry_cnt'])

    def read_grpname(self):
        """Which group the existing agent is in: from ``cmrctl show`` when it tells, else whether
        ``cmrctl show group --name <grpname>`` lists the agent on this node."""
        known = grpname_from_tables(self.shown, self.params['name'], self.params['grpname'])
        if known is None:
            listed = self.params['name'] in self.group_members(self.params['grpname'])
            known = self.params['grpname'] if listed else 'another group'
        return known

    def plan(self, current):
        return plan(current, self.want, self.params['state'], self.params['replace'], self.group_is_running)

    def argv(self, action):
        return action_argv(self.cmrctl, action, self.want)

    def predicted(self, current, actions):
        after = cr.predict_lifecycle(current, self.params['state'], actions,
                                     dict(name=self.want['name'], script=self.want['script'], start_retry_cnt=0))
        if self.params['state'] != 'absent' and self.want['grpname']:
            after['grpname'] = self.want['grpname']
        if self.params['state'] != 'absent' and self.params['retry_cnt_record']:
            after['retry_cnt'] = self.want['retry_cnt']
        return after

    def diff_view(self, agent):
        return dict((k, agent[k]) for k in ('state', 'script', 'grpname', 'retry_cnt') if agent.get(k) is not None)

    def failure_hint(self, resource, state):
        if state != 'started':
            return ''
        return ('; start retry cnt %s. Check $PRS_HOME/var/cmagent.log, prs_cm_%s.log and that the CM tip has CM_ID'
                % (resource.get('start_retry_cnt'), self.params['name']))

    def confirm(self, state, actions):
        agent = super(Agent, self).confirm(state, actions)
        if self.params['grpname'] and state != 'absent':
            agent['grpname'] = self.params['grpname']
        if self.params['retry_cnt_record'] and state != 'absent':
            agent['retry_cnt'] = self.want['retry_cnt']
        return agent


def main():
    module = AnsibleModule(
        argument_spec=cr.argument_spec(grpname=dict(type='str'), script=dict(type='path'), pubnet=dict(type='str'),
                                       retry_cnt=dict(type='int', default=3),
                                       retry_cnt_record=dict(type='path'),
                                       start_wait=dict(type='int', default=0),
                                       prepared_by_run=dict(type='bool', default=False)),
        supports_check_mode=True,
        required_if=[('state', state, ('grpname', 'script')) for state in ('present', 'started', 'stopped')],
    )
    retry_cnt = module.params['retry_cnt']
    Agent.main(module, tc.resource_name_problem(module.params, 'name', 'grpname', 'pubnet')
               or ('retry_cnt must be 0 or more, got %d' % retry_cnt if retry_cnt < 0 else None)
               or ('start_wait must be 0 or more, got %d' % module.params['start_wait']
                   if module.params['start_wait'] < 0 else None))


if __name__ == '__main__':
    main()
