# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 decisions (issue 17): which agent restarts a parameter change needs, whether the ProSync
processes were handed over, and the decommission plan. Pure functions; the roles only sequence them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs


def recorded_retry_cnt(text):
    """The ``--retry_cnt`` the record file says the agent was registered with, or None (no record,
    or a record that is not a number: then it is unknown, never guessed)."""
    text = (text or '').strip()
    return int(text) if text.isdigit() else None


def agent_restart(node, resources, cfg_changed, pending, cm_restart, recorded):
    """What a parameter change needs from this node's agent.

    node: ``tibero_cm_model.by_host[host]``; resources: rows of this run's ``cmrctl show all`` (before
    any change); cfg_changed: phase 2 changed ``prs_agent_<id>.cfg``; pending: an earlier run changed it
    and was interrupted before the agent restarted (its marker); cm_restart: the node is queued for a CM
    restart (tbcm -d runs DOWN for the agent, so it starts again with the new file anyway); recorded: the
    ``--retry_cnt`` of the registration as recorded (None: unknown).

    The agent reads its cfg when it starts (the ProSync CM failover guide, step 3; vendor facts PRS-13),
    so a running agent restarts; a stopped one reads the file at its next start. ``prs_<CM_ID>.sh``
    (TIMEOUT_CNT) is run anew for every CM command and needs no restart. A changed retry_cnt needs
    ``cmrctl del agent`` + ``add agent`` while the agent is down (no public ``cmrctl`` command modifies
    it, CMR-12). An agent down in its running group starts at once (``start``). Returns {registered,
    running, restart, replace, start, reasons}.
    """
    agent = node.get('agent')
    result = dict(registered=False, running=False, restart=False, replace=False, start=False, reasons=[])
    if not agent:
        return result
    row = cs.find_resource(resources or [], 'agent', agent['id'], node['cm_sid'])
    result['registered'] = row is not None
    result['running'] = row is not None and cs.is_up(row.get('status'))
    if not result['registered']:
        return result
    group = cs.find_resource(resources or [], 'group', node['cm_group'], node['cm_sid'])
    group_up = group is not None and cs.is_up(group.get('status'), on_any_node=True)
    if recorded is not None and recorded != int(agent['retry_cnt']):
        result['replace'] = True
        result['reasons'].append('retry_cnt %s -> %s: deregister and register again' % (recorded, agent['retry_cnt']))
    if (cfg_changed or pending) and result['running'] and not cm_restart:
        result['reasons'].append('prs_agent_%s.cfg %s: the agent reads it at start'
                                 % (agent['id'], 'changed' if cfg_changed else 'changed by an interrupted run'))
    result['restart'] = bool(result['reasons'])
    # Down in a running group: CM gave it up (DOWN after its retries, e.g. a broken script that phase 2 just
    # fixed) or it was stopped by hand. It starts now, with its new files, before any other agent of the
    # queue stops: their processes need it to hand over to. A CM restart or a re-registration starts it anyway.
    result['start'] = group_up and not result['running'] and not cm_restart and not result['replace']
    return result


def marker_action(pending, restart):
    """What becomes of the agent restart marker: ``write`` (a restart is due and no marker yet, so an
    interrupted run finishes it), ``remove`` (a marker no restart needs any more) or None."""
    if restart and not pending:
        return 'write'
    if pending and not restart:
        return 'remove'
    return None


def handed_over(processes, agent_id, expected=None):
    """Every ProSync process runs, none on ``agent_id``: the agent may stop without stopping replication.

    processes: ``prs_info`` processes; expected: how many processes there must be (None: any).
    Returns (ok, [what is not yet so]).
    """
    waiting = []
    for proc in processes or []:
        if not proc.get('running'):
            waiting.append('%s not running' % proc['name'])
        elif proc.get('agent_id') == agent_id:
            waiting.append('%s still on %s' % (proc['name'], agent_id))
    if not processes or (expected is not None and len(processes) < expected):
        waiting.append('prs_adm lists %d processes' % len(processes or []))
    return not waiting, waiting


def all_running(agents, processes, agent_ids):
    """Every agent of ``agent_ids`` and every process runs: (ok, [what does not])."""
    listed = dict((a['id'], a.get('running')) for a in agents or [])
    down = ['agent %s' % a for a in agent_ids if not listed.get(a)]
    down += ['%s' % p['name'] for p in processes or [] if not p.get('running')]
    if not processes:
        down.append('no process listed')
    return not down, down


def decommission_plan(model, remove_tsc=False, hosts=None):
    """The decommission as ordered steps, the reverse of the rollout.

    model: ``tibero_cm_model``; remove_tsc: also remove the TSC service attributes and stop the
    observer; hosts: the hosts of this run (None: all). Returns {steps: [{step, host, what}], lines,
    groups: {cluster: leader}, agents: [{host, id, group, cm_sid}], restart: [[host, ...] per batch],
    batch: {host: batch index}, tsc: bool}. The rolling restart takes one node of each cluster per batch, as the rollout does.
    """
    hosts = set(hosts) if hosts is not None else None

    def live(host):
        return hosts is None or host in hosts

    steps = []
    groups = {}
    for cluster in model.get('clusters') or []:
        leader = next((h for h in cluster['hosts'] if live(h)), None)
        if leader is None:
            continue
        groups[cluster['name']] = leader
        steps.append(dict(step='stop_group', host=leader,
                          what='cmrctl stop group --name %s (CM runs DOWN for its agents: ProSync stops)'
                          % cluster['cm_group']))
    agents = []
    for agent in model.get('agents') or []:
        if not live(agent['host']):
            continue
        node = model['by_host'][agent['host']]
        agents.append(dict(host=agent['host'], id=agent['id'], group=agent['cm_group'], cm_sid=node['cm_sid'],
                           script=agent['script']))
        steps.append(dict(step='del_agent', host=agent['host'],
                          what='cmrctl del agent --name %s (group %s)' % (agent['id'], agent['cm_group'])))
    for cluster in model.get('clusters') or []:
        if cluster['name'] in groups:
            steps.append(dict(step='del_group', host=groups[cluster['name']],
                              what='cmrctl del group --name %s' % cluster['cm_group']))
    restart = []
    for cluster in model.get('clusters') or []:
        for index, node in enumerate(n for n in cluster['nodes'] if live(n['host'])):
            while len(restart) <= index:
                restart.append([])
            restart[index].append(node['host'])
    for number, batch in enumerate(restart, 1):
        for host in batch:
            node = model['by_host'][host]
            steps.append(dict(step='remove_cm_id', host=host,
                              what='batch %d: tbdown, tbcm -d, CM_ID removed from %s.tip, tbcm -b, tbboot'
                              % (number, node['cm_sid'])))
    batch = dict((host, number) for number, hosts_of in enumerate(restart) for host in hosts_of)
    tsc = bool(remove_tsc and model.get('tsc'))
    if tsc:
        observer = model['tsc']['observer']
        steps.append(dict(step='stop_observer', host=observer['host'],
                          what='tbcmobs -d (observer %s stopped)' % observer['cm_sid']))
    lines = ['%2d. %-12s %-8s %s' % (i, s['step'], s['host'], s['what']) for i, s in enumerate(steps, 1)]
    if remove_tsc and not model.get('tsc'):
        lines.append('(no TSC part in the model: nothing of TSC to remove)')
    lines.append('Kept: the ProSync installation and its objects in both databases, prs_<CM_ID>.sh and the '
                 'agent cfgs; site.yml rebuilds the site.')
    return dict(steps=steps, lines=lines, groups=groups, agents=agents, restart=restart, batch=batch, tsc=tsc)


# The agent restart's two small state files on a node, named in one place for the roles and tibero_node_info.
AGENT_RESTART_MARKER = 'agent-restart-pending'


def agent_state_paths(state_dir, agent_id):
    """{marker, record}: the agent restart marker and the record of the ``--retry_cnt`` agent ``agent_id`` was
    registered with, in ``state_dir``."""
    return dict(marker='%s/%s' % (state_dir, AGENT_RESTART_MARKER),
                record='%s/agent-%s.retry_cnt' % (state_dir, agent_id or 'none'))


def agent_restart_from_reading(node, resources, cfg_changed, cm_restart, paths, state_files):
    """The agent_restart decision from what tibero_node_info read before any change (its ``state_files``:
    {path: text, or None when absent}), with ``marker_action`` (day2.marker_action) and ``known``.

    ``known`` is false when the reading lacks either file's entry (not read: the module must read them);
    tibero.cm.agent_restart_plan only has to run when it is false or the marker must be written or removed -
    otherwise the same rules on the same inputs give the same answer without a module start."""
    files = state_files or {}
    known = paths['marker'] in files and paths['record'] in files
    pending = files.get(paths['marker']) is not None
    decided = agent_restart(node, resources, cfg_changed, pending, cm_restart,
                            recorded_retry_cnt(files.get(paths['record'])))
    return dict(decided, known=known, marker_action=marker_action(pending, decided['restart']))
