# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One node's live state as the rollout needs it, and what in it stops a run.

Pure functions over what ``tibero_node_info`` reads on a node (``cmrctl show all``, the CM tip, the
restart marker of an interrupted run), so the preflight checks and the CM_ID restart decision are
unit-tested without a node. Problem texts follow the model check's form:
``<host>: <what is wrong> (rule: <rule>)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import kvfile

OPEN_STATUS = 'UP(NRML)'


def tip_plan(path, cm_id):
    """{path, cm_id (as set now, or None), would_change, error} of setting CM_ID at the top of a CM tip.

    Any problem reading or planning (missing, binary, CM_ID set twice) is the ``error`` text, never
    an exception: the caller reports it with the other live problems.
    """
    plan = dict(path=path, cm_id=None, would_change=False, error=None)
    try:
        text, dummy = kvfile.read_text(path)
        before = kvfile.KvFile(text, separator='=').get('CM_ID')
        dummy, changes = kvfile.plan_edit(text, {'CM_ID': str(cm_id)}, 'present', insert='top')
    except kvfile.KvFileError as exc:
        # read_text names the file itself; a planning error (CM_ID set twice) does not.
        plan['error'] = str(exc) if path in str(exc) else '%s: %s' % (path, exc)
        return plan
    plan['cm_id'] = None if before is None else kvfile.displayable(kvfile.unquote(before))
    plan['would_change'] = bool(changes)
    return plan


def db_statuses(resources, tb_sid):
    """The STATUS cells of this node's ``db`` resource rows."""
    return [r['status'] for r in resources if r.get('type') == 'db' and r.get('name') == tb_sid]


def node_up(show_error, statuses):
    """The CM answered and this node's DB is open (its only db row is UP(NRML))."""
    return show_error is None and statuses == [OPEN_STATUS]


def in_transition(resources, transition_statuses):
    """Names of the resources whose status is a transition (sorted, unique)."""
    return sorted(set(r['name'] for r in resources if r.get('status') in transition_statuses))


def live_problems(host, cm_sid, tb_sid, show_error, resources, transition_statuses, tip, marker):
    """Every reason this node must not be changed now, as texts (empty: go)."""
    problems = []
    statuses = db_statuses(resources, tb_sid)
    if not node_up(show_error, statuses) and not marker:
        problems.append('%s: CM %s does not answer or DB %s is not %s: %s (rule: CM and DB up before any change)'
                        % (host, cm_sid, tb_sid, OPEN_STATUS, show_error or ','.join(statuses) or 'no db resource'))
    moving = in_transition(resources, transition_statuses)
    if moving:
        problems.append('%s: resources in transition: %s (rule: wait until no resource is in %s)'
                        % (host, ', '.join(moving), '/'.join(transition_statuses)))
    if tip['error']:
        problems.append('%s: CM tip: %s (rule: the CM tip is a readable text KEY=VALUE file that sets CM_ID at '
                        'most once)' % (host, tip['error']))
    return problems
