# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The end-of-run summary as a short table: one row per node (the full summary stays in the JSON report)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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


class FilterModule(object):
    """tibero.cm summary filters."""

    def filters(self):
        return {'verify_table': verify_table}
