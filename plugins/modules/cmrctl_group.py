#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cmrctl_group
short_description: Manage a Tibero Cluster Manager group resource (for example a ProSync CM group)
version_added: 0.1.0
description:
  - Adds, starts, stops and deletes a CM C(group) resource with C(cmrctl), idempotently.
  - The current state is read from C(cmrctl show) on this node (the group's row), never from error
    texts; only the commands that make a difference are run, and the state is read again to confirm.
  - This node's agents of the group are read from the same C(cmrctl show) when the group is the only one
    of its cluster on this node (every agent belongs to a group of its node and cluster). Otherwise which
    agents are the group's is read once from C(cmrctl show group --name); its format is not public, so
    any output other than the expected C(Group Resource Info) block with an C(AGENT LIST) stops the
    run with the raw output. A converged group costs one read.
  - Success is decided by the exit code and by reading C(cmrctl show) again; only the texts a vendor
    document shows are required (C(Resource add success!) after an add, C(SUCCESS!) after C(start group)).
  - O(state=started) adds and starts in one run; O(state=absent) stops, then deletes.
  - A group is cluster-wide, so run the module on one node of the cluster (C(run_once)).
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  name:
    description:
      - Name of the group resource (C(--name)), for example C(CM1).
      - Letters, digits, C(_), C(.) and C(-), not starting with C(-), at most 64 characters (the same for O(cname) and O(grptype));
        anything else fails before any command runs.
    type: str
    required: true
  cname:
    description:
      - Cluster resource the group belongs to (C(--cname)), for example C(cls_tibero).
      - Required to add the group; when given, compared with the existing group.
    type: str
  grptype:
    description: Group type (C(--grptype)). ProSync CM failover uses C(prosync).
    type: str
    default: prosync
  failover:
    description: Whether the CM fails the group's work over to other nodes when an agent is lost (C(--failover)).
    type: bool
    default: true
  state:
    description:
      - V(present) the group exists (a new one is left down); V(started) it exists and is up;
        V(stopped) it exists and is down; V(absent) it does not exist (stopped first if it was up).
    type: str
    choices: [present, absent, started, stopped]
    default: present
  replace:
    description:
      - When the existing group's O(cname), O(grptype) or O(failover) differ from the wanted ones, delete
        it and add it again with the wanted settings. Only done while the group is down.
      - Without it, such a difference fails the task with a message that names every difference.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait, after a start or stop, for the group (and this node's agents of the group) to
        reach the wanted status in C(cmrctl show).
    type: int
    default: 60
attributes:
  check_mode:
    support: full
    details: The commands that would run are returned in RV(commands); nothing is changed.
  diff_mode:
    support: full
notes:
  - After a start, every agent of the group on this node must come C(UP) within O(wait_timeout); an agent
    still C(DOWN) fails the task (its script and C(start retry cnt) are in the message). A common cause is
    an agent script without a bash shebang (C(source) is unknown to C(/bin/sh), so the CM gets exit code 127), or a
    ProSync CM tip without C(CM_ID). When the group was already up and nothing was run, a C(DOWN) agent
    on this node is only reported as a warning (it may have failed over on purpose).
  - A group that still has agents cannot be deleted by C(cmrctl); remove them first with M(tibero.cm.cmrctl_agent).
seealso:
  - module: tibero.cm.cmrctl_agent
  - module: tibero.cm.cmrctl_info
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Register and start the ProSync CM group of the source cluster
  tibero.cm.cmrctl_group:
    name: CM1
    cname: cls_tibero
    grptype: prosync
    failover: true
    state: started
  run_once: true
  become: true
  become_user: tibero

- name: Remove the group (stops it first)
  tibero.cm.cmrctl_group:
    name: CM1
    state: absent
    tb_home: /home/tibero/tibero7
    cm_sid: cm_tibero1
'''

RETURN = r'''
commands:
  description: The C(cmrctl) argv lists run (planned, in check mode), in order. Read-only C(show) calls are not listed.
  returned: always
  type: list
  elements: list
  sample: [["/home/tibero/tibero7/bin/cmrctl", "add", "group", "--name", "CM1", "--cname", "cls_tibero",
            "--grptype", "prosync", "--failover", "true"],
           ["/home/tibero/tibero7/bin/cmrctl", "start", "group", "--name", "CM1"]]
group:
  description: The group as C(cmrctl show) lists it after the run (predicted in check mode); C(state) is V(absent) when it does not exist.
  returned: always
  type: dict
  sample: {"name": "CM1", "state": "started", "status": "UP", "cname": "cls_tibero", "grptype": "prosync", "failover": true}
agents:
  description: This node's agents of the group (name, status, detail from C(cmrctl show); which agents are the
    group's from C(cmrctl show group --name) when the group's cluster has other groups on this node).
  returned: when O(state=started) and not in check mode
  type: list
  elements: dict
  sample: [{"name": "agent1", "status": "UP", "detail": "/home/prosync/bin/prs_0.sh, start retry cnt: 0"}]
diff:
  description: The group before and after (O(state), O(cname), O(grptype), O(failover)).
  returned: in diff mode
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import cm_resource as cr
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc

PlanError = cr.PlanError


# ---------------------------------------------------------------------------------------------------
# pure functions: state from `cmrctl show`, plan, argv


def group_state(parsed, name):
    """The group as the local node's table lists it: {name, state, status, cname, grptype, failover}."""
    row = cs.find_resource(parsed['resources'], 'group', name)
    if row is None:
        return cr.row_state(None, name)
    detail = cs.parse_group_detail(row['detail']) or {}
    return cr.row_state(row, name, cname=row['cluster'], grptype=detail.get('grptype'), failover=detail.get('failover'))


def setting_differences(current, want):
    """[(option, current value, wanted value)] for cname / grptype / failover that differ."""
    diffs = []
    if want.get('cname') is not None and current.get('cname') != want['cname']:
        diffs.append(('cname', current.get('cname'), want['cname']))
    if (current.get('grptype') or '').lower() != want['grptype'].lower():
        diffs.append(('grptype', current.get('grptype'), want['grptype']))
    if current.get('failover') is not want['failover']:
        diffs.append(('failover', current.get('failover'), want['failover']))
    return diffs


def plan(current, want, state, replace):
    """Actions ('add', 'start', 'stop', 'del') that take ``current`` to ``state``; PlanError if unsafe."""
    return cr.plan_lifecycle('group', current, want['name'], state, replace, lambda: setting_differences(current, want),
                             add_problem=None if want.get('cname') else
                             'group %s does not exist: cname is required to add it' % want['name'])


def action_argv(cmrctl, action, want):
    """The cmrctl argv of one action."""
    if action == 'add':
        return [cmrctl, 'add', 'group', '--name', want['name'], '--cname', want['cname'],
                '--grptype', want['grptype'], '--failover', 'true' if want['failover'] else 'false']
    return [cmrctl, action, 'group', '--name', want['name']]


def local_agents(parsed, cluster, names=None):
    """The agent rows of cluster ``cluster`` in a ``parse_local`` result (only those in ``names`` if given)."""
    return [dict(name=r['name'], status=r['status'], detail=r['detail'])
            for r in parsed['resources']
            if r['type'] == 'agent' and r['cluster'] == cluster and (names is None or r['name'] in names)]


def agents_down(agents):
    return [a for a in agents if not cs.is_up(a['status'], on_any_node=True)]


def describe_down_agents(name, agents):
    parts = []
    for agent in agents:
        detail = cs.parse_agent_detail(agent['detail']) or {}
        parts.append('%s is %s (script %s, start retry cnt %s)'
                     % (agent['name'], agent['status'], detail.get('script', agent['detail']),
                        detail.get('start_retry_cnt', '?')))
    return ('group %s is up but on this node %s. Check that the script starts with #!/bin/bash (exit code 127 '
            'under /bin/sh), that the CM tip has CM_ID, and $PRS_HOME/var/cmagent.log'
            % (name, '; '.join(parts)))


# ---------------------------------------------------------------------------------------------------
# module


class Group(cr.CmResource):
    kind = 'group'
    wanted = ('name', 'cname', 'grptype', 'failover')
    # No public sample shows what `del group` or `stop group` print (CMR-9).
    markers = {'add': cr.ADD_SUCCESS, 'start': cr.START_GROUP_SUCCESS}

    def read(self):
        self.shown = tc.read_show(self.runner, self.cmrctl, [], cs.parse_local)
        self.local_node = self.shown['nodes'][0]
        return group_state(self.shown, self.params['name'])

    def plan(self, current):
        return plan(current, self.want, self.params['state'], self.params['replace'])

    def argv(self, action):
        return action_argv(self.cmrctl, action, self.want)

    def predicted(self, current, actions):
        return cr.predict_lifecycle(current, self.params['state'], actions, self.want)

    def diff_view(self, group):
        return dict((k, group[k]) for k in ('state', 'cname', 'grptype', 'failover') if k in group)

    def group_cluster(self):
        row = cs.find_resource(self.shown['resources'], 'group', self.params['name'])
        return row['cluster'] if row else None

    def member_names(self):
        """None when ``cmrctl show`` tells the group's agents of this node (the group is its cluster's
        only one here), else the names ``cmrctl show group --name`` lists for this node (read once)."""
        if cs.local_group_names(self.shown, self.group_cluster()) == [self.params['name']]:
            return None
        return self.group_members(self.params['name'])

    def current_agents(self):
        """This node's agents of the group, from the last ``cmrctl show``."""
        names = self.member_names()
        agents = local_agents(self.shown, self.group_cluster(), names)
        unknown = sorted(set(names or []) - set(a['name'] for a in agents))
        if unknown:
            self.module.fail_json(msg='cmrctl show group --name %s lists agent(s) %s on this node (%s), but cmrctl '
                                  'show does not: unexpected output, nothing more was run'
                                  % (self.params['name'], ', '.join(unknown), self.local_node),
                                  commands=self.runner.commands, stdout=self.members_text)
        return agents

    def read_agents(self):
        self.read()
        return self.current_agents()

    def finish(self, actions, result):
        """This node's agents of a started group must be UP: fail after our start, warn otherwise."""
        if self.params['state'] != 'started':
            return
        started_now = 'start' in actions
        timeout = self.params['wait_timeout'] if started_now else 0
        # The last `cmrctl show` answers: no new command unless an agent we just started is still coming up.
        agents = self.current_agents()
        if agents_down(agents) and timeout > 0:
            agents = tc.poll(self.read_agents, lambda a: not agents_down(a), timeout)
        result['agents'] = agents
        down = agents_down(agents)
        if down and started_now:
            self.module.fail_json(msg=describe_down_agents(self.params['name'], down), agents=agents,
                                  commands=self.runner.commands, changed=True)
        if down:
            self.module.warn(describe_down_agents(self.params['name'], down))


def main():
    module = AnsibleModule(argument_spec=cr.argument_spec(cname=dict(type='str'), failover=dict(type='bool', default=True),
                                                          grptype=dict(type='str', default='prosync')),
                           supports_check_mode=True)
    Group.main(module, tc.resource_name_problem(module.params, 'name', 'cname', 'grptype'))


if __name__ == '__main__':
    main()
