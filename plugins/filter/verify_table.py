# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verify's filters: a node's group and agent, what prs_adm lists down, the summary per cluster built from
every host's registered reads (module_utils/verify.py), and the lines the run prints - a short table, one row
per node (the full summary stays in the JSON report), the verdict, the drift warning and the check-mode report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import verify

# What the summary reads of each host's variables (the verify role's registered reads, phase 3's restart flag,
# preflight's left-out flag).
RESULT_KEYS = ('__verify_show', '__verify_own_prs', '__verify_prs', 'tibero_cm_restarted', 'tibero_cm_skip_host')

HEADER = ('NODE', 'AGENT', 'GROUP', 'CM_ID', 'GROUP STATE', 'AGENT STATE', 'PROCESSES', 'RESTARTED')


def _processes(summary, agent_id):
    """'name running, name DOWN' of the ProSync processes placed on ``agent_id`` (prs_adm status), '-' for none."""
    placed = [p for p in summary.get('processes') or [] if p.get('agent_id') == agent_id]
    if not placed:
        return '-'
    return ', '.join('%s%s' % (p['name'], '' if p.get('running') else ' DOWN') for p in placed)


def verify_table(summary):
    """Lines of a fixed-width table of ``tibero_cm_summary``: a header, one row per node, then the verdict."""
    rows = [HEADER]
    for cluster in summary.get('clusters') or []:
        for node in cluster.get('nodes') or []:
            rows.append((node.get('host', '?'), node.get('agent') or '-', cluster.get('cm_group') or '-',
                         '-' if node.get('cm_id') is None else str(node['cm_id']), node.get('group_status', '?'),
                         node.get('agent_status', '?'), _processes(summary, node.get('agent')),
                         'yes' if node.get('restarted') else 'no'))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(HEADER))]
    lines = ['  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    problems = summary.get('problems') or []
    if summary.get('ok'):
        verdict = 'ok'
    else:
        verdict = '%d problem(s): %s' % (len(problems), '; '.join(problems)) if problems else 'not ok'
    lines.append('verdict: ' + verdict)
    # Agents registered in CM but absent from the model: drift, a warning, not a failed verify.
    for extra in summary.get('drift') or []:
        values = (extra.get('agent'), extra.get('group') or '?', extra.get('status') or '?', extra.get('host'))
        if extra.get('departed'):
            # A node that left the model: no run reaches it, so tibero_cm_prune cannot either.
            lines.append('drift: agent %s (group %s, %s) is registered on CM %s, which no node of the model runs; '
                         'deregister it on that node (cmrctl stop agent, cmrctl del agent)' % values)
            continue
        lines.append('drift: agent %s (group %s, %s) is registered on %s but absent from the model; '
                     'tibero_cm_prune=true deregisters it' % values)
    return lines


def verify_node(show, node):
    """{group_status, agent_status, ok} of this node in its ``cmrctl_info`` result (module_utils/verify.py)."""
    return verify.node_status(show, node)


def verify_prs_down(prs, left_out_agents=None):
    """What a ``prs_info`` result lists but not running, less the agents of hosts left out as unreachable."""
    return verify.prs_down(prs, left_out_agents or [])


def verify_own_down(own_prs, node):
    """[this node's agent id] when its own ``prs_adm status`` does not show it running, else []."""
    return verify.own_down(own_prs, node)


def _results(hostvars, hosts):
    """{host: {key: value}} of RESULT_KEYS for ``hosts``, from hostvars (a host absent from it is skipped)."""
    results = {}
    for host in hosts:
        try:
            hvars = hostvars[host]
        except (KeyError, TypeError):
            continue
        results[host] = dict((key, hvars.get(key)) for key in RESULT_KEYS if key in hvars)
    return results


def verify_left_out_agents(hostvars, model):
    """The agents of the model's hosts preflight left out as unreachable."""
    return verify.left_out_agents(_results(hostvars, model.get('hosts') or []), model)


def verify_summary(hostvars, model, play_hosts, prs_host):
    """The summary per cluster of this run's verify reads (every host's, from ``hostvars``): the JSON report."""
    return verify.summary(_results(hostvars, model.get('hosts') or []), model, play_hosts, prs_host)


def verify_report(summary, check_mode=False):
    """Every line the run prints about ``summary``: the table and verdict, the drift warning, and in check mode
    what a real run still has to bring up."""
    return verify_table(summary) + verify.notes(summary, bool(check_mode))


class FilterModule(object):
    """tibero.cm summary filters."""

    def filters(self):
        return {'verify_table': verify_table, 'verify_node': verify_node, 'verify_prs_down': verify_prs_down,
                'verify_own_down': verify_own_down, 'verify_left_out_agents': verify_left_out_agents,
                'verify_summary': verify_summary, 'verify_report': verify_report}
