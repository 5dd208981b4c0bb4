# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit: every difference between the derived model (``tibero_cm_model``) and what the read-only
readers return from the site, and the agents registered in CM but absent from the model (drift).

Pure functions over the readers' results (``cmrctl_info``, ``prs_info``, ``files_info`` of the files
and tips), so every kind of difference is unit-tested without a node. Files are compared
with the parsers the writing modules use (``kvfile`` for KEY=VALUE files, ``agent_script`` for the
shebang, ``cmrctl_show`` for the CM tables), never with a second parser.

A difference is ``{kind, host, what, expected, actual}``; ``KINDS`` lists every kind.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.tibero.cm.plugins.module_utils import afo_plan
from ansible_collections.tibero.cm.plugins.module_utils import agent_script
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import kvfile
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc

KINDS = {
    'unread': 'a reader could not answer (CM, prs_adm or observer down, file unreadable)',
    'file_missing': 'a file the rollout writes is missing',
    'install_agent_cfg': 'a value of prs_install_agent.cfg',
    'script_shebang': 'prs_<CM_ID>.sh does not start with a bash shebang (the CM would get rc 127)',
    'script_content': 'prs_<CM_ID>.sh differs from the script the rollout writes',
    'agent_param': 'a CM parameter of prs_agent_<id>.cfg',
    'cm_id': 'CM_ID of the CM tip',
    'group_missing': "the agent's CM group is not registered on the node",
    'group_setting': "the CM group's type or failover",
    'group_state': 'the CM group is not UP on the node',
    'agent_missing': 'an agent of the model is not registered on its node',
    'agent_extra': 'an agent registered in CM on a node but absent from the model (drift; tibero_cm_prune)',
    'agent_setting': "a registered agent's script or group",
    'agent_state': 'an agent of the model is not UP on its node',
    'prs_agent': 'prs_adm status: an agent missing, not running, or with other settings',
    'prs_process': 'prs_adm status: a ProSync process not running',
    'tsc_param': 'an AFO parameter of a TSC node tip',
    'tsc_mode': 'the observer mode of the TSC',
    'tsc_member': 'a CM of the TSC the observer does not list',
}

# (tip parameter, timer) of the CM tip and of the DB tip (afo_plan, as roles/tsc_observer writes them).
TSC_CM_PARAMS = afo_plan.CM_TIP_PARAMS
TSC_DB_PARAMS = afo_plan.DB_TIP_PARAMS
TABLE_HEADER = ('KIND', 'HOST', 'WHAT', 'EXPECTED', 'ACTUAL')


def _diff(kind, host, what, expected, actual):
    return dict(kind=kind, host=host, what=what, expected=expected, actual=actual)


def _text(value):
    return None if value is None else str(value)


# ---------------------------------------------------------------------------------------------------
# paths


def node_files(model, host, tb_home, prs_home):
    """The files the audit reads on ``host`` ({role: path}): ProSync node and/or TSC DB node."""
    files = {}
    node = (model.get('by_host') or {}).get(host)
    if node:
        files['cm_tip'] = tc.tip_path(tb_home, node['cm_sid'])
        if node.get('agent'):
            files['install_agent_cfg'] = os.path.join(prs_home, 'install', 'prs_install_agent.cfg')
            files['script'] = node['agent']['script']
            files['agent_cfg'] = os.path.join(prs_home, 'config', 'prs_agent_%s.cfg' % node['agent']['id'])
    tsc_node = ((model.get('tsc') or {}).get('by_host') or {}).get(host)
    if tsc_node and tsc_node.get('role') in ('primary', 'standby'):
        files['cm_tip'] = tc.tip_path(tb_home, tsc_node['cm_sid'])
        files['db_tip'] = tc.tip_path(tb_home, tsc_node['tb_sid'])
    return files


# ---------------------------------------------------------------------------------------------------
# reader results


def read_files(result, paths=()):
    """{path: {'content': text or None, 'error': text or None}} from a ``files_info`` result; when the
    reader failed as a whole, each of ``paths`` carries its message (a connection error, a missing python)."""
    result = result or {}
    files = dict((e['path'], dict(content=e.get('content'), error=e.get('error'))) for e in result.get('files') or [])
    for path in paths:
        if path not in files:
            files[path] = dict(content=None, error=result.get('msg') or 'not read')
    return files


def _read_kv(host, path, entry, diffs):
    """The KvFile of a read file, or None (a ``file_missing`` / ``unread`` difference added)."""
    if path is None:
        return None
    if entry is None or entry.get('content') is None:
        error = (entry or {}).get('error') or 'not read'
        missing = 'not found' in error.lower() or 'no such file' in error.lower()
        diffs.append(_diff('file_missing' if missing else 'unread', host, path, 'present', error))
        return None
    return kvfile.KvFile(entry['content'], separator='=')


def _kv_value(host, path, kv, key, diffs):
    """The value of ``key`` without quotes (None when unset); a key set twice is an ``unread`` difference."""
    try:
        value = kv.get(key)
    except kvfile.DuplicateKey as exc:
        diffs.append(_diff('unread', host, '%s %s' % (path, key), 'set once', str(exc)))
        return None
    return None if value is None else kvfile.displayable(kvfile.unquote(value))


def _compare_kv(kind, host, path, kv, wanted, diffs, what=None):
    """One difference per key of ``wanted`` ({key: value}) whose value in ``kv`` differs."""
    for key, want in wanted:
        have = _kv_value(host, path, kv, key, diffs)
        if have is None or not kvfile.values_equal(have, str(want)):
            diffs.append(_diff(kind, host, '%s %s' % (what or os.path.basename(path), key), str(want), have))


# ---------------------------------------------------------------------------------------------------
# the ProSync part


def install_agent_cfg_values(model):
    """The (key, value) pairs of prs_install_agent.cfg (the ProSync CM failover guide step 1), in order."""
    pairs = [('AGENT_CNT', len(model['agents']))]
    for index, agent in enumerate(model['agents']):
        pairs += [('AGENT_ID_%d' % index, agent['id']), ('AGENT_HOST_%d' % index, agent['address']),
                  ('AGENT_PORT_%d' % index, agent['port']), ('AGENT_CM_GROUP_%d' % index, agent['cm_group']),
                  ('AGENT_CM_ID_%d' % index, agent['cm_id'])]
    return pairs


def _script_diffs(host, path, entry, expected_text, diffs):
    if entry is None or entry.get('content') is None:
        _read_kv(host, path, entry, diffs)
        return
    lines = entry['content'].split('\n')
    problem = agent_script.shebang_problem(lines[0])
    if problem:
        diffs.append(_diff('script_shebang', host, path, '#!/bin/bash', lines[0]))
    if expected_text is None:
        return
    want = expected_text.split('\n')
    # The shebang is its own difference: compare the rest.
    start = 1 if problem else 0
    for number in range(start, max(len(lines), len(want))):
        have_line = lines[number] if number < len(lines) else None
        want_line = want[number] if number < len(want) else None
        if have_line != want_line:
            diffs.append(_diff('script_content', host, '%s line %d' % (path, number + 1), want_line, have_line))
            return


def node_rows(show, local_node):
    """This node's rows of a ``cmrctl show all`` result (every node's tables)."""
    return [r for r in (show or {}).get('resources') or [] if r.get('node') == local_node]


def extra_agents(rows, cluster, model_agent_ids):
    """Agents this node's rows list that the model does not have: [{name, group, script, status}].

    The group is the node's only group of the agent's cluster when there is one (an agent is always
    in a group of its own node and cluster, cmrctl_show.local_group_names), else the candidates.
    """
    found = []
    groups_of = {}
    for row in rows:
        if row.get('type') == 'group':
            groups_of.setdefault(row.get('cluster'), []).append(row['name'])
    for row in rows:
        if row.get('type') != 'agent' or row.get('name') in model_agent_ids:
            continue
        detail = cs.parse_agent_detail(row.get('detail')) or dict(script=row.get('detail'))
        groups = groups_of.get(row.get('cluster'), [])
        found.append(dict(name=row['name'], group=groups[0] if len(groups) == 1 else '|'.join(groups) or None,
                          script=detail.get('script'), status=row.get('status'), cluster=cluster))
    return found


def prune_plan(show, node):
    """The agents absent from the model on one ProSync node (``node``: its ``tibero_cm_model.by_host``
    entry), from its ``cmrctl_info`` result: [{name, group, script, status, prune, remove_script}].

    ``prune``: ``tibero_cm_prune`` deregisters it - only an agent of this node's own CM group of the
    model; an agent of another group is reported, never touched. ``remove_script``: its script is
    deleted too - only when no agent that stays on this node uses it (an extra agent registered on
    the model agent's own ``prs_<CM_ID>.sh`` leaves that script alone).
    """
    rows = node_rows(show, (show or {}).get('local_node') or node['cm_sid'])
    model_agent = node.get('agent')
    keep = set([model_agent['id']]) if model_agent else set()
    extras = extra_agents(rows, node['cluster'], keep)
    kept_scripts = set()
    if model_agent:
        kept_scripts.add(os.path.normpath(model_agent['script']))
    for row in rows:
        detail = cs.parse_agent_detail(row.get('detail')) if row.get('type') == 'agent' else None
        if detail and row.get('name') in keep:
            kept_scripts.add(os.path.normpath(detail['script']))
    for extra in extras:
        extra['prune'] = extra['group'] == node['cm_group']
    for extra in extras:
        script = extra.get('script') or ''
        others = set(os.path.normpath(e.get('script') or '') for e in extras if not e['prune'])
        extra['remove_script'] = bool(extra['prune'] and os.path.isabs(script)
                                      and os.path.normpath(script) not in kept_scripts | others)
    return extras


def departed_agents(show, node, model):
    """Agents registered on a CM of this node's cluster for which the model has no node: a node that left the
    model while its agent stayed registered (README, Operations: a node leaves its agent first). From one
    node's ``cmrctl show all`` (every node table of the cluster): [{name, cm_name, status, script}].

    Agents are node resources: only a run on that node could deregister them, and no run reaches a node
    outside the model, so they are reported, never pruned.
    """
    keep = set(entry['cm_sid'] for entry in (model.get('by_host') or {}).values()
               if entry.get('cluster') == node['cluster'])
    found = []
    for row in (show or {}).get('resources') or []:
        if row.get('type') != 'agent' or row.get('cluster') != node['cluster'] or row.get('node') in keep:
            continue
        detail = cs.parse_agent_detail(row.get('detail')) or dict(script=row.get('detail'))
        found.append(dict(name=row.get('name'), cm_name=row.get('node'), status=row.get('status'),
                          script=detail.get('script')))
    return found


def _cm_diffs(host, node, cluster, show, diffs):
    """Group, agent and extra agents of one ProSync node from its ``cmrctl_info`` (scope all) result."""
    if show is None or show.get('failed') or 'resources' not in show:
        diffs.append(_diff('unread', host, 'cmrctl show all (%s)' % node['cm_sid'], 'answers',
                           (show or {}).get('msg') or 'not read'))
        return
    local = show.get('local_node') or node['cm_sid']
    rows = node_rows(show, local)
    group = cs.find_resource(rows, 'group', node['cm_group'])
    if group is None:
        diffs.append(_diff('group_missing', host, 'group %s' % node['cm_group'], 'registered', None))
    else:
        detail = cs.parse_group_detail(group.get('detail')) or {}
        want = 'type: prosync (failover: %s)' % ('ON' if cluster.get('failover', True) else 'OFF')
        if detail.get('grptype', '').lower() != 'prosync' or detail.get('failover') != cluster.get('failover', True):
            diffs.append(_diff('group_setting', host, 'group %s' % node['cm_group'], want, group.get('detail')))
        if not cs.is_up(group.get('status'), on_any_node=True):
            diffs.append(_diff('group_state', host, 'group %s' % node['cm_group'], 'UP', group.get('status')))
    agent = node.get('agent')
    if agent:
        row = cs.find_resource(rows, 'agent', agent['id'])
        if row is None:
            diffs.append(_diff('agent_missing', host, 'agent %s' % agent['id'], 'registered in %s' % node['cm_group'],
                               None))
        else:
            detail = cs.parse_agent_detail(row.get('detail')) or dict(script=row.get('detail'))
            if os.path.normpath(detail.get('script') or '') != os.path.normpath(agent['script']):
                diffs.append(_diff('agent_setting', host, 'agent %s script' % agent['id'], agent['script'],
                                   detail.get('script')))
            if not cs.is_up(row.get('status')):
                diffs.append(_diff('agent_state', host, 'agent %s' % agent['id'], 'UP', row.get('status')))
    for extra in prune_plan(show, node):
        diffs.append(_diff('agent_extra', host, 'agent %s in group %s' % (extra['name'], extra['group']),
                           'absent (not in the model)', '%s, %s' % (extra['status'], extra['script'])))


def _own_listing(own_prs, agent):
    """The agent as its own node's ``prs_adm status`` lists it, or None."""
    reading = (own_prs or {}).get(agent['host']) or {}
    return dict((a['id'], a) for a in reading.get('agents') or []).get(agent['id'])


def _prs_diffs(model, prs, diffs, own_prs=None):
    """``prs``: the ProSync host's ``prs_adm status``; ``own_prs``: {host: that node's own reading}, where an
    agent the ProSync host does not list is looked for (its prs_instance.map does not know an agent added on
    another node after its own last prs_install_agent.sh run: vendor-facts PRS-16)."""
    host = (prs or {}).get('host')
    if prs is None or prs.get('agents') is None:
        diffs.append(_diff('unread', host, 'prs_adm status', 'answers', (prs or {}).get('msg') or 'not read'))
        return
    listed = dict((a['id'], a) for a in prs['agents'])
    for agent in model['agents']:
        seen, where = listed.get(agent['id']), host
        if seen is None:
            seen, where = _own_listing(own_prs, agent), agent['host']
        if seen is None:
            diffs.append(_diff('prs_agent', host, 'prs_agent %s' % agent['id'], 'listed, running', None))
            continue
        for field in ('port', 'cm_group', 'cm_id'):
            if seen.get(field) is not None and str(seen[field]) != str(agent[field]):
                diffs.append(_diff('prs_agent', where, 'prs_agent %s %s' % (agent['id'], field), str(agent[field]),
                                   str(seen[field])))
        if not seen.get('running'):
            diffs.append(_diff('prs_agent', where, 'prs_agent %s' % agent['id'], 'running', 'not running'))
    known = set(a['id'] for a in model['agents'])
    for agent_id in sorted(set(listed) - known):
        diffs.append(_diff('prs_agent', host, 'prs_agent %s' % agent_id, 'absent (not in the model)',
                           'running' if listed[agent_id].get('running') else 'not running'))
    for process in prs.get('processes') or []:
        if not process.get('running'):
            diffs.append(_diff('prs_process', host, process['name'], 'running', 'not running'))


# ---------------------------------------------------------------------------------------------------
# the TSC part


def _tsc_diffs(tsc, hosts, observer, prosync_hosts, diffs):
    for host, tsc_node in sorted((tsc.get('by_host') or {}).items()):
        if tsc_node.get('role') not in ('primary', 'standby'):
            continue
        observed = hosts.get(host)
        if observed is None:
            diffs.append(_diff('unread', host, 'TSC node', 'audited', 'not reached'))
            continue
        show = observed.get('show')
        if (show is None or show.get('failed') or 'resources' not in show) and host not in prosync_hosts:
            # A ProSync node's own CM reading is reported with its CM resources already.
            diffs.append(_diff('unread', host, 'cmrctl show all (%s)' % tsc_node['cm_sid'], 'answers',
                               (show or {}).get('msg') or 'not read'))
        for role, pairs, extra in (('cm_tip', TSC_CM_PARAMS, ()), ('db_tip', TSC_DB_PARAMS,
                                                                   (('STANDBY_USE_OBSERVER', 'Y'),))):
            path = (observed.get('paths') or {}).get(role)
            kv = _read_kv(host, path, (observed.get('files') or {}).get(path), diffs)
            if kv is not None:
                wanted = [(key, tsc['timers'][field]) for key, field in pairs] + list(extra)
                _compare_kv('tsc_param', host, path, kv, wanted, diffs)
    obs_host = tsc['observer']['host']
    if observer is None or observer.get('failed') or 'tsc' not in observer:
        diffs.append(_diff('unread', obs_host, 'cmrctl show --tscid %s' % tsc['id'], 'answers',
                           (observer or {}).get('msg') or 'not read'))
        return
    shown = observer['tsc']
    if shown.get('mode_normalized') != tsc['mode']:
        diffs.append(_diff('tsc_mode', obs_host, 'TSC %s mode' % tsc['id'], tsc['mode'],
                           shown.get('mode_normalized') or shown.get('mode')))
    listed = set(m.get('cm_name') for m in shown.get('members') or [])
    for host, tsc_node in sorted((tsc.get('by_host') or {}).items()):
        if tsc_node.get('role') not in ('primary', 'standby'):
            continue
        cm_name = ((hosts.get(host) or {}).get('show') or {}).get('local_node')
        if cm_name and cm_name not in listed:
            diffs.append(_diff('tsc_member', obs_host, 'TSC %s member %s (%s)' % (tsc['id'], cm_name, host), 'listed',
                               'not listed'))


# ---------------------------------------------------------------------------------------------------
# the whole audit


def differences(model, observed):
    """Every difference between ``model`` (``tibero_cm_model``) and ``observed``.

    ``observed``: ``hosts`` {host: {paths: {role: path}, files: read_files(), show: cmrctl_info result,
    expected_script: text or None, own_prs: that node's own prs_info result or None}}, ``prs``
    (``prs_info`` result with ``host``), ``observer``
    (``cmrctl_info`` result with ``tsc``), ``unreached`` (hosts not read).
    """
    diffs = []
    hosts = observed.get('hosts') or {}
    for host in observed.get('unreached') or []:
        diffs.append(_diff('unread', host, 'node', 'reachable', 'not reached'))
    clusters = dict((c['name'], c) for c in model.get('clusters') or [])
    for host in model.get('hosts') or []:
        node = model['by_host'][host]
        observed_host = hosts.get(host)
        if observed_host is None:
            continue
        paths, files = observed_host.get('paths') or {}, observed_host.get('files') or {}
        kv = _read_kv(host, paths.get('cm_tip'), files.get(paths.get('cm_tip')), diffs)
        if kv is not None:
            _compare_kv('cm_id', host, paths.get('cm_tip'), kv, [('CM_ID', node['cm_id'])], diffs)
        _cm_diffs(host, node, clusters.get(node['cluster'], {}), observed_host.get('show'), diffs)
        if not node.get('agent'):
            continue
        kv = _read_kv(host, paths.get('install_agent_cfg'), files.get(paths.get('install_agent_cfg')), diffs)
        if kv is not None:
            _compare_kv('install_agent_cfg', host, paths.get('install_agent_cfg'), kv, install_agent_cfg_values(model),
                        diffs)
        if paths.get('script'):
            _script_diffs(host, paths['script'], files.get(paths['script']), observed_host.get('expected_script'),
                          diffs)
        if model.get('agent_params'):
            kv = _read_kv(host, paths.get('agent_cfg'), files.get(paths.get('agent_cfg')), diffs)
            if kv is not None:
                _compare_kv('agent_param', host, paths.get('agent_cfg'), kv, sorted(model['agent_params'].items()),
                            diffs)
    if model.get('agents') and 'prs' in observed:
        _prs_diffs(model, observed.get('prs'), diffs,
                   dict((h, facts.get('own_prs')) for h, facts in hosts.items() if facts.get('own_prs')))
    if model.get('tsc'):
        _tsc_diffs(model['tsc'], hosts, observed.get('observer'), model.get('hosts') or [], diffs)
    return diffs


def report(model, observed):
    """The JSON report: {ok, differences, counts: {kind: n}, kinds}."""
    diffs = differences(model, observed)
    counts = {}
    for diff in diffs:
        counts[diff['kind']] = counts.get(diff['kind'], 0) + 1
    return dict(ok=not diffs, differences=diffs, counts=counts, kinds=KINDS)


def table(audit_report, width=60):
    """A fixed-width table of a report, one row per difference, or the line ``no drift``."""
    diffs = audit_report.get('differences') or []
    if not diffs:
        return ['no drift: the site matches the model']

    def cell(value):
        text = '-' if value is None else str(value).replace('\n', ' ')
        return text if len(text) <= width else text[:width - 3] + '...'

    rows = [TABLE_HEADER] + [tuple(cell(d.get(k)) for k in ('kind', 'host', 'what', 'expected', 'actual'))
                             for d in diffs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADER))]
    lines = ['  '.join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.append('drift: %d difference(s)' % len(diffs))
    return lines
