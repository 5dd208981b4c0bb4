# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions of the tibero.cm.tsc_observer role, on the controller, from reads the role already made:
which tip parameters the AFO timers set (TADTI232's table in module_utils/afo_plan, the one source),
and what a DB cluster's service needs for the TSC (module_utils/cm_service, the rules the
cmrctl_service module applies), so no writer runs in check mode to serve as a reader."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.tibero.cm.plugins.module_utils import afo_plan
from ansible_collections.tibero.cm.plugins.module_utils import cm_service
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs


def tsc_tip_params(timers=None):
    """{'timers': effective timers, 'cm': {tip name: value}, 'db': {tip name: value}}: the CM-side
    timers go into the CM tip, DB_TIP_OPTIONS and STANDBY_USE_OBSERVER=Y into the DB tip (TADTI232)."""
    try:
        merged = afo_plan.effective_parameters(dict(timers or {}))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))
    cm_tip = dict((tip, str(merged[option])) for tip, option in afo_plan.CM_TIP_PARAMS)
    db_tip = dict((tip, str(merged[option])) for tip, option in afo_plan.DB_TIP_PARAMS)
    db_tip['STANDBY_USE_OBSERVER'] = 'Y'
    return dict(timers=merged, cm=cm_tip, db=db_tip)


def tsc_service_plan(local, name, cname, tscid, obsip, obsport, members=None, observer_output=None,
                     reregistered_before=False, members_unknown=False):
    """What the cluster's service needs, from this node's own ``cmrctl show`` (``local``: a
    tibero.cm.cmrctl_info scope=local result) and the CMs the observer lists for the TSC (``members``;
    None: no answer). ``action``:

    - ``add``: absent (the observer phase adds it with the TSC attributes);
    - ``keep``: present and this node's CM listed (or nothing differs);
    - ``unknown``: present, but the observer's start is only planned (check mode): not decided;
    - ``reregister``: present with differences (not listed, other settings): only by deleting and
      adding it again with the instance down; ``msg`` says why, with the manual procedure;
    - ``refuse``: the module would refuse whatever the switch (a second re-registration): ``msg``.
    """
    if not isinstance(local, dict) or not local.get('local_node') or not isinstance(local.get('resources'), list):
        raise AnsibleFilterError('tsc_service_plan needs a cmrctl_info scope=local result, got %r' % (local,))
    parsed = dict(resources=local['resources'], nodes=[local['local_node']])
    current = cm_service.service_state(parsed, name)
    result = dict(action='keep', differences=[], msg='', cm_name=local['local_node'])
    if current['state'] == 'absent':
        return dict(result, action='add', msg='service %s is absent: added with TSC %s' % (name, tscid))
    if members_unknown:
        return dict(result, action='unknown',
                    msg='whether the observer lists CM %s for TSC %s is unknown until it runs'
                    % (local['local_node'], tscid))
    want = dict(name=name, cname=cname, type='db', mode=None, tscid=int(tscid), obsip=obsip, obsport=int(obsport))
    membership = cm_service.tsc_membership(want['tscid'], local['local_node'], members)
    try:
        cm_service.plan(current, cs.db_resources(parsed, name), want, 'present', False, local['local_node'], None,
                        membership, observer_output, bool(reregistered_before))
    except cm_service.PlanError as exc:
        action = 'reregister' if exc.differences else 'refuse'
        return dict(result, action=action, differences=[list(d) for d in exc.differences], msg=str(exc))
    return result


def tsc_afo_summary(timers, mode='protective'):
    """The AFO plan of ``mode`` for ``timers`` (defaults filled in), one line per TADTI232 scenario: what
    tibero.cm.tsc_afo_plan returns as ``summary``."""
    try:
        return [afo_plan.summary_line(item) for item in afo_plan.plan(mode, dict(timers or {}))]
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """tibero.cm TSC observer filters."""

    def filters(self):
        return {
            'tsc_tip_params': tsc_tip_params,
            'tsc_service_plan': tsc_service_plan,
            'tsc_afo_summary': tsc_afo_summary,
        }
