# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live preflight's decisions (roles/preflight live.yml): which vendor tools a node must have, and
every problem of every node the run reached, gathered on the controller from the read already made."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

DB_TOOLS = ('tbboot', 'tbdown', 'tbcm', 'cmrctl')
OBSERVER_TOOLS = ('cmrctl', 'tbcmobs')
PRS_BIN_TOOLS = ('prs_adm', 'prs_agent', 'prs_cm.sh')
PRS_INSTALLERS = ('prs_install_agent.sh', 'prs_install.sh')
# tbboot is given a terminal by script(1) (vendor-facts TB-1).
PTY_TOOL = '/usr/bin/script'
TOOL_RULE = ('rule: TB_HOME/bin and PRS_HOME/bin, PRS_HOME/install hold the vendor tools; '
             '/usr/bin/script gives tbboot its terminal')
UNREACHABLE = ('unreachable node(s): %s. Nothing was changed on any node. Bring them back, or set '
               'tibero_cm_allow_unreachable=true to proceed with the reachable nodes only.')


def preflight_tools(node, tb_home, prs_home=None, use_pty=True):
    """The absolute paths of the vendor tools ``node`` (an entry of tibero_cm_model.nodes) runs."""
    names = OBSERVER_TOOLS if node['kind'] == 'observer' else DB_TOOLS
    tools = ['%s/bin/%s' % (tb_home, name) for name in names]
    if node.get('prosync'):
        tools += ['%s/bin/%s' % (prs_home, name) for name in PRS_BIN_TOOLS]
        tools += ['%s/install/%s' % (prs_home, name) for name in PRS_INSTALLERS]
    if node['kind'] == 'db' and boolean(use_pty, strict=False):
        tools.append(PTY_TOOL)
    return tools


def _get(host_vars, name, default=None):
    try:
        return host_vars[name]
    except KeyError:
        return default


def preflight_live_problems(hosts, hostvars):
    """Every live problem of ``hosts`` from their tibero.cm.tibero_node_info read (``tibero_cm_node_info``):
    first the nodes it did not reach, then per node the read that failed, or the vendor tools it did not find
    and the problems it reported. A host left out of the run (tibero_cm_skip_host) or never read has none."""
    problems, unreachable = [], []
    for host in hosts:
        host_vars = hostvars[host]
        node_info = _get(host_vars, 'tibero_cm_node_info')
        if node_info is None or boolean(_get(host_vars, 'tibero_cm_skip_host', False), strict=False):
            continue
        if node_info.get('unreachable'):
            unreachable.append(host)
        elif node_info.get('failed'):
            problems.append('%s: the node could not be read: %s' % (host, node_info.get('msg') or node_info))
        elif not node_info.get('skipped'):
            missing = node_info.get('tools_missing') or []
            if missing:
                problems.append('%s: vendor tools missing: %s (%s)' % (host, ', '.join(missing), TOOL_RULE))
            problems.extend(node_info.get('problems') or [])
    if unreachable:
        problems.insert(0, UNREACHABLE % ', '.join(unreachable))
    return problems


class FilterModule(object):
    """tibero.cm live preflight filters."""

    def filters(self):
        return {
            'preflight_tools': preflight_tools,
            'preflight_live_problems': preflight_live_problems,
        }
