# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interruption: kill ansible-playbook at every step that changes something, then rerun site.yml.

One lab, converged by the secrets suite, is reused. Before each point only what that point needs
is undone by hand (a node's CM_ID removed from its tip, or one cluster's group and agents removed),
so the next run has that step to do. The run is killed by the test-only callback
callback_plugins/tcm_rel_interrupt.py: SIGKILL to the whole ansible-playbook process group at the
chosen event, so no rescue, always or handler runs (a controller that vanished). Then site.yml runs
again, and the site must be converged and healthy: every CM/DB/group/agent UP, every ProSync process
running, every tip file intact with its backup, no duplicate resource, no restart marker or run
lock left, and prs_install.sh never run again.
"""

from __future__ import absolute_import, division, print_function

import collections

import pytest

import lablib

pytestmark = pytest.mark.figure('interruption')


def _drop_cm_id(node):
    def reset(lab):
        lab.sh(node, "sed -i '/^CM_ID=/d' %s" % lab.tip_path(node), user='tibero')
        assert 'CM_ID' not in lablib.parse_tip(lab.read_bytes(node, lab.tip_path(node)))
    return reset


def _drop_group(cluster_nodes, group):
    def reset(lab):
        first = cluster_nodes[0]
        lab.tibero(first, 'cmrctl stop group --name %s' % group)
        for node in cluster_nodes:
            lab.tibero(node, 'cmrctl del agent --name %s' % lablib.AGENTS[node])
        # Each CM publishes its own node's resources on its next tick: until the peer's CM did, the
        # group still has an agent there and `del group` is refused ("agent resources still belong").
        lab.wait_for(lambda: lab.tibero(first, 'cmrctl del group --name %s' % group, check=False).returncode == 0,
                     timeout=60, what='cmrctl del group --name %s to be accepted' % group)
        names = [r['name'] for r in lab.show_all(first)]
        assert group not in names and not set(lablib.AGENTS[n] for n in cluster_nodes) & set(names)
    return reset


# The interrupted run is site.yml limited to preflight (lock, live checks) and the phase the kill is in:
# on the converged lab the phases it leaves out have nothing to do, so the state at the kill is the
# same and the run gets there sooner. The rerun is always the whole site.yml (its phases 2-3 run
# while the interrupted node is down: that is where prs_install.sh could wrongly run again).
CM_NODE = 'preflight,cm_node'
CM_RESOURCES = 'preflight,cm_resources'
# (id, reset, tags of the interrupted run, kill point, what must have happened when the kill came)
POINTS = [
    ('after tbdown', _drop_cm_id('node1'), CM_NODE, 'ok::CM node | tbdown::node1', 'tbdown'),
    # The CM restart is one module call (tbcm -d, the tip, tbcm -b): killed as it starts, it runs on inside the
    # node or dies with the connection, anywhere between tbcm -d and tbcm -b (the tip write among them).
    ('mid CM restart', _drop_cm_id('node2'), CM_NODE, 'start::CM node | Restart the CM::node2', 'Restart the CM'),
    ('after CM restart', _drop_cm_id('node3'), CM_NODE, 'ok::CM node | Restart the CM::node3', 'Restart the CM'),
    ('mid tbboot', _drop_cm_id('node4'), CM_NODE, 'start::CM node | tbboot::node4', 'tbboot'),
    ('between group and agent registration', _drop_group(['node3', 'node4'], 'CM2'), CM_RESOURCES,
     'ok::CM resources | Register the group::node3', 'Register the group'),
    ('between registration and start', _drop_group(['node1', 'node2'], 'CM1'), CM_RESOURCES,
     'task::CM resources | Start the group', 'Start the group'),
]


def assert_converged_and_healthy(lab, installs_before):
    # CM, DB, groups and agents: every one UP, each exactly once per node.
    for first in ('node1', 'node3'):
        rows = lab.show_all(first)
        keys = collections.Counter((r['node'], r['type'], r['name']) for r in rows)
        assert [k for k, n in keys.items() if n > 1] == [], 'duplicate resources: %s' % keys
        cluster = lablib.SITE[first][0]
        nodes = [n for n, site in lablib.SITE.items() if site[0] == cluster]
        for node in nodes:
            cm_name = lablib.SITE[node][2]
            mine = [r for r in rows if r['node'] == cm_name]
            status = dict(((r['type'], r['name']), r['status']) for r in mine)
            assert status.get(('db', lablib.SITE[node][1])) == 'UP(NRML)', (node, mine)
            assert status.get(('group', lablib.GROUPS[cluster])) == 'UP', (node, mine)
            assert status.get(('agent', lablib.AGENTS[node])) == 'UP', (node, mine)
    # ProSync: every agent and process running.
    status = lab.prs_status()
    assert status['agents'] and all(a['running'] for a in status['agents']), status
    assert len(status['agents']) == 4
    assert status['processes'] and all(p['running'] for p in status['processes']), status
    # Tip files intact: strict parse, CM_ID once with the node's value, a backup = the tip without it.
    for node in lablib.NODES:
        data = lab.read_bytes(node, lab.tip_path(node))
        values = lablib.parse_tip(data)
        assert values.get('CM_ID') == str(lablib.SITE[node][3]), (node, values)
        cm_sid = lablib.SITE[node][2]
        backups = [name for name in lab.ls(node, lablib.TB_HOME + '/config')
                   if name.startswith(cm_sid + '.tip') and name != cm_sid + '.tip']
        assert backups, '%s: no backup of %s.tip' % (node, cm_sid)
        without = b''.join(line for line in data.splitlines(True) if not line.startswith(b'CM_ID='))
        originals = [lab.read_bytes(node, '%s/config/%s' % (lablib.TB_HOME, name)) for name in backups]
        assert any(lablib.parse_tip(b) and b == without for b in originals), (node, backups)
        # Nothing left behind by the interrupted run.
        assert lab.sh(node, 'test -e %s/restart-in-progress' % lablib.STATE_DIR, check=False).returncode != 0
        assert lab.sh(node, 'test -e %s/run.lock' % lablib.STATE_DIR, check=False).returncode != 0
    # prs_install.sh never ran again.
    assert lab.install_counts() == installs_before


@pytest.mark.parametrize('reset,tags,kill_at,step', [p[1:] for p in POINTS], ids=[p[0] for p in POINTS])
def test_interrupted_run_then_rerun_converges(lab, reset, tags, kill_at, step):
    installs = lab.install_counts()
    assert installs == {'tibero': 1, 'tibero_tar': 1}, 'the lab was not converged once: %s' % installs
    reset(lab)
    killed = lab.playbook('--tags', tags, kill_at=kill_at)
    assert killed.killed, 'the run was not killed at %s: %r' % (kill_at, killed)
    with open(lab.kill_log) as handle:
        assert step in handle.read().splitlines()[-1], killed
    rerun = lab.playbook()
    assert rerun.rc == 0, rerun
    assert 'failed=0' in rerun.out
    assert_converged_and_healthy(lab, installs)
