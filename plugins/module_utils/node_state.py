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
# A TSC standby's DB runs in recovery, applying the primary's redo (TADTI232; vendor facts TSC-9).
RECOVERY_STATUS = 'UP(RECO)'
EXPECTED_STATUS = dict(open=OPEN_STATUS, recovery=RECOVERY_STATUS)


def tip_plan(path, cm_id):
    """{path, cm_id (as set now, or None), would_change, error} of setting CM_ID at the top of a CM tip.

    Any problem reading or planning (missing, binary, CM_ID set twice) is the ``error`` text, never
    an exception: the caller reports it with the other live problems.
    """
    plan = dict(path=path, cm_id=None, would_change=False, error=None)
    if cm_id is None:
        # A node with no CM_ID to set (a TSC-only node): its tip is not read here.
        return plan
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


def node_up(show_error, statuses, expect='open'):
    """The CM answered and this node's DB is in its expected state: its only db row is UP(NRML), or
    UP(RECO) for a TSC standby (``expect`` recovery)."""
    return show_error is None and statuses == [EXPECTED_STATUS[expect]]


def in_transition(resources, transition_statuses, expect='open'):
    """Names of the resources whose status is a transition (sorted, unique). On a TSC standby the db
    rows in recovery are its steady state, not a transition."""
    return sorted(set(r['name'] for r in resources if r.get('status') in transition_statuses
                      and not (expect == 'recovery' and r.get('type') == 'db' and r.get('status') == RECOVERY_STATUS)))


def live_problems(host, cm_sid, tb_sid, show_error, resources, transition_statuses, tip, marker, expect='open'):
    """Every reason this node must not be changed now, as texts (empty: go)."""
    problems = []
    statuses = db_statuses(resources, tb_sid)
    if not node_up(show_error, statuses, expect) and not marker:
        problems.append('%s: CM %s does not answer or DB %s is not %s: %s (rule: CM and DB up before any change%s)'
                        % (host, cm_sid, tb_sid, EXPECTED_STATUS[expect], show_error or ','.join(statuses) or 'no db resource',
                           '; a TSC standby runs in recovery' if expect == 'recovery' else ''))
    moving = in_transition(resources, transition_statuses, expect)
    if moving:
        problems.append('%s: resources in transition: %s (rule: wait until no resource is in %s)'
                        % (host, ', '.join(moving), '/'.join(transition_statuses)))
    if tip.get('error'):
        problems.append('%s: CM tip: %s (rule: the CM tip is a readable text KEY=VALUE file that sets CM_ID at '
                        'most once)' % (host, tip['error']))
    return problems
