# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The skeleton the ``cmrctl_*`` resource modules share (cmrctl_group, cmrctl_agent, cmrctl_service).

Read the resource once from ``cmrctl show``, plan the actions that take it to the wanted state, run them
(in check mode only record them), confirm by reading ``cmrctl show`` again, and return ``changed``,
``commands``, the resource and ``diff``. No public sample shows what most ``cmrctl`` commands print
(vendor-facts CMR-9), so a step is decided by its exit code and the state read again, each step before
the next; a success text is required only where a vendor document shows it (CMR-8).

A module subclasses ``CmResource`` and declares its state (``read``), its plan, its argv and its
messages; the lifecycle of a group or an agent (add / start / stop / del, replace while down) is
``plan_lifecycle``, ``predict_lifecycle`` and ``CmResource.confirm``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc

# The texts the ProSync CM failover guide shows (vendor-facts CMR-8).
ADD_SUCCESS = 'Resource add success!'
START_GROUP_SUCCESS = 'SUCCESS!'
# The state each lifecycle action leaves a resource in, read again after it.
ACTION_STATE = {'add': 'present', 'del': 'absent', 'start': 'started', 'stop': 'stopped'}
LIFECYCLE_STATES = ('present', 'absent', 'started', 'stopped')


class PlanError(Exception):
    """The wanted state cannot be reached safely; the message says why and what to do."""

    def __init__(self, msg, differences=None):
        super(PlanError, self).__init__(msg)
        self.differences = differences or []


def argument_spec(states=LIFECYCLE_STATES, **options):
    """The options every resource module has (``name``, ``state``, ``replace``, and ``wait_timeout`` when it
    starts and stops), the Tibero ones, then ``options``."""
    spec = tc.tibero_argument_spec()
    spec.update(name=dict(type='str', required=True), replace=dict(type='bool', default=False),
                state=dict(type='str', default='present', choices=list(states)))
    if 'started' in states:
        spec['wait_timeout'] = dict(type='int', default=60)
    spec.update(options)
    return spec


# ---------------------------------------------------------------------------------------------------
# pure functions: the lifecycle of a group or an agent


def row_state(row, name, **fields):
    """A group or agent row as {name, state (started|stopped), status, **fields}; {name, state: absent}
    without a row. Started means up on any node (``UP(R)`` included)."""
    if row is None:
        return dict(name=name, state='absent')
    state = dict(name=name, state='started' if cs.is_up(row['status'], on_any_node=True) else 'stopped',
                 status=row['status'])
    state.update(fields)
    return state


def reached(resource, state):
    """Whether ``resource`` (``row_state``) is in ``state``; ``present`` is any existing state."""
    if state == 'present':
        return resource['state'] != 'absent'
    return resource['state'] == state


def describe(diffs, unknown):
    """'key is <have>, wanted <want>, ...' for [(key, have, want)]; booleans as ON/OFF, None as ``unknown``."""
    def word(value):
        if isinstance(value, bool):
            return 'ON' if value else 'OFF'
        return unknown if value is None else value
    return ', '.join('%s is %s, wanted %s' % (key, word(have), word(want)) for key, have, want in diffs)


def plan_lifecycle(kind, current, name, state, replace, differences, add_problem=None, start_problem=None):
    """Actions ('add', 'start', 'stop', 'del') that take ``current`` to ``state``; PlanError if unsafe.

    An existing resource with other settings (``differences()``: [(key, have, want)]) is deleted and added
    again only with ``replace`` and while it is down. ``add_problem`` / ``start_problem``: why it cannot be
    added / started (raised only when needed).
    """
    exists = current['state'] != 'absent'
    running = current['state'] == 'started'
    if state == 'absent':
        return (['stop'] if running else []) + (['del'] if exists else [])
    actions = []
    diffs = differences() if exists else []
    if diffs:
        describe_diffs = describe(diffs, 'unknown')
        if not replace:
            raise PlanError('%s %s exists with other settings (%s); set replace=true to delete and add it '
                            'again (it must be down), or change the task to match' % (kind, name, describe_diffs))
        if running:
            raise PlanError('%s %s must be replaced (%s) but it is up; stop it first (state=stopped), then run '
                            'again with replace=true' % (kind, name, describe_diffs))
        actions.append('del')
        exists = False
    if not exists:
        if add_problem:
            raise PlanError(add_problem)
        actions.append('add')
    if state == 'started' and not running:
        if start_problem:
            raise PlanError(start_problem)
        actions.append('start')
    if state == 'stopped' and running:
        actions.append('stop')
    return actions


def predict_lifecycle(current, state, actions, added):
    """The resource after ``actions`` (check mode and the diff's 'after'); ``added`` is a new one, down."""
    if state == 'absent':
        return dict(name=current['name'], state='absent')
    after = dict(added, state='stopped', status='DOWN') if 'add' in actions else dict(current)
    if 'start' in actions:
        after.update(state='started', status='UP')
    if 'stop' in actions:
        after.update(state='stopped', status='DOWN')
    return after


# ---------------------------------------------------------------------------------------------------
# the skeleton


class CmResource(object):
    """read -> plan -> run (or plan, in check mode) -> confirm -> result, for one ``cmrctl`` resource.

    A subclass sets ``kind`` (the resource type, also the result key), ``wanted`` (the params that make
    ``self.want``) and ``markers`` (action -> success text, CMR-8 only), and defines ``read()`` (the
    resource, from ``cmrctl show``), ``plan(current)``, ``argv(action)``, ``predicted(current, actions)``
    and ``diff_view(resource)``; the other methods are hooks with a default.
    """

    kind = None
    wanted = ('name',)
    markers = {}
    local_node = members = members_text = None
    # (argv, rc, stdout, stderr) of the last step run, for a failure that says what it printed.
    last_step = None

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.runner = tc.make_runner(module)
        self.cmrctl = tc.tibero_tool(module, 'cmrctl')
        self.want = dict((k, self.params[k]) for k in self.wanted)

    @classmethod
    def main(cls, module, problem=None):
        """Check the input (``problem``: a message found by the module), then run (tc.run_module)."""
        tc.run_module(module, cls, problem)

    def run(self):
        state = self.params['state']
        current = self.read_current()
        try:
            actions = self.plan(current)
        except PlanError as exc:
            self.module.fail_json(msg=str(exc), commands=[], **self.refused(current, exc))
        result = dict(changed=bool(actions), commands=self.runner.commands, **self.facts(current, actions))
        after = self.predicted(current, actions)
        if self.module.check_mode:
            for action in actions:
                self.runner.plan(self.argv(action))
        else:
            for index, action in enumerate(actions):
                argv = self.argv(action)
                self.last_step = (argv,) + self.runner.run(argv, success_marker=self.markers.get(self.verb(action)))
                if index + 1 < len(actions):
                    # Each step's effect is read back before the next one runs (a stop before a del, a
                    # del before the add of a replace); one that is not visible stops the run.
                    self.confirm_step(action)
            if actions:
                after = self.confirmed(after, self.confirm(state, actions))
            self.finish(actions, result)
        result[self.kind] = after
        if self.module._diff:
            result['diff'] = tc.result_diff(self.diff_view(current), self.diff_view(after))
        self.module.exit_json(**result)

    # hooks

    def read_current(self):
        """The resource before the run (and whatever the plan needs besides)."""
        return self.read()

    def refused(self, current, exc):
        """What a PlanError failure returns besides msg and commands."""
        return {self.kind: current}

    def facts(self, current, actions):
        """What the result carries besides changed, commands, the resource and diff."""
        return {}

    def verb(self, action):
        return action

    def confirmed(self, predicted, confirmed):
        """The resource the result returns after a run: the one read again."""
        return confirmed

    def finish(self, actions, result):
        """After the run and its confirmation (not in check mode)."""

    def confirm_step(self, action):
        """Read the resource again after ``action``, one step of several; fail if its effect is not visible."""
        self.confirm(ACTION_STATE[action], [action])

    def failure_hint(self, resource, state):
        """Text added to the message when ``resource`` did not reach ``state``."""
        return ''

    def group_members(self, group):
        """The agents ``cmrctl show group --name <group>`` lists on this node (read at most once a run).

        Read only when this node's ``cmrctl show`` cannot tell (its cluster has several groups here). Its
        format is not public (vendor-facts CMR-7): any other output stops the run with the raw text.
        """
        if self.members is None:
            parsed, self.members_text = tc.read_show(self.runner, self.cmrctl, ['group', '--name', group],
                                                     lambda out: (cs.parse_group_info(out), out))
            self.members = cs.group_agents_of_node(parsed, self.local_node)
        return self.members

    def confirm(self, state, actions):
        """Read the resource again (until it is in ``state`` after a start or stop); fail if it is not."""
        timeout = self.params['wait_timeout'] if ('start' in actions or 'stop' in actions) else 0
        resource = tc.poll(self.read, lambda r: reached(r, state), timeout)
        if not reached(resource, state):
            self.module.fail_json(msg='%s %s is %s after %s, wanted %s%s'
                                  % (self.kind, self.params['name'], resource.get('status', 'absent'),
                                     ', '.join(actions) or 'no change', state, self.failure_hint(resource, state)),
                                  commands=self.runner.commands, changed=True, **{self.kind: resource})
        return resource
