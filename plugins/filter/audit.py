# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's filters: the files to read on a node, the comparison of the model with what the
read-only readers returned (module_utils/audit.py), its table, and the extra agents verify and the
prune switch act on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import audit


def audit_files(model, host, tb_home, prs_home):
    """{role: path} of the files the audit reads on ``host``."""
    return audit.node_files(model, host, tb_home, prs_home)


def audit_report(model, hostvars, hosts, fact='__tibero_cm_audit'):
    """The audit report from the fact ``fact`` each host of ``hosts`` set (a host without it was not read)."""
    observed = dict(hosts={}, unreached=[])
    for host in hosts:
        facts = hostvars[host].get(fact) if host in hostvars else None
        if not facts:
            observed['unreached'].append(host)
            continue
        facts = dict(facts)
        facts['files'] = audit.read_files(facts.get('files'), (facts.get('paths') or {}).values())
        observed['hosts'][host] = facts
        if facts.get('prs') is not None:
            observed['prs'] = dict(facts['prs'], host=host)
        if facts.get('observer') is not None:
            observed['observer'] = facts['observer']
    if model.get('agents') and 'prs' not in observed:
        observed['prs'] = None
    return audit.report(model, observed)


def audit_table(report):
    """The report as the lines of a short table (one row per difference), or ``no drift``."""
    return audit.table(report)


def extra_agents(show, node):
    """The agents this node's ``cmrctl show all`` (``cmrctl_info`` result) lists that the model does not
    have, with what tibero_cm_prune does to each: [{name, group, script, status, prune, remove_script}]."""
    return audit.prune_plan(show, node)


def departed_agents(show, node, model):
    """The agents registered on a CM of this node's cluster that no node of the model runs (a node that left
    the model with its agent still registered): [{name, cm_name, status, script}]; reported, never pruned."""
    return audit.departed_agents(show, node, model)


class FilterModule(object):
    """tibero.cm audit filters."""

    def filters(self):
        return {'audit_files': audit_files, 'audit_report': audit_report, 'audit_table': audit_table,
                'extra_agents': extra_agents, 'departed_agents': departed_agents}
