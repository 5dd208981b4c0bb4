# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 filters (issue 17): the agent restart a parameter change needs, the ProSync hand-over check,
and the decommission plan (module_utils/day2.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import day2


def agent_restart(node, resources, cfg_changed=False, pending=False, cm_restart=False, record=None):
    """{registered, running, restart, replace, reasons} for this node's agent (module_utils/day2.py)."""
    return day2.agent_restart(node, resources, bool(cfg_changed), bool(pending), bool(cm_restart),
                              day2.recorded_retry_cnt(record))


def prs_handed_over(prs, agent_id, expected=None):
    """{ok, waiting}: every ProSync process of ``prs`` (a prs_info result) runs, none on ``agent_id``."""
    ok, waiting = day2.handed_over((prs or {}).get('processes'), agent_id,
                                   None if expected is None else int(expected))
    return dict(ok=ok, waiting=waiting)


def prs_all_running(prs, agent_ids):
    """{ok, down}: every agent of ``agent_ids`` and every process of ``prs`` (a prs_info result) runs."""
    ok, down = day2.all_running((prs or {}).get('agents'), (prs or {}).get('processes'), agent_ids)
    return dict(ok=ok, down=down)


def agent_state_paths(node, state_dir):
    """{marker, record} of ``node``'s agent (an entry of tibero_cm_model.by_host) in ``state_dir``."""
    return day2.agent_state_paths(state_dir, ((node or {}).get('agent') or {}).get('id'))


def agent_restart_read(node_info, node, state_dir, cfg_changed=False, cm_restart=False):
    """The agent restart decision from this run's tibero_node_info reading (``resources``, ``state_files``),
    with ``known`` and ``marker_action``: tibero.cm.agent_restart_plan runs only when the reading does not
    settle it (not known) or the marker must change (module_utils/day2.py agent_restart_from_reading)."""
    node_info = node_info or {}
    return day2.agent_restart_from_reading(node, node_info.get('resources'), bool(cfg_changed), bool(cm_restart),
                                           agent_state_paths(node, state_dir), node_info.get('state_files'))


def decommission_plan(model, remove_tsc=False, hosts=None):
    """The decommission's ordered steps and the lines that print them (module_utils/day2.py)."""
    return day2.decommission_plan(model, bool(remove_tsc), hosts)


class FilterModule(object):
    """tibero.cm day-2 filters."""

    def filters(self):
        return {'agent_restart': agent_restart, 'agent_state_paths': agent_state_paths,
                'agent_restart_read': agent_restart_read, 'prs_handed_over': prs_handed_over,
                'prs_all_running': prs_all_running, 'decommission_plan': decommission_plan}
