#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: tibero_node_info
short_description: Read one Tibero node's live state for a rollout - vendor tools, CM resources, CM tip, restart marker
version_added: 0.2.0
description:
  - In one call, reads what the preflight checks and the C(CM_ID) rollout need on a DB node - which of the vendor
    tools exist (O(tools)), the CM's C(cmrctl show all), the CM tip (and whether setting O(cm_id) at its top would
    change it) and the marker an interrupted restart leaves - and returns the problems that must stop a run before
    any change.
  - Read-only; never reports a change and runs in check mode too. A CM that does not answer, or a tip that
    cannot be read, is a problem in RV(problems), not a task failure, so that every node's problems are
    reported together.
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
options:
  tb_sid:
    description: The DB instance of this node (its C(db) resource name). Required unless O(expect=observer).
    type: str
  cm_id:
    description:
      - The C(CM_ID) this node's CM tip must set (the node's index in its CM group).
      - Omitted on a node where no C(CM_ID) is set (a TSC-only node); the tip is not read, RV(restart_needed)
          then only follows O(marker).
    type: int
  expect:
    description:
      - The state this node is in when it may be changed. V(open) - the DB C(UP(NRML)). V(recovery) - a TSC
          standby, whose DB runs in recovery (C(UP(RECO)), which then is no transition either). V(observer) - a
          TSC observer host - C(cmrctl show) there is read only to say whether the observer runs
          (RV(observer_running)); an observer that does not run is no problem (the TSC steps start it).
    type: str
    choices: [open, recovery, observer]
    default: open
  marker:
    description: The marker an interrupted restart leaves (a node it names may be down on purpose).
    type: path
    required: true
  resume_markers:
    description:
      - Markers of other restarts an interrupted run may have left on this node (the TSC restart); a node
          one of them names may be down on purpose too, but they do not make RV(restart_needed).
    type: list
    elements: path
    default: []
  state_files:
    description:
      - Small state files of the collection on this node (text, at most 64 KiB each) to read back with the rest, so
        that later steps can decide without reading the node again (the roles pass the agent restart marker and
        retry_cnt record, P(tibero.cm.agent_restart_read#filter)). A file that exists but cannot be read fails the
        task, naming it.
    type: list
    elements: path
    default: []
  tools:
    description:
      - Absolute paths of the vendor tools this node must have (the roles pass
        P(tibero.cm.preflight_tools#filter)); those that do not exist are returned in RV(tools_missing), so that
        the first contact with a node also checks its tools.
      - A path whose directory the task's user may not search is not counted as missing (it cannot be told from
        here); the step that runs that tool then fails with the tool's own error.
    type: list
    elements: path
    default: []
  transition_statuses:
    description: Statuses of a resource in transition; any of them on this node is a problem.
    type: list
    elements: str
    default: ['UP(RECO)', 'UP(BOOT)', 'DOWN(RECO)']
  host:
    description: The name this host goes by in messages (the role passes its inventory name).
    type: str
author:
  - tibero.cm contributors (!UNKNOWN)
seealso:
  - module: tibero.cm.cmrctl_info
  - module: tibero.cm.tip_param
'''

EXAMPLES = r'''
- name: Read this node's state
  tibero.cm.tibero_node_info:
    tb_home: /home/tibero/tibero/tibero7
    cm_sid: cm_tibero1
    tb_sid: tibero1
    cm_id: 0
    marker: /var/tmp/tibero_cm/restart-in-progress
  become: true
  become_user: tibero
  register: __node
'''

RETURN = r'''
resources:
  description: The rows of C(cmrctl show all) (empty when the CM did not answer).
  returned: always
  type: list
  elements: dict
show_error:
  description: Why C(cmrctl show all) could not be read, or null.
  returned: always
  type: str
db_status:
  description: The STATUS cells of this node's C(db) resource.
  returned: always
  type: list
  elements: str
  sample: ["UP(NRML)"]
node_up:
  description: The CM answers and this node's DB is C(UP(NRML)).
  returned: always
  type: bool
tip:
  description: The CM tip; C(path), C(cm_id) as set now (or null), C(would_change) (setting O(cm_id) at the top changes it), C(error).
  returned: always
  type: dict
  sample: {"path": "/home/tibero/tibero/tibero7/config/cm_tibero1.tip", "cm_id": null, "would_change": true, "error": null}
marker:
  description: Whether the marker of an interrupted restart exists.
  returned: always
  type: bool
state_files:
  description: Each path of O(state_files) with its text, or null when it does not exist.
  returned: always
  type: dict
  sample: {"/var/tmp/tibero_cm/agent-restart-pending": null, "/var/tmp/tibero_cm/agent-agent1.retry_cnt": "3\n"}
tools_missing:
  description: The paths of O(tools) that do not exist on this node.
  returned: always
  type: list
  elements: str
  sample: ["/usr/bin/script"]
observer_running:
  description: With O(expect=observer), whether the observer answered its C(cmrctl show) with its table; else null.
  returned: always
  type: bool
restart_needed:
  description: The tip must change, or an interrupted restart must be finished.
  returned: always
  type: bool
problems:
  description: 'Every reason this node must not be changed now, as C(<host>: <what is wrong> (rule: <rule>)).'
  returned: always
  type: list
  elements: str
commands:
  description: Always empty (only the read-only C(cmrctl show all) runs).
  returned: always
  type: list
  elements: list
'''

import errno
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import node_state
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc
from ansible_collections.tibero.cm.plugins.module_utils.kvfile import KvFileError, read_state_file
from ansible_collections.tibero.cm.plugins.module_utils.runner import CommandFailed


def main():
    argument_spec = tc.tibero_argument_spec()
    argument_spec.update(
        tb_sid=dict(type='str'),
        cm_id=dict(type='int'),
        expect=dict(type='str', choices=['open', 'recovery', 'observer'], default='open'),
        marker=dict(type='path', required=True),
        resume_markers=dict(type='list', elements='path', default=[]),
        state_files=dict(type='list', elements='path', default=[]),
        tools=dict(type='list', elements='path', default=[]),
        transition_statuses=dict(type='list', elements='str', default=['UP(RECO)', 'UP(BOOT)', 'DOWN(RECO)']),
        host=dict(type='str'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[('expect', 'open', ['tb_sid']), ('expect', 'recovery', ['tb_sid'])])
    tc.require(module, 'tb_home', 'cm_sid')
    params = module.params
    names = ('cm_sid',) if params['expect'] == 'observer' else ('cm_sid', 'tb_sid')
    problem = tc.resource_name_problem(params, *names, what='a CM or DB SID')
    if problem:
        module.fail_json(msg=problem, commands=[])
    host = params['host'] or os.uname()[1]
    runner = tc.make_runner(module)
    cmrctl = tc.tibero_tool(module, 'cmrctl')
    tools_missing = missing_paths(params['tools'])
    if params['expect'] == 'observer':
        observer_info(module, runner, cmrctl, tools_missing)
    resources, show_error = [], None
    try:
        resources = tc.read_show(runner, cmrctl, ['all'], cs.parse_nodes)['resources']
    except CommandFailed as exc:
        show_error = exc.msg
    tip = node_state.tip_plan(tc.tip_path(params['tb_home'], params['cm_sid']),
                              params['cm_id'])
    marker = os.path.exists(params['marker'])
    resuming = any(os.path.exists(path) for path in params['resume_markers'])
    statuses = node_state.db_statuses(resources, params['tb_sid'])
    node_up = node_state.node_up(show_error, statuses, params['expect'])
    if marker and not node_up:
        # Down on purpose: an interrupted run's restart, which this run's restart phase finishes.
        module.warn('%s: CM or DB is down and an interrupted tibero.cm run left the marker %s; '
                    'the restart phase will start it again.' % (host, params['marker']))
    module.exit_json(
        changed=False, commands=[], resources=resources, show_error=show_error, db_status=statuses,
        node_up=node_up, tip=tip, marker=marker, state_files=read_state_files(module, params['state_files']),
        tools_missing=tools_missing, restart_needed=tip['would_change'] or marker, observer_running=None,
        problems=node_state.live_problems(host, params['cm_sid'], params['tb_sid'], show_error, resources,
                                          params['transition_statuses'], tip, marker or resuming,
                                          params['expect']))


def missing_paths(paths):
    """The paths that do not exist; one that cannot be looked at (EACCES on a directory) is not called missing."""
    missing = []
    for path in paths:
        try:
            os.stat(path)
        except (IOError, OSError) as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                missing.append(path)
    return missing


def read_state_files(module, paths):
    """{path: text, or None when absent}; a file that exists but cannot be read (or is too big) fails."""
    try:
        return dict((path, read_state_file(path)) for path in paths)
    except KvFileError as exc:
        module.fail_json(msg=str(exc), commands=[])


def observer_info(module, runner, cmrctl, tools_missing):
    """An observer host: is the observer running? Only its own table answering says so (vendor facts
    TSC-4); any other answer counts as not running and is no problem here."""
    try:
        tc.read_show(runner, cmrctl, [], cs.parse_observer)
        running, show_error = True, None
    except CommandFailed as exc:
        running, show_error = False, exc.msg
    module.exit_json(
        changed=False, commands=[], resources=[], show_error=show_error, db_status=[], node_up=running,
        tip=node_state.tip_plan(None, None), marker=False, state_files={}, tools_missing=tools_missing,
        restart_needed=False, observer_running=running,
        problems=[])


if __name__ == '__main__':
    main()
