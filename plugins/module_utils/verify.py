# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verify's decisions (the ProSync CM failover guide step 9): a node's group and agent as its ``cmrctl show
all`` lists them, what ``prs_adm status`` lists but not running, and the summary per cluster with its verdict
and the lines the run prints. Pure functions over the results the verify role registered; the role only
sequences the reads (filters tibero.cm.verify_*)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import audit

LEFT_OUT = 'LEFT OUT (unreachable)'
NOT_CHECKED = 'NOT CHECKED'
CHECK_MODE_HEAD = 'check mode: the site as it is now does not pass verify yet; a real run changes it first'
FAILED_HEAD = 'verify failed: see the summary above'


def node_status(show, node):
    """{group_status, agent_status, ok} of this node (``node``: its ``tibero_cm_model.by_host`` entry) in its own
    table of ``show`` (a ``cmrctl_info`` result): ``MISSING`` when not listed, agent ``NONE`` for a node without
    agent; ok when the group and the agent are ``UP``."""
    rows = audit.node_rows(show, node['cm_sid'])

    def status(kind, name):
        return next((r.get('status') for r in rows if r.get('type') == kind and r.get('name') == name), 'MISSING')

    group_status = status('group', node['cm_group'])
    agent = node.get('agent')
    agent_status = status('agent', agent['id']) if agent else 'NONE'
    return dict(group_status=group_status, agent_status=agent_status,
                ok=group_status == 'UP' and agent_status in ('UP', 'NONE'))


def prs_down(prs, left_out_agents=()):
    """What a ``prs_info`` result lists but not running: agent ids, then process names, less the agents of
    hosts left out as unreachable (their processes must still run, failed over to the other agents)."""
    prs = prs or {}
    down = [a.get('id') for a in prs.get('agents') or [] if not a.get('running')]
    down += [p.get('name') for p in prs.get('processes') or [] if not p.get('running')]
    return [name for name in down if name not in set(left_out_agents or ())]


def own_down(own_prs, node):
    """[this node's agent id] when its own ``prs_adm status`` (read because the ProSync host does not list it,
    vendor-facts PRS-16) does not show it running; [] when not read (skipped) or running, or no agent."""
    agent = node.get('agent')
    if not agent or own_prs is None or own_prs.get('skipped'):
        return []
    running = any(a.get('id') == agent['id'] and a.get('running') for a in own_prs.get('agents') or [])
    return [] if running else [agent['id']]


def left_out_hosts(results, model):
    """The model's hosts preflight left out as unreachable (tibero_cm_allow_unreachable=true)."""
    return [host for host in model.get('hosts') or []
            if host in results and results[host].get('tibero_cm_skip_host')]


def left_out_agents(results, model):
    """The agents of the hosts left out as unreachable."""
    hosts = set(left_out_hosts(results, model))
    return [a['id'] for a in model.get('agents') or [] if a['host'] in hosts]


def summary(results, model, play_hosts, prs_host):
    """The run's summary per cluster, as the JSON report holds it.

    results: {host: {__verify_show, __verify_own_prs, __verify_prs, tibero_cm_restarted, tibero_cm_skip_host}}
    (what each host registered; missing keys are not read); play_hosts: the hosts verify ran on; prs_host:
    the ProSync host whose ``prs_adm status`` is the site's. Returns {ok, problems, drift, clusters, left_out,
    instance_id, agents, processes}.
    """
    play_hosts = list(play_hosts or [])
    left_out = left_out_hosts(results, model)
    prs = (results.get(prs_host) or {}).get('__verify_prs') or {}
    problems, drift, clusters = [], [], []
    for cluster in model.get('clusters') or []:
        first = next((h for h in cluster['hosts'] if h in play_hosts), None)
        nodes = []
        for node in cluster['nodes']:
            host = node['host']
            result = results.get(host) or {}
            entry = model['by_host'][host]
            agent = entry.get('agent')
            checked = host in play_hosts
            if checked:
                show = result.get('__verify_show')
                status = node_status(show, entry)
                if not status['ok']:
                    problems.append('%s: group %s %s, agent %s %s (want UP)'
                                    % (host, cluster['cm_group'], status['group_status'],
                                       agent['id'] if agent else '-', status['agent_status']))
                for name in own_down(result.get('__verify_own_prs'), entry):
                    problems.append('prs_adm status on %s: %s is not running (%s does not list it)'
                                    % (host, name, prs_host))
                for extra in audit.prune_plan(show, entry):
                    drift.append(dict(host=host, agent=extra['name'], group=extra['group'], script=extra['script'],
                                      status=extra['status']))
                # Read once per cluster, on its first node in the play: every node table of the cluster.
                for gone in audit.departed_agents(show, entry, model) if host == first else []:
                    drift.append(dict(host=gone['cm_name'], agent=gone['name'], group=cluster['cm_group'],
                                      script=gone['script'], status=gone['status'], departed=True))
            else:
                word = LEFT_OUT if host in left_out else NOT_CHECKED
                status = dict(group_status=word, agent_status=word)
            nodes.append(dict(host=host, cm_sid=node['cm_sid'], cm_id=node['cm_id'], tb_sid=node['tb_sid'],
                              agent=agent['id'] if agent else None, group_status=status['group_status'],
                              agent_status=status['agent_status'],
                              restarted=bool(result.get('tibero_cm_restarted', False))))
        clusters.append(dict(name=cluster['name'], db_name=cluster['db_name'], cm_group=cluster['cm_group'],
                             nodes=nodes))
    if prs_host in play_hosts:
        for name in prs_down(prs, left_out_agents(results, model)):
            problems.append('prs_adm status: %s is not running' % name)
    # An until loop that ran out of retries marks prs_adm's result failed with a generic message although
    # prs_adm answered (its agents and processes are there, and the list above says what is down): only a
    # result without them is prs_adm failing.
    if prs.get('failed') and prs.get('msg') is not None and 'agents' not in prs:
        problems.append('prs_adm status failed on %s: %s' % (prs_host, prs['msg']))
    return dict(ok=not problems, problems=problems, drift=drift, clusters=clusters, left_out=left_out,
                instance_id=prs.get('instance_id'), agents=prs.get('agents') or [],
                processes=prs.get('processes') or [])


def notes(summary_, check_mode=False):
    """What the run prints after the table: the drift warning (reported, not failed: removing an agent is the
    operator's decision, tibero_cm_prune=true), then, when the site does not pass, its problems - in check mode as
    what a real run still has to bring up (a --check run verifies the site as it is, before the changes it only
    planned), else as the failure."""
    lines = []
    found = summary_.get('drift') or []
    if found:
        departed = [d['agent'] for d in found if d.get('departed')]
        line = ('drift: %s registered in CM but absent from the model; site.yml -e tibero_cm_prune=true deregisters '
                'those on a node of the model and removes their scripts' % ', '.join(d['agent'] for d in found))
        if departed:
            line += ('; %s on a CM that no node of the model runs: deregister them on that node (cmrctl del agent)'
                     % ', '.join(departed))
        lines.append(line)
    if not summary_.get('ok'):
        lines += [CHECK_MODE_HEAD if check_mode else FAILED_HEAD] + list(summary_.get('problems') or [])
    return lines
