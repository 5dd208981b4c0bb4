# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cm_model / cm_model_problems: every bad model gives its own message (variable + rule)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest
import yaml

from ansible_collections.tibero.cm.plugins.filter.cm_model import cm_model, cm_model_problems

HOSTS = ['node1', 'node2', 'node3', 'node4', 'observer']


def seed_model():
    """Seed 000's site, as inventories/lab declares it."""
    return {
        'tb_home': '/home/tibero/tibero/tibero7',
        'prs_home': '/home/prosync/example',
        'tibero_user': 'tibero',
        'prosync_user': 'prosync',
        'clusters': [
            {'name': 'cls_tibero', 'db_name': 'tibero', 'cm_group': 'CM1', 'failover': True,
             'nodes': [{'host': 'node1', 'tb_sid': 'tibero1', 'cm_sid': 'cm_tibero1'},
                       {'host': 'node2', 'tb_sid': 'tibero2', 'cm_sid': 'cm_tibero2'}]},
            {'name': 'cls_tibero_tar', 'db_name': 'tibero_tar', 'cm_group': 'CM2',
             'nodes': [{'host': 'node3', 'tb_sid': 'tibero_tar1', 'cm_sid': 'cm_tibero_tar1'},
                       {'host': 'node4', 'tb_sid': 'tibero_tar2', 'cm_sid': 'cm_tibero_tar2'}]},
        ],
        'agents': [
            {'id': 'agent1', 'host': 'node1', 'port': 7600},
            {'id': 'agent2', 'host': 'node2', 'port': 7700},
            {'id': 'agent3', 'host': 'node3', 'port': 7800},
            {'id': 'agent4', 'host': 'node4', 'port': 7900},
        ],
        'instance': {
            'id': 'TAC2TAC', 'user': 'TAC2TAC', 'password': 'TAC2TAC', 'agent_list_delimiter': ',',
            'ext_agents': [['agent1', 'agent2'], ['agent2', 'agent1']],
            'apply_port': 7620, 'apply_agents': ['agent3', 'agent4'],
            'llob_port': 7630, 'llob_agents': ['agent1', 'agent2'],
            'source': {'cluster': 'cls_tibero', 'type': 'TIBERO', 'install_user': 'sys',
                       'install_password': 'tibero'},
            'target': {'cluster': 'cls_tibero_tar', 'type': 'TIBERO', 'install_user': 'sys',
                       'install_password': 'tibero'},
            'options': {},
        },
        'agent_params': {'USE_CM': 'Y', 'PRS_AGENT_PROC_MAX_FAIL_CNT': 10,
                         'PRS_AGENT_PROC_STARTUP_TIMEOUT': 10, 'PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT': 10,
                         'PRS_AGENT_PROC_STATUS_INTERVAL': 3, 'PRS_AGENT_CM_PROBE_TIMEOUT': 0},
        'agent_timeout_cnt': 7,
        'agent_retry_cnt': 3,
    }


def _set(model, path, value):
    """Set model[path] where path is a tuple of keys / indexes; value DELETE removes the key."""
    target = model
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


DELETE = object()

# (case id, [(path, value), ...], expected substrings of one problem: variable, rule)
BAD = [
    ('duplicate agent id', [(('agents', 1, 'id'), 'agent1')],
     ['tibero_cm_agents[1].id', 'duplicate agent id', 'agent ids are unique']),
    ('agent id with shell metacharacters', [(('agents', 0, 'id'), 'agent1;rm -rf /')],
     ['tibero_cm_agents[0].id', 'no shell metacharacters']),
    ('agent id not a string', [(('agents', 0, 'id'), 17)],
     ['tibero_cm_agents[0].id', 'type string']),
    ('port out of range high', [(('agents', 0, 'port'), 70000)],
     ['tibero_cm_agents[0].port', 'out of range', '1024..65535']),
    ('port out of range low', [(('agents', 0, 'port'), 22)],
     ['tibero_cm_agents[0].port', 'out of range']),
    ('port as a string', [(('agents', 0, 'port'), '7600')],
     ['tibero_cm_agents[0].port', 'type integer']),
    ('port as a boolean', [(('agents', 0, 'port'), True)],
     ['tibero_cm_agents[0].port', 'type integer']),
    ('apply port collides with the agent port on its host', [(('instance', 'apply_port'), 7800)],
     ['tibero_cm_instance.apply_port', 'collides with tibero_cm_agents[2].port', 'unique per host']),
    ('llob port collides with the apply port on a shared host',
     [(('instance', 'llob_agents'), ['agent3']), (('instance', 'llob_port'), 7620)],
     ['tibero_cm_instance.llob_port', 'collides', 'unique per host']),
    ('CM id not matching the node position', [(('clusters', 0, 'nodes', 1, 'cm_id'), 0)],
     ['tibero_cm_clusters[0].nodes[1].cm_id', 'does not match the node position', 'unique in its CM group']),
    ('CM id of the wrong type', [(('clusters', 0, 'nodes', 0, 'cm_id'), '0')],
     ['tibero_cm_clusters[0].nodes[0].cm_id', 'type integer']),
    ('two agents on one node (same CM id twice in a group)', [(('agents', 1, 'host'), 'node1')],
     ['tibero_cm_agents[1].host', 'already runs', 'one agent per node']),
    ('agent on a host that is no cluster node', [(('agents', 3, 'host'), 'observer')],
     ['tibero_cm_agents[3].host', 'not a node of any cluster']),
    ('node not in the inventory', [(('clusters', 1, 'nodes', 1, 'host'), 'node9')],
     ['tibero_cm_clusters[1].nodes[1].host', 'not in the inventory']),
    ('one host in two clusters', [(('clusters', 1, 'nodes', 1, 'host'), 'node1')],
     ['tibero_cm_clusters[1].nodes[1].host', 'a host is one node of one cluster']),
    ('unknown agent in an ext list', [(('instance', 'ext_agents', 1), ['agent2', 'agent9'])],
     ['tibero_cm_instance.ext_agents[1][1]', "unknown agent 'agent9'", 'one of tibero_cm_agents']),
    ('unknown agent in the apply list', [(('instance', 'apply_agents'), ['agentX'])],
     ['tibero_cm_instance.apply_agents[0]', 'unknown agent']),
    ('agent listed twice in the llob list', [(('instance', 'llob_agents'), ['agent1', 'agent1'])],
     ['tibero_cm_instance.llob_agents[1]', 'listed twice']),
    ('EXT_CNT != SRC_DB_CNT', [(('instance', 'ext_agents'), [['agent1', 'agent2']])],
     ['tibero_cm_instance.ext_agents', 'EXT_CNT 1 != SRC_DB_CNT 2', 'EXT_CNT must equal SRC_DB_CNT']),
    ('missing TB_HOME', [(('tb_home',), None)],
     ['tibero_cm_tb_home', 'is missing']),
    ('missing PRS_HOME', [(('prs_home',), DELETE)],
     ['tibero_cm_prs_home', 'is missing']),
    ('relative PRS_HOME', [(('prs_home',), 'home/prosync')],
     ['tibero_cm_prs_home', 'absolute path']),
    ('TB_HOME with shell metacharacters', [(('tb_home',), '/home/tibero/$(reboot)')],
     ['tibero_cm_tb_home', 'invalid path']),
    ('TB_HOME with ..', [(('tb_home',), '/home/../etc')],
     ['tibero_cm_tb_home', 'no ".."']),
    ('oversized TB_HOME', [(('tb_home',), '/' + 'a' * 300)],
     ['tibero_cm_tb_home', 'at most 255']),
    ('oversized cluster name', [(('clusters', 0, 'name'), 'c' * 65)],
     ['tibero_cm_clusters[0].name', 'at most 64']),
    ('CM SID with a space', [(('clusters', 0, 'nodes', 0, 'cm_sid'), 'cm tibero1')],
     ['tibero_cm_clusters[0].nodes[0].cm_sid', 'invalid name']),
    ('duplicate TB_SID', [(('clusters', 1, 'nodes', 0, 'tb_sid'), 'tibero1')],
     ['tibero_cm_clusters[1].nodes[0].tb_sid', "duplicate 'tibero1'", 'TB_SID is unique']),
    ('duplicate CM group', [(('clusters', 1, 'cm_group'), 'CM1')],
     ['tibero_cm_clusters[1].cm_group', "duplicate 'CM1'"]),
    ('failover not a boolean', [(('clusters', 0, 'failover'), 'yes')],
     ['tibero_cm_clusters[0].failover', 'type bool']),
    ('clusters not a list', [(('clusters',), {'name': 'cls_tibero'})],
     ['tibero_cm_clusters', 'type list']),
    ('empty agents', [(('agents',), [])],
     ['tibero_cm_agents', 'is empty']),
    ('source cluster unknown', [(('instance', 'source', 'cluster'), 'cls_nowhere')],
     ['tibero_cm_instance.source.cluster', 'unknown cluster']),
    ('missing target password', [(('instance', 'target', 'install_password'), '')],
     ['tibero_cm_instance.target.install_password', 'is missing', 'ansible-vault']),
    ('password with a quote and a space', [(('instance', 'password'), "it's secret")],
     ['tibero_cm_instance.password', 'value not shown', 'sourced by bash']),
    ('managed key in options', [(('instance', 'options'), {'PRS_PWD': 'x'})],
     ['tibero_cm_instance.options.PRS_PWD', 'derived from the model']),
    ('option value with a backtick', [(('instance', 'options'), {'PRS_TS_NAME': '`id`'})],
     ['tibero_cm_instance.options.PRS_TS_NAME', 'invalid value']),
    ('bad delimiter', [(('instance', 'agent_list_delimiter'), ';')],
     ['tibero_cm_instance.agent_list_delimiter', 'invalid delimiter']),
    ('USE_CM not Y/N', [(('agent_params', 'USE_CM'), 'yes')],
     ['tibero_cm_agent_params.USE_CM', 'Y or N']),
    ('negative timeout', [(('agent_params', 'PRS_AGENT_PROC_STARTUP_TIMEOUT'), -1)],
     ['tibero_cm_agent_params.PRS_AGENT_PROC_STARTUP_TIMEOUT', 'integer >= 0']),
    ('unknown agent parameter', [(('agent_params', 'USE_CMM'), 'Y')],
     ['tibero_cm_agent_params.USE_CMM', 'unknown parameter']),
    ('timeout count zero', [(('agent_timeout_cnt',), 0)],
     ['tibero_cm_agent_timeout_cnt', 'integer >= 1']),
    ('OS user with upper case', [(('tibero_user',), 'Tibero')],
     ['tibero_cm_tibero_user', 'POSIX user name']),
    ('install host not a node', [(('instance', 'install_host'), 'observer')],
     ['tibero_cm_instance.install_host', 'not a node of any cluster']),
    # Value shapes that used to crash the filter (unhashable) instead of naming the variable.
    ('install host as a list', [(('instance', 'install_host'), ['node1'])],
     ['tibero_cm_instance.install_host', 'must be a string, got list', 'type string']),
    ('a whole cluster templated into source.cluster',
     [(('instance', 'source', 'cluster'), {'name': 'cls_tibero', 'nodes': []})],
     ['tibero_cm_instance.source.cluster', 'must be a string, got dict']),
    ('cluster name as a list', [(('clusters', 0, 'name'), ['cls_tibero'])],
     ['tibero_cm_clusters[0].name', 'must be a string, got list']),
    ('agent id as a list', [(('agents', 0, 'id'), ['agent1'])],
     ['tibero_cm_agents[0].id', 'must be a string, got list']),
    ('agent host as a mapping', [(('agents', 0, 'host'), {'name': 'node1'})],
     ['tibero_cm_agents[0].host', 'must be a string, got dict']),
    ('node host as a list', [(('clusters', 0, 'nodes', 0, 'host'), ['node1'])],
     ['tibero_cm_clusters[0].nodes[0].host', 'must be a string, got list']),
    ('nested list in an agent list', [(('instance', 'llob_agents'), [['agent1'], 'agent2'])],
     ['tibero_cm_instance.llob_agents[0]', 'got list']),
    ('delimiter as a list', [(('instance', 'agent_list_delimiter'), [','])],
     ['tibero_cm_instance.agent_list_delimiter', 'invalid delimiter a list']),
    ('database type as a mapping', [(('instance', 'target', 'type'), {'TIBERO': 1})],
     ['tibero_cm_instance.target.type', 'unknown database type a dict']),
    ('USE_CM as a list', [(('agent_params', 'USE_CM'), ['Y'])],
     ['tibero_cm_agent_params.USE_CM', 'invalid value a list']),
    ('instance as a list', [(('instance',), ['TAC2TAC'])],
     ['tibero_cm_instance', 'must be a mapping, got list']),
    ('OS user as a list', [(('prosync_user',), ['prosync'])],
     ['tibero_cm_prosync_user', 'must be a string, got list']),
    ('password as a number', [(('instance', 'password'), 1234)],
     ['tibero_cm_instance.password', 'must be a string, got int']),
    # Placeholders of examples/vault.example.yml are no passwords.
    ('placeholder instance password', [(('instance', 'password'), 'CHANGE_ME_prs')],
     ['tibero_cm_instance.password', 'placeholder', 'ansible-vault']),
    ('placeholder install password', [(('instance', 'source', 'install_password'), 'changeme')],
     ['tibero_cm_instance.source.install_password', 'placeholder']),
    # Unknown keys are named, with the field they are likely a typo of.
    ('typo in an agent key', [(('agents', 0, 'prot'), 7601)],
     ['tibero_cm_agents[0].prot', "unknown key, likely a typo of 'port'", 'known keys: id, host, port']),
    ('typo in a cluster key', [(('clusters', 1, 'failvoer'), False)],
     ['tibero_cm_clusters[1].failvoer', "typo of 'failover'"]),
    ('typo in a node key', [(('clusters', 0, 'nodes', 1, 'cmid'), 1)],
     ['tibero_cm_clusters[0].nodes[1].cmid', "typo of 'cm_id'"]),
    ('typo in an instance key', [(('instance', 'install_hosts'), 'node2')],
     ['tibero_cm_instance.install_hosts', "typo of 'install_host'"]),
    ('typo in a source key', [(('instance', 'source', 'install_pasword'), 'x')],
     ['tibero_cm_instance.source.install_pasword', "typo of 'install_password'"]),
    ('typo in an agent parameter', [(('agent_params', 'PRS_AGENT_PROC_STATUS_INTERVALL'), 3)],
     ['tibero_cm_agent_params.PRS_AGENT_PROC_STATUS_INTERVALL', "typo of 'PRS_AGENT_PROC_STATUS_INTERVAL'"]),
    ('option one letter away from a derived key', [(('instance', 'options'), {'PRS_PWDS': 'x'})],
     ['tibero_cm_instance.options.PRS_PWDS', "typo of 'PRS_PWD'"]),
    ('non-string key in an agent', [(('agents', 0, 7), 'x')],
     ['tibero_cm_agents[0].7', 'unknown key']),
    # Counts: digits as text are an integer (ansible-core < 2.19 renders them so), nothing else.
    ('count as text with a sign', [(('agent_timeout_cnt',), '+7')],
     ['tibero_cm_agent_timeout_cnt', 'must be an integer, got str', 'digits only']),
    ('count as a decimal', [(('agent_retry_cnt',), '3.0')],
     ['tibero_cm_agent_retry_cnt', 'must be an integer, got str']),
    ('count with a leading zero', [(('agent_retry_cnt',), '03')],
     ['tibero_cm_agent_retry_cnt', 'must be an integer']),
    ('count as text below the minimum', [(('agent_timeout_cnt',), '0')],
     ['tibero_cm_agent_timeout_cnt', 'integer >= 1']),
    ('count as a list', [(('agent_timeout_cnt',), [7])],
     ['tibero_cm_agent_timeout_cnt', 'must be an integer, got list']),
]


def _mutated(changes):
    model = seed_model()
    for path, value in changes:
        _set(model, path, value)
    return model


def test_seed_model_is_valid():
    assert cm_model_problems(seed_model(), HOSTS) == []


@pytest.mark.parametrize('changes,expected', [(case[1], case[2]) for case in BAD], ids=[case[0] for case in BAD])
def test_each_bad_model_is_reported(changes, expected):
    problems = cm_model_problems(_mutated(changes), HOSTS)
    matching = [p for p in problems if all(part in p for part in expected)]
    assert matching, 'no problem mentions %r in %r' % (expected, problems)
    assert all('(rule: ' in p for p in problems)


@pytest.mark.parametrize('path, value, variable', [
    (('agents', 0, 'id'), 'agent1\n', 'tibero_cm_agents[0].id'),
    (('tb_home',), '/home/tibero/tibero/tibero7\n', 'tibero_cm_tb_home'),
    (('instance', 'password'), 'TAC2TAC\n', 'tibero_cm_instance.password'),
])
def test_a_trailing_newline_is_no_valid_value(path, value, variable):
    # '$' in a pattern also matches before a final newline; the rules must not (a value spanning lines).
    problems = cm_model_problems(_mutated([(path, value)]), HOSTS)
    assert any(p.startswith(variable) for p in problems), problems


@pytest.mark.parametrize('address', ['172.19.0.11\nAGENT_HOST_9=x', '$(touch /tmp/x)', '10.0.0.1 x'])
def test_an_agent_address_that_could_reach_the_sourced_cfg_is_refused(address):
    hostvars = dict((h, {'ansible_host': 'tibero-lab-' + h}) for h in HOSTS)
    hostvars['node2'] = {'tibero_cm_agent_address': address}
    with pytest.raises(ValueError, match=r'tibero_cm_agent_address of host node2: invalid agent address'):
        cm_model(seed_model(), hostvars)


def test_secrets_are_never_echoed():
    model = _mutated([(('instance', 'password'), 'top secret;x'),
                      (('instance', 'source', 'install_password'), 'other secret$')])
    text = '\n'.join(cm_model_problems(model, HOSTS))
    assert 'top secret' not in text and 'other secret' not in text
    assert 'tibero_cm_instance.password' in text and 'tibero_cm_instance.source.install_password' in text


def test_every_problem_is_reported_at_once():
    changes = [change for case in BAD[:6] for change in case[1]]
    model = seed_model()
    for path, value in [(('agents', 1, 'id'), 'agent1'), (('agents', 2, 'port'), 70000),
                        (('tb_home',), None), (('instance', 'ext_agents'), [['agent1']])]:
        _set(model, path, value)
    problems = cm_model_problems(model, HOSTS)
    assert len(problems) >= 4, changes
    for var in ('tibero_cm_agents[1].id', 'tibero_cm_agents[2].port', 'tibero_cm_tb_home',
                'tibero_cm_instance.ext_agents'):
        assert any(p.startswith(var) for p in problems), (var, problems)


def test_not_a_mapping():
    assert cm_model_problems(['x']) == ['tibero_cm_*: the model must be a mapping, got list (rule: type dict)']


def test_prod_example_secrets_are_refused_as_placeholders():
    path = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'examples', 'vault.example.yml')
    with open(path) as handle:
        example = yaml.safe_load(handle)
    model = _mutated([(('instance', 'password'), example['vault_tibero_cm_prs_password']),
                      (('instance', 'source', 'install_password'), example['vault_tibero_cm_src_install_password']),
                      (('instance', 'target', 'install_password'), example['vault_tibero_cm_tar_install_password'])])
    problems = cm_model_problems(model, HOSTS)
    assert len(problems) == 3 and all('placeholder' in p for p in problems), problems
    assert not any('CHANGE_ME' in p for p in problems)  # never the value itself


# Look-alikes of ansible-core 2.19's value classes (subclasses of str / list / dict, the lists and
# dicts unhashable): their class names must never reach a message.
class _AnsibleTaggedStr(str):
    pass


class _AnsibleTaggedInt(int):
    pass


class _AnsibleLazyTemplateList(list):
    pass


class _AnsibleLazyTemplateDict(dict):
    pass


def _lazy(value):
    """value with every str / int / list / dict replaced by the look-alikes above."""
    if isinstance(value, dict):
        return _AnsibleLazyTemplateDict((_lazy(k), _lazy(v)) for k, v in value.items())
    if isinstance(value, list):
        return _AnsibleLazyTemplateList(_lazy(v) for v in value)
    if isinstance(value, str):
        return _AnsibleTaggedStr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _AnsibleTaggedInt(value)
    return value


def test_tagged_and_lazy_values_are_plain_values():
    assert cm_model_problems(_lazy(seed_model()), HOSTS) == []
    site = cm_model(_lazy(seed_model()))
    assert site['instance']['install_host'] == 'node1'


@pytest.mark.parametrize('changes,expected', [(case[1], case[2]) for case in BAD], ids=[case[0] for case in BAD])
def test_each_bad_model_is_reported_with_tagged_and_lazy_values(changes, expected):
    problems = cm_model_problems(_lazy(_mutated(changes)), HOSTS)
    assert any(all(part in p for part in expected) for p in problems), (expected, problems)
    assert not any('_Ansible' in p or 'Lazy' in p or 'Tagged' in p for p in problems), problems


def test_values_as_ansible_loads_them_from_yaml():
    # The classes of this ansible-core (AnsibleUnicode ... before 2.19, tagged values from 2.19).
    from ansible.parsing.dataloader import DataLoader
    loaded = DataLoader().load(yaml.safe_dump(_mutated([(('agents', 0, 'port'), '7600'),
                                                        (('instance', 'install_host'), ['node1'])])))
    problems = cm_model_problems(loaded, HOSTS)
    assert 'tibero_cm_agents[0].port: must be an integer, got str (rule: type integer)' in problems, problems
    assert any(p.startswith('tibero_cm_instance.install_host: must be a string, got list') for p in problems)
    assert cm_model_problems(DataLoader().load(yaml.safe_dump(seed_model())), HOSTS) == []


@pytest.mark.parametrize('timeout, retry', [('7', '3'), ('1', '0'), (7, '3')])
def test_counts_as_digits_are_integers(timeout, retry):
    # ansible-core 2.16-2.18 render the preflight role's "{{ tibero_cm_agent_timeout_cnt }}" as text.
    model = _mutated([(('agent_timeout_cnt',), timeout), (('agent_retry_cnt',), retry)])
    assert cm_model_problems(model, HOSTS) == []
    site = cm_model(model)
    assert site['agent_timeout_cnt'] == int(timeout) and site['agent_retry_cnt'] == int(retry)
    assert [a['retry_cnt'] for a in site['agents']] == [int(retry)] * 4


def test_nested_integers_stay_strict():
    # Inside lists and mappings every ansible-core keeps the YAML type: a quoted number was written so.
    problems = cm_model_problems(_mutated([(('agents', 0, 'retry_cnt'), '3'),
                                           (('agent_params', 'PRS_AGENT_PROC_STATUS_INTERVAL'), '3')]), HOSTS)
    assert 'tibero_cm_agents[0].retry_cnt: must be an integer, got str (rule: type integer)' in problems
    assert any(p.startswith('tibero_cm_agent_params.PRS_AGENT_PROC_STATUS_INTERVAL: must be an integer')
               for p in problems), problems


def test_agent_address_is_checked_with_everything_else():
    hostvars = dict((h, {'ansible_host': 'tibero-lab-' + h}) for h in HOSTS)
    hostvars['node2'] = {'tibero_cm_agent_address': '10.0.0.2;reboot'}
    hostvars['node3'] = {'tibero_cm_agent_address': ['10.0.0.3']}
    problems = cm_model_problems(_mutated([(('agents', 0, 'port'), 70000), (('tb_home',), None)]), HOSTS, hostvars)
    for start in ('tibero_cm_agents[0].port', 'tibero_cm_tb_home', 'tibero_cm_agent_address of host node2',
                  'tibero_cm_agent_address of host node3: invalid agent address a list'):
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert all('(rule: ' in p for p in problems)
    assert cm_model_problems(seed_model(), HOSTS, dict((h, {}) for h in HOSTS)) == []


def _paths(value, prefix=()):
    """Every path (tuple of keys and indexes) of a nested model, the root first."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def test_every_value_shape_is_reported_never_raised():
    # Every leaf and container of the model replaced, one at a time, by every shape: no exception.
    shapes = [None, True, 0, -1, 1.5, '', 'x', ['node1'], [['a']], {'k': 'v'}, {1: 2}, _AnsibleLazyTemplateList(['x'])]

    checked = 0
    for path in list(_paths(seed_model()))[1:]:
        for shape in shapes:
            model = _mutated([(path, copy.deepcopy(shape))])
            problems = cm_model_problems(model, HOSTS, dict((h, {}) for h in HOSTS))
            assert all('(rule: ' in p for p in problems), (path, shape, problems)
            if not problems:
                cm_model(model)  # what validates must derive
            checked += 1
    assert checked > 500


def test_inventory_check_is_optional():
    model = _mutated([(('clusters', 1, 'nodes', 1, 'host'), 'node9'), (('agents', 3, 'host'), 'node9')])
    assert cm_model_problems(model) == []


def test_derived_site_matches_the_seed():
    hostvars = {'node1': {'tibero_cm_agent_address': '172.19.0.11'},
                'node2': {'ansible_host': '10.0.0.2'},
                'node3': {}}
    site = cm_model(seed_model(), hostvars)
    assert [(a['id'], a['cm_group'], a['cm_id'], a['address'], a['script']) for a in site['agents']] == [
        ('agent1', 'CM1', 0, '172.19.0.11', '/home/prosync/example/bin/prs_0.sh'),
        ('agent2', 'CM1', 1, '10.0.0.2', '/home/prosync/example/bin/prs_1.sh'),
        ('agent3', 'CM2', 0, 'node3', '/home/prosync/example/bin/prs_0.sh'),
        ('agent4', 'CM2', 1, 'node4', '/home/prosync/example/bin/prs_1.sh'),
    ]
    assert site['hosts'] == ['node1', 'node2', 'node3', 'node4']
    assert site['by_host']['node4']['cm_sid'] == 'cm_tibero_tar2'
    assert site['by_host']['node4']['cluster_hosts'] == ['node3', 'node4']
    assert site['by_host']['node2']['agent']['id'] == 'agent2'
    assert site['clusters'][1]['failover'] is True  # default
    assert site['agents'][0]['retry_cnt'] == 3
    inst = site['instance']
    assert inst['ext_lists'] == ['agent1,agent2', 'agent2,agent1']
    assert (inst['ext_cnt'], inst['src_db_cnt'], inst['tar_db_cnt']) == (2, 2, 2)
    assert inst['src_aliases'] == ['tibero1', 'tibero2']
    assert (inst['src_db_name'], inst['tar_db_name']) == ('tibero', 'tibero_tar')
    assert inst['apply_list'] == 'agent3,agent4' and inst['llob_list'] == 'agent1,agent2'
    assert inst['install_host'] == 'node1'
    assert 'password' not in inst  # secrets are read from tibero_cm_instance by the template only


def test_derive_refuses_an_invalid_model():
    with pytest.raises(ValueError, match='tibero_cm_agents\\[1\\].id'):
        cm_model(_mutated([(('agents', 1, 'id'), 'agent1')]))


def test_agent_overrides_and_delimiter():
    model = _mutated([(('agents', 0, 'retry_cnt'), 5), (('agents', 0, 'pubnet'), 'pub1'),
                      (('instance', 'agent_list_delimiter'), '|'), (('instance', 'install_host'), 'node2')])
    site = cm_model(copy.deepcopy(model))
    assert site['agents'][0]['retry_cnt'] == 5 and site['agents'][0]['pubnet'] == 'pub1'
    assert site['instance']['ext_lists'][0] == 'agent1|agent2'
    assert site['instance']['install_host'] == 'node2'


# --- The TSC part (tibero_cm_tsc) ---------------------------------------------------------------

TSC_HOSTS = ['pri1', 'sby1', 'obs1']


def tsc_model():
    """The TSC lab's site (inventories/tsc_lab): a TSC-only model, no ProSync part."""
    return {
        'tb_home': '/home/tibero/tibero/tibero7',
        'tibero_user': 'tibero',
        'clusters': [
            {'name': 'cls_pri', 'service': 'tsc_pri', 'nodes': [{'host': 'pri1', 'tb_sid': 'tb_pri', 'cm_sid': 'cm_pri'}]},
            {'name': 'cls_sby', 'service': 'tsc_sby', 'nodes': [{'host': 'sby1', 'tb_sid': 'tb_sby', 'cm_sid': 'cm_sby'}]},
        ],
        'agent_params': {}, 'agent_timeout_cnt': 7, 'agent_retry_cnt': 3,
        'tsc': {
            'id': 1, 'mode': 'protective', 'primary': 'cls_pri', 'standby': 'cls_sby',
            'observer': {'host': 'obs1', 'name': 'obs1', 'cm_sid': 'cm_obs', 'ip': '172.19.0.30',
                         'port': 9700, 'ui_port': 9701},
            'timers': {'observer_expire_time': 3, 'cm_heartbeat_expire': 5, 'cm_net_margin': 1},
            'reregister_services': True, 'db_envfile': '/home/tibero/.bash_profile',
        },
    }


def _tsc_mutated(changes, model=None):
    model = copy.deepcopy(model or tsc_model())
    for path, value in changes:
        _set(model, path, value)
    return model


def test_tsc_only_model_is_valid_and_derives_no_prosync_part():
    assert cm_model_problems(tsc_model(), TSC_HOSTS) == []
    site = cm_model(tsc_model())
    assert (site['clusters'], site['agents'], site['hosts'], site['agent_hosts'], site['instance']) == ([], [], [], [], None)
    tsc = site['tsc']
    assert tsc['hosts'] == ['sby1', 'pri1', 'obs1']
    assert tsc['by_host']['pri1'] == dict(host='pri1', tb_sid='tb_pri', cm_sid='cm_pri', role='primary',
                                          group='tsc_primary', cluster='cls_pri', service='tsc_pri')
    assert tsc['by_host']['obs1']['group'] == 'tsc_observer'
    assert tsc['standby'] == dict(cluster='cls_sby', service='tsc_sby', hosts=['sby1'],
                                  nodes=[dict(host='sby1', tb_sid='tb_sby', cm_sid='cm_sby')])
    assert tsc['observer'] == dict(host='obs1', name='obs1', cm_sid='cm_obs', ip='172.19.0.30', port=9700, ui_port=9701)
    # Timers not given take the TSC guide's defaults; the others the model's.
    assert tsc['timers'] == dict(observer_expire_time=3, cm_observer_expire=60, cm_autofailover_wait_time=10,
                                 standby_network_timeout=60, cm_max_io_retry=10, cm_heartbeat_expire=5, cm_net_margin=1)
    assert (tsc['id'], tsc['mode'], tsc['reregister_services'], tsc['db_envfile'], tsc['verify_timeout']) == (
        1, 'protective', True, '/home/tibero/.bash_profile', 90)


def test_tsc_defaults():
    model = _tsc_mutated([(('tsc',), {'primary': 'cls_pri', 'standby': 'cls_sby',
                                      'observer': {'host': 'obs1', 'ip': '10.0.0.9'}})])
    assert cm_model_problems(model, TSC_HOSTS) == []
    tsc = cm_model(model)['tsc']
    assert (tsc['id'], tsc['mode'], tsc['reregister_services'], tsc['db_envfile'], tsc['verify_timeout']) == (
        1, 'protective', False, None, 90)
    assert tsc['observer'] == dict(host='obs1', name='obs1', cm_sid='cm_obs', ip='10.0.0.9', port=9700, ui_port=9701)
    assert tsc['timers']['cm_heartbeat_expire'] == 300


def test_prosync_only_model_has_no_tsc_part():
    assert cm_model(seed_model())['tsc'] is None


def test_an_undeclared_part_rendered_as_empty_text_is_undeclared():
    """Before ansible-core 2.19 the role's `| default(none)` of a part the inventory does not declare
    reaches the filter as '' (a template's None is rendered as text)."""
    prosync = dict(seed_model(), tsc='')
    assert cm_model_problems(prosync, HOSTS) == []
    assert cm_model(prosync)['tsc'] is None
    tsc_only = dict(tsc_model(), agents='', instance='')
    assert cm_model_problems(tsc_only, TSC_HOSTS) == []
    assert cm_model(tsc_only)['instance'] is None


def test_site_with_both_parts():
    """ProSync between cls_tibero and cls_tibero_tar, and a TSC of two more clusters: the ProSync phases
    see only their clusters; the TSC clusters need no CM group and share their DB name."""
    model = seed_model()
    model['clusters'] += [
        {'name': 'cls_pri', 'db_name': 'tsc', 'service': 'tsc_pri',
         'nodes': [{'host': 'pri1', 'tb_sid': 'tb_pri', 'cm_sid': 'cm_pri'}]},
        {'name': 'cls_sby', 'db_name': 'tsc', 'service': 'tsc_sby',
         'nodes': [{'host': 'sby1', 'tb_sid': 'tb_sby', 'cm_sid': 'cm_sby'}]},
    ]
    model['tsc'] = tsc_model()['tsc']
    assert cm_model_problems(model, HOSTS + TSC_HOSTS) == []
    site = cm_model(model)
    assert site['hosts'] == ['node1', 'node2', 'node3', 'node4']
    assert [c['name'] for c in site['clusters']] == ['cls_tibero', 'cls_tibero_tar']
    assert site['tsc']['hosts'] == ['sby1', 'pri1', 'obs1']
    # A TSC over the ProSync clusters themselves: they keep every ProSync rule.
    model = seed_model()
    model['clusters'][0]['service'] = 'svc_src'
    model['clusters'][1]['service'] = 'svc_tar'
    model['tsc'] = dict(tsc_model()['tsc'], primary='cls_tibero', standby='cls_tibero_tar')
    assert cm_model_problems(model, HOSTS + TSC_HOSTS) == []
    del model['clusters'][1]['cm_group']
    assert any(p.startswith('tibero_cm_clusters[1].cm_group: is missing') for p in cm_model_problems(model, HOSTS + TSC_HOSTS))


def test_a_site_declares_at_least_one_part():
    model = tsc_model()
    del model['tsc']
    problems = cm_model_problems(model, TSC_HOSTS)
    for start in ('tibero_cm_agents: is missing', 'tibero_cm_instance: is missing', 'tibero_cm_prs_home: is missing'):
        assert any(p.startswith(start) for p in problems), (start, problems)


TSC_BAD = [
    ('misspelled mode', [(('tsc', 'mode'), 'disaster-plan')],
     ['tibero_cm_tsc.mode', "'disaster-plan'", 'protective, disaster_plan']),
    ('observer ip with a command substitution', [(('tsc', 'observer', 'ip'), '$(hostname -i)')],
     ['tibero_cm_tsc.observer.ip', 'invalid address', 'IP address or host name']),
    ('observer ip missing', [(('tsc', 'observer', 'ip'), DELETE)],
     ['tibero_cm_tsc.observer.ip', 'is missing']),
    ('observer cm_sid with a shell separator', [(('tsc', 'observer', 'cm_sid'), 'cm_obs;reboot')],
     ['tibero_cm_tsc.observer.cm_sid', 'no shell metacharacters']),
    ('observer cm_sid of a DB node', [(('tsc', 'observer', 'cm_sid'), 'cm_pri')],
     ['tibero_cm_tsc.observer.cm_sid', 'unique across the site']),
    ('relative TB_HOME', [(('tb_home',), 'tibero7')], ['tibero_cm_tb_home', 'absolute path']),
    ('misspelled timer', [(('tsc', 'timers', 'cm_heartbeat_expir'), 5)],
     ['tibero_cm_tsc.timers.cm_heartbeat_expir', "likely a typo of 'cm_heartbeat_expire'"]),
    ('timer as text', [(('tsc', 'timers', 'cm_net_margin'), '1')],
     ['tibero_cm_tsc.timers.cm_net_margin', 'type integer']),
    ('negative timer', [(('tsc', 'timers', 'cm_net_margin'), -1)],
     ['tibero_cm_tsc.timers.cm_net_margin', 'integer >= 0']),
    ('AFO timer rule', [(('tsc', 'timers', 'observer_expire_time'), 6)],
     ['tibero_cm_tsc.timers', '_OBSERVER_EXPIRE_TIME (6) must be less than',
      'rule: _OBSERVER_EXPIRE_TIME < CM_HEARTBEAT_EXPIRE + CM_NET_MARGIN']),
    ('unknown TSC key', [(('tsc', 'verify_timout'), 5)], ['tibero_cm_tsc.verify_timout', "typo of 'verify_timeout'"]),
    ('unknown observer key', [(('tsc', 'observer', 'uiport'), 9702)], ['tibero_cm_tsc.observer.uiport', "typo of 'ui_port'"]),
    ('TSC id 0', [(('tsc', 'id'), 0)], ['tibero_cm_tsc.id', 'integer >= 1']),
    ('TSC id as text', [(('tsc', 'id'), '1')], ['tibero_cm_tsc.id', 'type integer']),
    ('unknown primary cluster', [(('tsc', 'primary'), 'cls_x')], ['tibero_cm_tsc.primary', "unknown cluster 'cls_x'"]),
    ('missing standby', [(('tsc', 'standby'), DELETE)], ['tibero_cm_tsc.standby', 'is missing']),
    ('standby is the primary', [(('tsc', 'standby'), 'cls_pri')],
     ['tibero_cm_tsc.standby', 'two different CM clusters']),
    ('TSC cluster without service', [(('clusters', 1, 'service'), DELETE)],
     ['tibero_cm_tsc.standby', "cluster 'cls_sby' has no service", 'tibero_cm_clusters[].service']),
    ('service with a shell character', [(('clusters', 0, 'service'), 'tsc pri')],
     ['tibero_cm_clusters[0].service', 'no shell metacharacters']),
    ('observer on a DB node', [(('tsc', 'observer', 'host'), 'pri1')],
     ['tibero_cm_tsc.observer.host', 'is a DB node', 'a host of its own']),
    ('observer not in the inventory', [(('tsc', 'observer', 'host'), 'obs9')],
     ['tibero_cm_tsc.observer.host', 'not in the inventory']),
    ('observer ports equal', [(('tsc', 'observer', 'ui_port'), 9700)],
     ['tibero_cm_tsc.observer.ui_port', 'differ']),
    ('observer port out of range', [(('tsc', 'observer', 'port'), 70000)],
     ['tibero_cm_tsc.observer.port', '1024..65535']),
    ('relative db_envfile', [(('tsc', 'db_envfile'), '.bash_profile')], ['tibero_cm_tsc.db_envfile', 'absolute path']),
    ('reregister_services as text', [(('tsc', 'reregister_services'), 'yes')],
     ['tibero_cm_tsc.reregister_services', 'type bool']),
    ('timers not a mapping', [(('tsc', 'timers'), ['observer_expire_time'])], ['tibero_cm_tsc.timers', 'type dict']),
    ('TSC not a mapping', [(('tsc',), 'cls_pri')], ['tibero_cm_tsc', 'type dict']),
]


@pytest.mark.parametrize('changes,expected', [(case[1], case[2]) for case in TSC_BAD], ids=[case[0] for case in TSC_BAD])
def test_each_bad_tsc_model_is_reported(changes, expected):
    problems = cm_model_problems(_tsc_mutated(changes), TSC_HOSTS)
    matching = [p for p in problems if all(part in p for part in expected)]
    assert matching, 'no problem mentions %r in %r' % (expected, problems)
    assert all('(rule: ' in p for p in problems)


def test_every_tsc_problem_is_reported_at_once():
    problems = cm_model_problems(_tsc_mutated([
        (('tsc', 'mode'), 'disaster-plan'), (('tsc', 'observer', 'ip'), '$(hostname -i)'),
        (('tsc', 'observer', 'cm_sid'), 'cm_obs;reboot'), (('tb_home',), 'tibero7'),
        (('tsc', 'timers', 'cm_heartbeat_expir'), 5)]), TSC_HOSTS)
    for start in ('tibero_cm_tsc.mode:', 'tibero_cm_tsc.observer.ip:', 'tibero_cm_tsc.observer.cm_sid:',
                  'tibero_cm_tb_home:', 'tibero_cm_tsc.timers.cm_heartbeat_expir:'):
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_every_tsc_value_shape_is_reported_never_raised():
    shapes = [None, True, 0, -1, 1.5, '', 'x', ['obs1'], {'k': 'v'}, {1: 2}, _AnsibleLazyTemplateList(['x'])]

    checked = 0
    for path in list(_paths(tsc_model()))[1:]:
        for shape in shapes:
            model = _tsc_mutated([(path, copy.deepcopy(shape))])
            problems = cm_model_problems(model, TSC_HOSTS)
            assert all('(rule: ' in p for p in problems), (path, shape, problems)
            if not problems:
                cm_model(model)  # what validates must derive
            checked += 1
    assert checked > 200


def _step_names(site, host, phase):
    return ['%s/%s' % (s['role'].split('.')[-1], s['tasks_from']) for s in site['steps'][host][phase]]


def test_steps_of_a_prosync_only_site_name_no_tsc_step():
    """site.yml includes each host's steps per phase: a site without a TSC part gets no TSC step (and
    so no TSC task name) anywhere, and phase 1 checks the four nodes."""
    site = cm_model(seed_model())
    assert site['site_hosts'] == ['node1', 'node2', 'node3', 'node4']
    every = [s['role'] for host in site['steps'] for phase in site['steps'][host] for s in site['steps'][host][phase]]
    assert 'tibero.cm.tsc_observer' not in every
    assert _step_names(site, 'node1', 'configure') == ['prosync_agents/main']
    assert _step_names(site, 'node1', 'plan') == ['cm_node/queue']
    # after every restart queue: does a parameter change restart the agent (issue 17)
    assert _step_names(site, 'node1', 'pause') == ['cm_resources/plan']
    assert _step_names(site, 'node1', 'register') == ['cm_resources/main']
    assert site['steps']['node1']['configure'][0]['tags'] == ['prosync_agents']
    assert site['nodes']['node3'] == dict(host='node3', kind='db', cm_sid='cm_tibero_tar1', tb_sid='tibero_tar1',
                                          cm_id=0, expect='open', cluster='cls_tibero_tar',
                                          cluster_hosts=['node3', 'node4'], prosync=True)


@pytest.mark.parametrize('prune, register', [
    (None, ['cm_resources/main']), (False, ['cm_resources/main']), ('false', ['cm_resources/main']),
    # the run switch -e tibero_cm_prune=true: the retirement of agents absent from the model, before main
    (True, ['cm_resources/prune', 'cm_resources/main']), ('true', ['cm_resources/prune', 'cm_resources/main']),
])
def test_the_prune_step_only_with_the_switch(prune, register):
    """A run without tibero_cm_prune starts none of the prune tasks: the step is not there."""
    model = seed_model()
    if prune is not None:
        model['prune'] = prune
    site = cm_model(model)
    for host in site['site_hosts']:
        assert _step_names(site, host, 'register') == register
    assert site['steps']['node1']['register'][0]['tags'] == ['cm_resources']


def test_steps_of_a_tsc_only_site_name_no_prosync_step():
    """A TSC-only site: no ProSync step; the standby is checked in recovery and without a CM_ID; the
    observer is a site host of phase 1 too; a step that reads another host comes in a later phase."""
    site = cm_model(tsc_model())
    assert site['site_hosts'] == ['sby1', 'pri1', 'obs1']
    every = [s['role'] for host in site['steps'] for phase in site['steps'][host] for s in site['steps'][host][phase]]
    assert set(every) == {'tibero.cm.tsc_observer'}
    assert site['nodes']['sby1']['expect'] == 'recovery' and site['nodes']['sby1']['cm_id'] is None
    assert site['nodes']['pri1']['expect'] == 'open' and site['nodes']['pri1']['cluster_hosts'] == ['pri1']
    assert site['nodes']['obs1']['kind'] == 'observer' and site['nodes']['obs1']['cm_sid'] == 'cm_obs'
    assert _step_names(site, 'pri1', 'configure') == ['tsc_observer/read']
    assert _step_names(site, 'obs1', 'install') == ['tsc_observer/observer_up']
    assert _step_names(site, 'sby1', 'plan') == ['tsc_observer/tips']
    assert _step_names(site, 'obs1', 'pause') == ['tsc_observer/pause']
    assert _step_names(site, 'obs1', 'verify') == ['tsc_observer/verify']
    assert [p for p in ('configure', 'install', 'plan', 'pause') if site['steps']['obs1'][p] or site['steps']['pri1'][p]] \
        == ['configure', 'install', 'plan', 'pause']


def test_steps_of_a_node_in_both_parts():
    """A TSC over the ProSync clusters: a node plans its CM_ID and its AFO tips, checked with its CM_ID."""
    model = seed_model()
    model['clusters'][0]['service'] = 'svc_src'
    model['clusters'][1]['service'] = 'svc_tar'
    model['tsc'] = dict(tsc_model()['tsc'], primary='cls_tibero', standby='cls_tibero_tar',
                        observer=dict(tsc_model()['tsc']['observer'], host='observer'))
    site = cm_model(model)
    assert site['site_hosts'] == ['node1', 'node2', 'node3', 'node4', 'observer']
    assert _step_names(site, 'node3', 'plan') == ['cm_node/queue', 'tsc_observer/tips']
    assert site['nodes']['node3']['expect'] == 'recovery' and site['nodes']['node3']['cm_id'] == 0
