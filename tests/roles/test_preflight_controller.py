# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-only tests of the roles and playbooks (no Docker, no lab).

* every playbook passes ``ansible-playbook --syntax-check``;
* ``site.yml`` run against a copy of the lab inventory whose model is broken fails in preflight with
  a message naming the variable and the rule, and never contacts a node: the nodes point at
  containers that do not exist, so any connection attempt would show up as UNREACHABLE.

Run from the repository root: ``.venv/bin/python -m pytest tests/roles`` (it builds the collection
copy with scripts/build_collection.sh first).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
PLAYBOOKS = ['site.yml'] + sorted(
    os.path.join('playbooks', name) for name in os.listdir(os.path.join(ROOT, 'playbooks'))
    if name.endswith('.yml'))


def _env():
    env = dict(os.environ)
    env['ANSIBLE_CONFIG'] = os.path.join(ROOT, 'ansible.cfg')
    env['ANSIBLE_COLLECTIONS_PATH'] = os.path.join(ROOT, 'build', 'collections')
    env['ANSIBLE_NOCOLOR'] = '1'
    env['ANSIBLE_LOCALHOST_WARNING'] = '0'
    env.pop('ANSIBLE_PYTHON_INTERPRETER', None)
    return env


def _ansible_playbook():
    # The ansible-core of the interpreter running these tests (make controller-matrix runs them once
    # per release, each in its own venv), else the repository's venv, else PATH.
    for candidate in (os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
                      os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook')):
        if os.path.exists(candidate):
            return candidate
    return shutil.which('ansible-playbook')


def _run(args, cwd=ROOT):
    proc = subprocess.run([_ansible_playbook()] + args, cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize('playbook', PLAYBOOKS)
def test_syntax_check(playbook):
    rc, out = _run(['--syntax-check', '-i', 'inventories/lab', playbook])
    assert rc == 0, out
    rc, out = _run(['--syntax-check', '-i', 'inventories/prod', playbook])
    assert rc == 0, out


def _flat(out):
    """The output with the callback's YAML line wrapping and quote doubling (ansible-core < 2.19)
    undone, so that a message is found whole."""
    return re.sub(r'\s+', ' ', out).replace("''", "'")


def _bad_inventory(tmp_path, mutate, mutate_hosts=None):
    """A copy of inventories/lab whose nodes cannot be reached, with a mutated model (and host vars)."""
    inv = tmp_path / 'inv'
    shutil.copytree(os.path.join(ROOT, 'inventories', 'lab'), str(inv))
    hosts = yaml.safe_load((inv / 'hosts.yml').read_text())
    for name, hvars in hosts['all']['children']['tibero_cm_lab']['hosts'].items():
        hvars['ansible_host'] = 'tcm-roles-no-such-container-%s' % name
    if mutate_hosts:
        mutate_hosts(hosts['all']['children']['tibero_cm_lab']['hosts'])
    (inv / 'hosts.yml').write_text(yaml.safe_dump(hosts))
    model_file = inv / 'group_vars' / 'all' / 'tibero_cm.yml'
    model = yaml.safe_load(model_file.read_text())
    mutate(model)
    model_file.write_text(yaml.safe_dump(model))
    return str(inv)


def _set(path, value):
    def mutate(model):
        target = model
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _delete(key):
    def mutate(model):
        del model[key]
    return mutate


CASES = [
    ('duplicate agent id', _set(['tibero_cm_agents', 1, 'id'], 'agent1'),
     ['tibero_cm_agents[1].id', 'agent ids are unique']),
    ('port out of range', _set(['tibero_cm_agents', 2, 'port'], 99999),
     ['tibero_cm_agents[2].port', 'ports are 1024..65535']),
    ('port collision on a host', _set(['tibero_cm_instance', 'apply_port'], 7800),
     ['tibero_cm_instance.apply_port', 'ports are unique per host']),
    ('CM id not matching the position', _set(['tibero_cm_clusters', 1, 'nodes', 0, 'cm_id'], 1),
     ['tibero_cm_clusters[1].nodes[0].cm_id', 'position']),
    ('unknown agent in a list', _set(['tibero_cm_instance', 'llob_agents'], ['agent1', 'agent7']),
     ['tibero_cm_instance.llob_agents[1]', 'one of tibero_cm_agents']),
    ('EXT_CNT != SRC_DB_CNT', _set(['tibero_cm_instance', 'ext_agents'], [['agent1', 'agent2']]),
     ['tibero_cm_instance.ext_agents', 'EXT_CNT must equal SRC_DB_CNT']),
    ('missing TB_HOME', _delete('tibero_cm_tb_home'),
     ['tibero_cm_tb_home', 'is missing']),
    ('wrong type', _set(['tibero_cm_agents', 0, 'port'], '7600'),
     ['tibero_cm_agents[0].port', 'type integer']),
    ('shell metacharacters in a path', _set(['tibero_cm_prs_home'], '/home/prosync/x;reboot'),
     ['tibero_cm_prs_home', 'invalid path']),
    # Value shapes that crashed the filter (unhashable lazy containers) instead of naming the variable.
    ('install host as a list', _set(['tibero_cm_instance', 'install_host'], ['node1']),
     ['tibero_cm_instance.install_host: must be a string, got list (rule: type string']),
    ('a whole cluster templated into source.cluster',
     _set(['tibero_cm_instance', 'source', 'cluster'], '{{ tibero_cm_clusters[0] }}'),
     ['tibero_cm_instance.source.cluster: must be a string, got dict (rule: type string)']),
    ('a list templated into an agent id', _set(['tibero_cm_agents', 0, 'id'], '{{ tibero_cm_instance.apply_agents }}'),
     ['tibero_cm_agents[0].id: must be a string, got list']),
    ('unknown key', _set(['tibero_cm_agents', 1, 'prot'], 7701),
     ["tibero_cm_agents[1].prot: unknown key, likely a typo of 'port'"]),
    ('placeholder password', _set(['tibero_cm_instance', 'password'], 'CHANGE_ME_prs'),
     ['tibero_cm_instance.password: is still the placeholder']),
]


@pytest.mark.parametrize('mutate,expected', [(case[1], case[2]) for case in CASES], ids=[c[0] for c in CASES])
def test_site_stops_in_preflight_without_touching_a_host(tmp_path, mutate, expected):
    inv = _bad_inventory(tmp_path, mutate)
    rc, out = _run(['-i', inv, 'site.yml'])
    assert rc != 0, out
    assert 'no host was touched' in out, out
    for part in expected:
        assert part in _flat(out), (part, out)
    assert 'UNREACHABLE' not in out, out
    assert 'tcm-roles-no-such-container' not in out, out
    # Plain type names, never a crash of the filter.
    assert '_Ansible' not in out and 'unhashable' not in out and 'Traceback' not in out, out
    # The failing task is the model check; nothing after it ran.
    assert 'ProSync agents' not in out and 'Read every node' not in out, out


def test_several_problems_reported_in_one_run(tmp_path):
    def mutate(model):
        _set(['tibero_cm_agents', 1, 'id'], 'agent1')(model)
        _set(['tibero_cm_agents', 3, 'port'], 10)(model)
        _delete('tibero_cm_prs_home')(model)
    rc, out = _run(['-i', _bad_inventory(tmp_path, mutate), 'site.yml'])
    assert rc != 0
    # The duplicate id also makes agent2 unknown in the instance's lists: reported too.
    found = re.search(r'tibero.cm model: (\d+) problem', out)
    assert found and int(found.group(1)) >= 3, out
    for var in ('tibero_cm_agents[1].id', 'tibero_cm_agents[3].port', 'tibero_cm_prs_home'):
        assert var in out, (var, out)


def test_agent_address_reported_with_the_other_problems(tmp_path):
    def bad_address(hosts):
        hosts['node2']['tibero_cm_agent_address'] = '10.0.0.2 x'
    inv = _bad_inventory(tmp_path, _set(['tibero_cm_agents', 0, 'port'], 99999), bad_address)
    rc, out = _run(['-i', inv, 'site.yml'])
    assert rc != 0 and 'no host was touched' in out, out
    assert 'tibero_cm_agents[0].port' in out, out
    assert "tibero_cm_agent_address of host node2: invalid agent address '10.0.0.2 x'" in _flat(out), out
    assert 'UNREACHABLE' not in out, out


def test_secrets_never_in_preflight_output(tmp_path):
    secret = 'Sup3r$ecret pass'
    rc, out = _run(['-i', _bad_inventory(tmp_path, _set(['tibero_cm_instance', 'password'], secret)),
                    'site.yml', '-vvv'])
    assert rc != 0
    assert 'tibero_cm_instance.password' in out
    assert secret not in out and 'Sup3r' not in out


def test_validate_playbook_accepts_the_lab_model():
    rc, out = _run(['-i', 'inventories/lab', 'playbooks/validate.yml'])
    assert rc == 0, out
    assert "'cm_group': 'CM2'" in out or 'cm_group: CM2' in out, out


def test_validate_playbook_accepts_the_prod_model(tmp_path):
    example = os.path.join(ROOT, 'examples', 'vault.example.yml')
    secrets = tmp_path / 'vault.yml'
    secrets.write_text(yaml.safe_dump(dict((name, 'Real_%d' % i) for i, name in
                                           enumerate(sorted(yaml.safe_load(open(example)))))))
    rc, out = _run(['-i', 'inventories/prod', 'playbooks/validate.yml', '-e', '@' + str(secrets)])
    assert rc == 0, out
    # Both parts of the site: the ProSync clusters and the TSC's.
    assert "'cm_group': 'CM2'" in out or 'cm_group: CM2' in out, out
    assert 'cls_tsc_sby' in out and 'tsc-obs1' in out, out


def test_validate_playbook_refuses_the_example_secrets():
    rc, out = _run(['-i', 'inventories/prod', 'playbooks/validate.yml',
                    '-e', '@' + os.path.join(ROOT, 'examples', 'vault.example.yml')])
    assert rc != 0, out
    for var in ('tibero_cm_instance.password', 'tibero_cm_instance.source.install_password',
                'tibero_cm_instance.target.install_password'):
        assert var + ': is still the placeholder' in _flat(out), (var, out)
    assert 'CHANGE_ME' not in out, out


def _tsc_inventory(tmp_path, mutate=None):
    """A copy of inventories/tsc_lab (a TSC-only site) whose hosts cannot be reached."""
    inv = tmp_path / 'tsc_inv'
    shutil.copytree(os.path.join(ROOT, 'inventories', 'tsc_lab'), str(inv))
    hosts = yaml.safe_load((inv / 'hosts.yml').read_text())
    for name, hvars in hosts['all']['hosts'].items():
        hvars['ansible_host'] = 'tcm-roles-no-such-container-%s' % name
    (inv / 'hosts.yml').write_text(yaml.safe_dump(hosts))
    if mutate:
        model_file = inv / 'group_vars' / 'all' / 'tsc.yml'
        model = yaml.safe_load(model_file.read_text())
        mutate(model)
        model_file.write_text(yaml.safe_dump(model))
    return str(inv)


def test_site_stops_on_a_bad_tsc_model_in_preflight_without_touching_a_host(tmp_path):
    def mutate(model):
        tsc = model['tibero_cm_tsc']
        tsc['mode'] = 'disaster-plan'
        tsc['observer']['ip'] = '$(hostname -i)'
        tsc['observer']['cm_sid'] = 'cm_obs;reboot'
        tsc['timers']['cm_heartbeat_expir'] = 5
        del model['tibero_cm_clusters'][0]['nodes'][0]['tb_sid']
        model['tibero_cm_tb_home'] = 'tibero/tibero7'
    rc, out = _run(['-i', _tsc_inventory(tmp_path, mutate), 'site.yml'])
    assert rc != 0, out
    assert 'no host was touched' in out, out
    flat = _flat(out)
    for part in ("tibero_cm_tsc.mode: unknown observer mode 'disaster-plan' (rule: one of protective, disaster_plan",
                 "tibero_cm_tsc.observer.ip: invalid address '$(hostname -i)'",
                 "tibero_cm_tsc.observer.cm_sid: invalid name 'cm_obs;reboot'",
                 "tibero_cm_tsc.timers.cm_heartbeat_expir: unknown key, likely a typo of 'cm_heartbeat_expire'",
                 'tibero_cm_clusters[0].nodes[0].tb_sid: is missing',
                 "tibero_cm_tb_home: invalid path 'tibero/tibero7'"):
        assert part in flat, (part, out)
    assert 'UNREACHABLE' not in out and 'tcm-roles-no-such-container' not in out, out
    assert '_Ansible' not in out and 'Traceback' not in out, out
    assert 'TSC' not in out.split('no host was touched', 1)[1], out


def test_validate_playbook_accepts_the_tsc_only_model():
    rc, out = _run(['-i', 'inventories/tsc_lab', 'playbooks/validate.yml'])
    assert rc == 0, out
    assert 'tsc_sby' in out and 'cm_group' not in out, out


def test_tsc_phase_groups_a_tsc_site_from_the_model(tmp_path):
    """Loading the model gives each TSC host its TSC group and the role's settings (site.yml phase 1's
    load steps, the molecule scenario's own plays)."""
    inv = _tsc_inventory(tmp_path)
    rc, out = _run(['-i', inv, 'site.yml', '--list-hosts'])
    assert rc == 0, out
    playbook = tmp_path / 'groups.yml'
    playbook.write_text("""
- name: Load
  import_playbook: %s
- name: Show
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Groups and settings
      ansible.builtin.debug:
        msg: "{{ [groups.tsc_primary, groups.tsc_standby, groups.tsc_observer, hostvars.sby1.tsc_observer_service,
                  hostvars.pri1.tsc_observer_cm_sid_db, hostvars.obs1.tsc_observer_ip,
                  hostvars.obs1.tsc_observer_timers.cm_heartbeat_expire] | to_json }}"
""" % os.path.join(ROOT, 'molecule', 'tsc', 'load_model.yml'))
    rc, out = _run(['-i', inv, str(playbook)])
    assert rc == 0, out
    assert '[["pri1"], ["sby1"], ["obs1"], "tsc_sby", "cm_pri", "172.19.0.30", 5]' in out.replace('\\"', '"'), out
    assert 'UNREACHABLE' not in out, out


# verify's summary (roles/verify/tasks/summary.yml) from given read results, on the controller only:
# the model is derived by preflight's model.yml, the nodes' results are set as facts.
SUMMARY_PLAYBOOK = """
- name: Summary of given verify results
  hosts: all
  gather_facts: false
  tasks:
    - name: Derive the model
      ansible.builtin.include_role:
        name: tibero.cm.preflight
        tasks_from: model.yml
    - name: What main.yml would have read (every node's group and agent UP in its own table)
      ansible.builtin.set_fact:
        __verify_show:
          local_node: "{{ __n.cm_sid }}"
          resources: "{{ [{'node': __n.cm_sid, 'cluster': __n.cluster, 'type': 'group', 'name': __n.cm_group,
                           'status': 'UP', 'detail': 'type: prosync (failover: ON)'},
                          {'node': __n.cm_sid, 'cluster': __n.cluster, 'type': 'agent', 'name': __n.agent.id,
                           'status': 'UP', 'detail': __n.agent.script ~ ', start retry cnt: 0'}] + __extra_rows }}"
        __verify_own_prs: {skipped: true}
        __verify_prs: "{{ prs_result if inventory_hostname == 'node1' else {} }}"
      vars:
        __n: "{{ tibero_cm_model.by_host[inventory_hostname] }}"
        __extra_rows: []
    - name: Summary and verdict
      ansible.builtin.include_role:
        name: tibero.cm.verify
        tasks_from: summary.yml
      vars:
        tibero_cm_verify_report: ''
"""
PRS_ANSWERED = {'instance_id': 'TAC2TAC', 'all_running': False,
                'agents': [{'id': a, 'running': True} for a in ('agent1', 'agent2', 'agent3', 'agent4')],
                'processes': [{'name': 'TAC2TAC_ext1', 'running': False}, {'name': 'TAC2TAC_ext2', 'running': True}]}


@pytest.mark.parametrize('prs_result, expected, unexpected', [
    # retries ran out while prs_adm answered: ansible-core marks the result failed with a generic
    # message; the summary names what is down, not "Unknown error"
    (dict(PRS_ANSWERED, failed=True, attempts=30, msg='Task failed: Action failed: Unknown error.'),
     ['prs_adm status: TAC2TAC_ext1 is not running'], ['failed on node1', 'Unknown error']),
    # prs_adm itself failed: its message is reported
    ({'failed': True, 'msg': 'prs_adm did not answer within 15 seconds on node1', 'commands': []},
     ['prs_adm status failed on node1: prs_adm did not answer within 15 seconds'], ['agent1 is not running']),
])
def test_verify_summary_names_what_is_wrong(tmp_path, prs_result, expected, unexpected):
    inv = _bad_inventory(tmp_path, lambda model: None)
    playbook = tmp_path / 'summary.yml'
    playbook.write_text(SUMMARY_PLAYBOOK)
    extra = tmp_path / 'extra.json'
    extra.write_text(json.dumps({'prs_result': prs_result}))
    rc, out = _run(['-i', inv, str(playbook), '-e', '@' + str(extra)])
    assert rc != 0 and 'verify failed: see the summary above' in out, out
    message = out[out.index('verify failed: see the summary above'):]
    for part in expected:
        assert part in message, (part, out)
    for part in unexpected:
        assert part not in message, (part, out)
    assert 'UNREACHABLE' not in out, out


# Issue 17, add a node: the ProSync host's prs_adm does not list an agent added on another node after its own
# last prs_install_agent.sh run; verify then reads that agent on its own node (own_agent_down).
OWN_SUMMARY_PLAYBOOK = SUMMARY_PLAYBOOK.replace(
    "__verify_own_prs: {skipped: true}",
    "__verify_own_prs: \"{{ {'agents': []} if own_down and inventory_hostname == 'node4' else {'skipped': true} }}\"")
PRS_THREE = {'instance_id': 'TAC2TAC', 'all_running': True,
             'agents': [{'id': a, 'running': True} for a in ('agent1', 'agent2', 'agent3')],
             'processes': [{'name': 'TAC2TAC_ext1', 'running': True}]}


@pytest.mark.parametrize('own_down, ok', [(False, True), (True, False)])
def test_verify_summary_reads_an_agent_the_prosync_host_does_not_list_on_its_own_node(tmp_path, own_down, ok):
    inv = _bad_inventory(tmp_path, lambda model: None)
    playbook = tmp_path / 'summary.yml'
    playbook.write_text(OWN_SUMMARY_PLAYBOOK)
    extra = tmp_path / 'extra.json'
    extra.write_text(json.dumps({'prs_result': PRS_THREE, 'own_down': own_down}))
    rc, out = _run(['-i', inv, str(playbook), '-e', '@' + str(extra)])
    problem = 'prs_adm status on node4: agent4 is not running (node1 does not list it)'
    if ok:
        assert rc == 0 and problem not in out, out
    else:
        assert rc != 0 and problem in out[out.index('verify failed: see the summary above'):], out
    assert 'UNREACHABLE' not in out, out


# agent9 registered on cm_tibero_tar9, a CM of node3's cluster that no node of the model runs.
DEPARTED_SUMMARY_PLAYBOOK = SUMMARY_PLAYBOOK.replace(
    "__extra_rows: []",
    "__extra_rows: \"{{ [{'node': 'cm_tibero_tar9', 'cluster': __n.cluster, 'type': 'agent', 'name': 'agent9', "
    "'status': 'UP', 'detail': '/p/bin/prs_2.sh, start retry cnt: 0'}] if inventory_hostname == 'node3' else [] }}\"")


def test_verify_summary_reports_an_agent_of_a_departed_node_as_drift_without_failing(tmp_path):
    inv = _bad_inventory(tmp_path, lambda model: None)
    playbook = tmp_path / 'summary.yml'
    playbook.write_text(DEPARTED_SUMMARY_PLAYBOOK)
    extra = tmp_path / 'extra.json'
    prs = {'instance_id': 'TAC2TAC', 'all_running': True,
           'agents': [{'id': a, 'running': True} for a in ('agent1', 'agent2', 'agent3', 'agent4')], 'processes': []}
    extra.write_text(json.dumps({'prs_result': prs}))
    rc, out = _run(['-i', inv, str(playbook), '-e', '@' + str(extra)])
    assert rc == 0, out
    flat = _flat(out)
    assert ('drift: agent agent9 (group CM2, UP) is registered on CM cm_tibero_tar9, which no node of the model runs; '
            'deregister it on that node') in flat, out
    assert 'agent9 on a CM that no node of the model runs: deregister them on that node' in flat, out


def test_module_defaults_of_the_collection_action_group(tmp_path):
    """The playbooks give tb_home once, as module_defaults of the action group tibero.cm.cm
    (meta/runtime.yml): a module of the group called without tb_home takes it from there (checked on
    every ansible-core release of the controller matrix)."""
    tb_home = tmp_path / 'tb'
    (tb_home / 'config').mkdir(parents=True)
    (tb_home / 'config' / 'cm_x.tip').write_text('CM_NAME=x\n')
    playbook = tmp_path / 'defaults.yml'
    playbook.write_text("""
- name: A module of the group without tb_home
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/tibero.cm.cm:
      tb_home: %s
  tasks:
    - name: Plan CM_ID in the tip (check mode)
      tibero.cm.tip_param:
        sid: cm_x
        name: CM_ID
        value: "0"
      check_mode: true
      register: __tip

    - name: Show where it looked
      ansible.builtin.debug:
        msg: "tip={{ __tip.path }} changed={{ __tip.changed }}"
""" % tb_home)
    rc, out = _run(['-i', 'localhost,', '-c', 'local', str(playbook)])
    assert rc == 0, out
    assert 'tip=%s changed=True' % (tb_home / 'config' / 'cm_x.tip') in _flat(out), out
    assert (tb_home / 'config' / 'cm_x.tip').read_text() == 'CM_NAME=x\n'
