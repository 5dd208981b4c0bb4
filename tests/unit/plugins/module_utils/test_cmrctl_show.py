# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of `cmrctl show` outputs: the seed's transcripts, other spacings, and unknown output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import read_fixture


def _res(node, cluster, rtype, name, status, detail):
    return dict(node=node, cluster=cluster, type=rtype, name=name, status=status, detail=detail)


SEED_NODE1_COMMON = [
    _res('cm_tibero1', 'COMMON', 'network', 'inc1', 'UP', '(private) 172.19.0.11/8640'),
    _res('cm_tibero1', 'COMMON', 'cluster', 'cls_tibero', 'UP', 'inc: inc1, pub: N/A'),
    _res('cm_tibero1', 'cls_tibero', 'file', 'cls_tibero:0', 'UP', '/home/tibero/tibero/tibero7/cmfile/tibero/cmdata'),
    _res('cm_tibero1', 'cls_tibero', 'service', 'tibero', 'UP', 'Database, Active Cluster (auto-restart: OFF)'),
    _res('cm_tibero1', 'cls_tibero', 'db', 'tibero1', 'UP(NRML)',
         'tibero, /home/tibero/tibero/tibero7, failed retry cnt: 0'),
]


def render(title, columns, rows, align='right', free_last=True):
    """A table in cmrctl's layout: ``columns`` = [(header, width)], cells right- or left-aligned."""
    ruler = ' '.join('-' * width for _name, width in columns)
    eq = '=' * len(ruler)
    header = ' '.join(name.center(width) for name, width in columns)
    lines = [title, eq, header, ruler]
    for row in rows:
        cells = []
        for index, ((_name, width), value) in enumerate(zip(columns, row)):
            last = index == len(columns) - 1
            if free_last and last:
                cells.append(value)
            elif align == 'right':
                cells.append(value.rjust(width))
            else:
                cells.append(value.ljust(width))
        lines.append(' '.join(cells).rstrip())
    lines.append(eq)
    return '\n'.join(lines) + '\n'


NODE_COLUMNS = [('CLUSTER', 11), ('TYPE', 8), ('NAME', 14), ('STATUS', 8), ('DETAIL', 24)]


# --------------------------------------------------------------------------------------------------
# node tables


def test_seed_show_all_before_group_gives_every_row_of_both_nodes():
    parsed = cs.parse_nodes(read_fixture('seed000_show_all_no_group.txt'))
    assert parsed['nodes'] == ['cm_tibero1', 'cm_tibero2']
    assert parsed['resources'][:5] == SEED_NODE1_COMMON
    assert len(parsed['resources']) == 10
    assert parsed['resources'][5] == _res('cm_tibero2', 'COMMON', 'network', 'inc2', 'UP', '(private) 172.19.0.12/8670')


def test_seed_show_all_after_add_has_group_and_agent_down():
    parsed = cs.parse_nodes(read_fixture('seed000_show_all_group_down.txt'))
    rows = [r for r in parsed['resources'] if r['type'] in ('group', 'agent')]
    assert rows == [
        _res('cm_tibero1', 'cls_tibero', 'group', 'CM1', 'DOWN', 'type: prosync (failover: ON)'),
        _res('cm_tibero1', 'cls_tibero', 'agent', 'agent1', 'DOWN',
             '/home/tibero/tibero/tibero7/prs0.sh, start retry cnt: 0'),
        _res('cm_tibero2', 'cls_tibero', 'group', 'CM1', 'DOWN', 'type: prosync (failover: ON)'),
        _res('cm_tibero2', 'cls_tibero', 'agent', 'agent2', 'DOWN',
             '/home/tibero/tibero/tibero7/prs1.sh, start retry cnt: 0'),
    ]


def test_seed_show_all_after_start_has_group_and_agents_up():
    parsed = cs.parse_nodes(read_fixture('seed000_show_all_group_up.txt'))
    agent2 = cs.find_resource(parsed['resources'], 'agent', 'agent2')
    assert agent2 == _res('cm_tibero2', 'cls_tibero', 'agent', 'agent2', 'UP',
                          '/home/tibero/tibero/tibero7/prs_1.sh, start retry cnt: 0')
    assert cs.find_resource(parsed['resources'], 'group', 'CM1', node='cm_tibero2')['status'] == 'UP'
    assert cs.find_resource(parsed['resources'], 'agent', 'agent2', node='cm_tibero1') is None


def test_crlf_output_parses_like_lf():
    text = read_fixture('seed000_show_node1_no_group.txt').replace('\n', '\r\n')
    assert cs.parse_nodes(text)['resources'] == SEED_NODE1_COMMON


def test_wrapped_detail_continuation_lines_are_joined():
    script = '/home/prosync/a/rather/long/installation/path/bin/prs_0.sh,'
    text = render('Resource List of Node cm1', NODE_COLUMNS, [
        ('COMMON', 'cluster', 'cls1', 'UP', 'inc: inc1, pub: N/A'),
        ('cls1', 'group', 'CM1', 'UP', 'type: prosync (failover: ON)'),
        ('cls1', 'agent', 'agent1', 'UP(R)', script),
        ('', '', '', '', 'start retry cnt: 2'),
        ('cls1', 'db', 'tb1', 'DOWN', 'tibero, /opt/tibero7, failed retry cnt: 0'),
    ])
    resources = cs.parse_nodes(text)['resources']
    assert [r['name'] for r in resources] == ['cls1', 'CM1', 'agent1', 'tb1']
    assert resources[2]['detail'] == script + ' start retry cnt: 2'
    assert cs.parse_agent_detail(resources[2]['detail']) == dict(
        script='/home/prosync/a/rather/long/installation/path/bin/prs_0.sh', start_retry_cnt=2)


@pytest.mark.parametrize('columns, align', [
    ([('CLUSTER', 15), ('TYPE', 10), ('NAME', 20), ('STATUS', 12), ('DETAIL', 30)], 'right'),
    ([('CLUSTER', 11), ('TYPE', 8), ('NAME', 14), ('STATUS', 8), ('DETAIL', 24)], 'left'),
    ([('CLUSTER', 12), ('TYPE', 9), ('NAME', 6), ('STATUS', 10), ('DETAIL', 10)], 'left'),
], ids=['wider-right', 'seed-widths-left', 'narrow-name-left'])
def test_other_widths_and_alignments(columns, align):
    text = render('Resource List of Node cm_x', columns, [
        ('COMMON', 'network', 'inc1', 'UP', '(private) 10.0.0.1/8640'),
        ('COMMON', 'cluster', 'cls', 'UP', 'inc: inc1'),
        ('cls', 'agent', 'agent1', 'DOWN(FAIL)', '/p/prs_0.sh, start retry cnt: 3'),
    ], align=align)
    assert cs.parse_nodes(text)['resources'] == [
        _res('cm_x', 'COMMON', 'network', 'inc1', 'UP', '(private) 10.0.0.1/8640'),
        _res('cm_x', 'COMMON', 'cluster', 'cls', 'UP', 'inc: inc1'),
        _res('cm_x', 'cls', 'agent', 'agent1', 'DOWN(FAIL)', '/p/prs_0.sh, start retry cnt: 3'),
    ]


def test_values_overflowing_their_column_still_parse():
    # NAME longer than its 14-wide column pushes the rest of the row right (printf %14s behaviour).
    text = render('Resource List of Node cm1', NODE_COLUMNS, [
        ('COMMON', 'cluster', 'cls_tibero_long', 'UP', 'inc: inc1, pub: N/A'),
        ('cls_tibero_long', 'agent', 'a_very_long_agent_1', 'UP', '/p/prs_0.sh, start retry cnt: 0'),
    ])
    assert cs.parse_nodes(text)['resources'][1] == (
        _res('cm1', 'cls_tibero_long', 'agent', 'a_very_long_agent_1', 'UP', '/p/prs_0.sh, start retry cnt: 0'))


# Our own target cluster name is 14 characters, the seed's CLUSTER column 11 (vendor-facts CMR-4).
LONG_CLUSTER_ROWS = [
    ('COMMON', 'cluster', 'cls_tibero_tar', 'UP', 'inc: inc3, pub: N/A'),
    ('cls_tibero_tar', 'group', 'CM2', 'UP', 'type: prosync (failover: ON)'),
]


def test_cluster_name_overflowing_its_column_is_read_whole():
    rows = cs.parse_nodes(render('Resource List of Node cm3', NODE_COLUMNS, LONG_CLUSTER_ROWS))['resources']
    assert [(r['cluster'], r['type'], r['name']) for r in rows] == [
        ('COMMON', 'cluster', 'cls_tibero_tar'), ('cls_tibero_tar', 'group', 'CM2')]


@pytest.mark.parametrize('cell', ['cls_tibero_', 'tibero_tar', 'ibero_tar'], ids=['cut-right', 'cut-left', 'cut-more'])
def test_truncated_cluster_cell_is_an_error_not_another_cluster(cell):
    rows = [LONG_CLUSTER_ROWS[0], (cell,) + LONG_CLUSTER_ROWS[1][1:]]
    text = render('Resource List of Node cm3', NODE_COLUMNS, rows)
    with pytest.raises(cs.ShowParseError) as exc:
        cs.parse_nodes(text)
    assert "CLUSTER %r of group CM2 is neither COMMON nor the NAME of a cluster row" % cell in exc.value.msg
    assert exc.value.text == text


def test_cluster_cell_is_checked_against_its_own_table_only():
    node1 = render('Resource List of Node cm1', NODE_COLUMNS, [('COMMON', 'cluster', 'cls1', 'UP', 'inc: inc1')])
    node2 = render('Resource List of Node cm2', NODE_COLUMNS, [('cls1', 'group', 'CM1', 'UP', 'type: prosync (failover: ON)')])
    with pytest.raises(cs.ShowParseError, match="node table cm2: CLUSTER 'cls1'"):
        cs.parse_nodes(node1 + node2)


def test_node_block_with_no_rows_still_names_the_node():
    text = render('Resource List of Node cm_empty', NODE_COLUMNS, [])
    assert cs.parse_nodes(text) == dict(nodes=['cm_empty'], resources=[])


def test_extra_column_of_another_version_is_kept():
    columns = [('CLUSTER', 11), ('TYPE', 8), ('NAME', 14), ('STATUS', 8), ('NID', 4), ('DETAIL', 24)]
    text = render('Resource List of Node cm1', columns, [
        ('COMMON', 'cluster', 'cls', 'UP', '', 'inc: i'), ('cls', 'db', 'tb1', 'UP(NRML)', '1', 'tibero, /x')])
    res = cs.parse_nodes(text)['resources'][1]
    assert (res['status'], res['nid'], res['detail']) == ('UP(NRML)', '1', 'tibero, /x')


# --------------------------------------------------------------------------------------------------
# observer and TSC tables

OBSERVER_COLUMNS = [('TSC_ID', 6), ('CLS_ID', 6), ('CM_NAME', 12), ('NID', 3), ('CM_STAT', 7),
                    ('INST_STAT', 9), ('PRI/TAR', 7)]


@pytest.mark.parametrize('align', ['right', 'left'])
def test_observer_table_carries_blank_leading_cells_down(align):
    text = render('Resource List of Observer obs1', OBSERVER_COLUMNS, [
        ('123', '1', 'cm_p1', '1', 'UP', 'NORMAL', 'PRI'),
        ('', '', 'cm_p2', '2', 'UP', 'NORMAL', 'PRI'),
        ('', '2', 'cm_s1', '1', 'DOWN', 'DOWN', 'TAR'),
    ], align=align, free_last=False)
    assert cs.parse_observer(text) == dict(name='obs1', members=[
        dict(tsc_id='123', cls_id='1', cm_name='cm_p1', nid='1', cm_stat='UP', inst_stat='NORMAL', role='PRI'),
        dict(tsc_id='123', cls_id='1', cm_name='cm_p2', nid='2', cm_stat='UP', inst_stat='NORMAL', role='PRI'),
        dict(tsc_id='123', cls_id='2', cm_name='cm_s1', nid='1', cm_stat='DOWN', inst_stat='DOWN', role='TAR'),
    ])
    assert cs.parse_show(text)['observer']['name'] == 'obs1'


TSC_COLUMNS = [('FAILOVER', 10), ('MODE', 14), ('CLS_ID', 8), ('CM_NAME', 11), ('CONN', 6), ('LOG', 5),
               ('Heartbeat', 13), ('RCVD.TSN', 20)]

TSC_MEMBERS = [
    dict(cls_id='4', cm_name='cms', conn='Y(M)', log='-', heartbeat='60', rcvd_tsn='0'),
    dict(cls_id='1', cm_name='cmp', conn='Y(M)', log='1', heartbeat='60', rcvd_tsn='548475'),
]


def test_public_tsc_sample_with_collapsed_whitespace():
    assert cs.parse_tsc(read_fixture('tsc_public_collapsed.txt')) == dict(
        id=123, failover='ON(TSN)', mode='PROTECTIVE', mode_normalized='protective', members=TSC_MEMBERS)


@pytest.mark.parametrize('align, mode, normalized', [
    ('right', 'PROTECTIVE', 'protective'),
    ('left', 'DISASTER_PLAN', 'disaster_plan'),
    ('left', 'DIS_PLAN', 'disaster_plan'),
    ('right', 'PROTECT', 'protective'),
    ('right', 'SOMETHING_NEW', None),
])
def test_aligned_tsc_table(align, mode, normalized):
    text = render('TSC(ID: 7) Information', TSC_COLUMNS, [
        ('OFF', mode, '4', 'cms', 'Y(M)', '-', '60', '0'),
        ('', '', '1', 'cmp', 'Y(M)', '1', '60', '548475'),
    ], align=align, free_last=False)
    assert cs.parse_tsc(text) == dict(id=7, failover='OFF', mode=mode, mode_normalized=normalized,
                                      members=TSC_MEMBERS)


# --------------------------------------------------------------------------------------------------
# unknown output


@pytest.mark.parametrize('text, message', [
    ('', 'no resource table'),
    ('Failed to connect to CM (cm_tibero1:8645).\n', 'unexpected line'),
    (read_fixture('seed000_start_group.txt'), 'unexpected line'),
    ('\n'.join(read_fixture('seed000_show_node1_no_group.txt').splitlines()[:6]), 'not closed'),
    ('Resource List of Node cm1\n=====\n', 'ends early'),
    ('Resource List of Node cm1\n=====\nCLUSTER TYPE NAME STATUS DETAIL\nCLUSTER\n=====\n', '"-" ruler'),
    ('Resource List of Node cm1\n=====\nCLUSTER TYPE NAME STATUS DETAIL\n---- ---- ----\n=====\n', 'ruler has 3'),
    ('Resource List of Node cm1\n=====\nCLUSTER TYPE NAME STAT DETAIL\n-- -- -- -- --\n=====\n', 'lacks status'),
    ('Resource List of Node cm1\n=====\nA B\n--- ---\n=====\n', 'header'),
    ('Resource List of Node cm1\n=======\nCLUSTER TYPE NAME STATUS DETAIL\n------- ---- ---- ------ ------\n'
     '                            orphan\n=======\n', 'continuation line'),
    ('Resource List of Node cm1\n=======\nCLUSTER TYPE NAME STATUS DETAIL\n------- ---- ---- ------ ------\n'
     'cls  db\n=======\n', 'cannot split row'),
], ids=['empty', 'error-text', 'banner', 'truncated', 'no-header', 'no-ruler', 'ruler-mismatch',
        'missing-column', 'foreign-header', 'orphan-continuation', 'short-row'])
def test_unknown_output_raises_with_the_raw_text(text, message):
    with pytest.raises(cs.ShowParseError) as exc:
        cs.parse_nodes(text)
    assert message in exc.value.msg
    assert exc.value.text == text
    assert text in str(exc.value)


def test_asking_for_a_table_the_output_lacks_is_an_error():
    text = read_fixture('seed000_show_node1_no_group.txt')
    with pytest.raises(cs.ShowParseError, match='no tsc table'):
        cs.parse_tsc(text)
    with pytest.raises(cs.ShowParseError, match='no observer table'):
        cs.parse_observer(text)


def test_tsc_row_with_too_many_cells_is_an_error():
    text = read_fixture('tsc_public_collapsed.txt').replace('ON(TSN) PROTECTIVE 4', 'ON(TSN) PROTECTIVE 4 extra')
    with pytest.raises(cs.ShowParseError, match='cannot split row'):
        cs.parse_tsc(text)


# --------------------------------------------------------------------------------------------------
# detail and status helpers


@pytest.mark.parametrize('detail, expected', [
    ('type: prosync (failover: ON)', dict(grptype='prosync', failover=True)),
    ('type: prosync (failover: OFF)', dict(grptype='prosync', failover=False)),
    ('type:  other  ( failover: on )', dict(grptype='other', failover=True)),
    ('something else', None),
])
def test_parse_group_detail(detail, expected):
    assert cs.parse_group_detail(detail) == expected


@pytest.mark.parametrize('detail, expected', [
    ('/home/prosync/example/bin/prs_0.sh, start retry cnt: 0',
     dict(script='/home/prosync/example/bin/prs_0.sh', start_retry_cnt=0)),
    ('/a b/prs.sh , start retry cnt: 12', dict(script='/a b/prs.sh', start_retry_cnt=12)),
    ('/p/prs.sh', None),
])
def test_parse_agent_detail(detail, expected):
    assert cs.parse_agent_detail(detail) == expected


@pytest.mark.parametrize('status, up', [
    ('UP', True), ('UP(NRML)', True), ('UP(RECO)', True), ('UP(MOUNT)', True), ('up', True),
    ('UP(R)', False), ('DOWN', False), ('DOWN(FAIL)', False), ('', False),
])
def test_is_up(status, up):
    assert cs.is_up(status) is up


@pytest.mark.parametrize('status, up', [
    ('UP', True), ('UP(R)', True), ('UP(NRML)', True), ('up', True), ('DOWN', False), ('DOWN(FAIL)', False), ('', False),
])
def test_is_up_on_any_node_counts_a_group_or_agent_running_elsewhere(status, up):
    assert cs.is_up(status, on_any_node=True) is up


# What a real CM prints for a service, with or without --tscid (aws-ia gen_db_p.sh; vendor facts TSC-1).
PLAIN = 'Database, Active Cluster (auto-restart: OFF)'
HOME = '/home/tibero/tibero/tibero7'


@pytest.mark.parametrize('detail, parsed', [
    (PLAIN, dict(type='db', mode='AC')),
    # The DETAIL the lab printed before (issue 13): TSC words in DETAIL are not read (vendor facts TSC-1).
    (PLAIN + ', tscid: 1, obsip: 172.19.0.30, obsport: 9700', dict(type='db', mode='AC')),
    ('Database, High Availability (auto-restart: ON)', dict(type='db', mode='HA')),
    ('', dict(type=None, mode=None)),
])
def test_parse_service_detail(detail, parsed):
    assert cs.parse_service_detail(detail) == parsed


def test_db_resources_from_the_seed_show_all():
    parsed = cs.parse_nodes(read_fixture('seed000_show_all_no_group.txt'))
    assert cs.db_resources(parsed, 'tibero') == [
        dict(name='tibero1', node='cm_tibero1', status='UP(NRML)', dbhome=HOME),
        dict(name='tibero2', node='cm_tibero2', status='UP(NRML)', dbhome=HOME)]
    assert cs.db_resources(parsed, 'other') == []


# --------------------------------------------------------------------------------------------------
# the lab's exact outputs (lab/README.md "TSC outputs", lab/labsim/cm.py render_node_table)


def test_lab_wrapped_details_are_rebuilt_exactly_even_when_a_path_was_cut():
    resources = cs.parse_nodes(read_fixture('lab_show_wrapped.txt'))['resources']
    assert [(r['name'], r['status'], r['detail']) for r in resources] == [
        ('inc1', 'UP', '(private) 172.19.0.11/8640'),
        ('cls_tibero', 'UP', 'inc: inc1, pub: N/A'),
        ('CM1', 'UP', 'type: prosync (failover: ON)'),
        ('agent1', 'UP', '/home/prosync/installations/prosync4/example/bin/prs_0.sh, start retry cnt: 1'),
        ('agent9', 'DOWN',
         '/home/prosync/installations/prosync4_with_a_long_name/example/bin/prs_9.sh, start retry cnt: 0'),
        ('tibero1', 'UP(NRML)', 'tibero, /home/tibero/tibero/tibero7, failed retry cnt: 0'),
    ]


def _tsc_member(cls_id, cm_name, conn, log, rcvd_tsn):
    return dict(cls_id=cls_id, cm_name=cm_name, conn=conn, log=log, heartbeat='5', rcvd_tsn=rcvd_tsn)


@pytest.mark.parametrize('fixture, failover, mode, normalized, members', [
    ('lab_tsc_healthy.txt', 'ON(TSN)', 'PROTECTIVE', 'protective',
     [_tsc_member('0', 'cm_pri1', 'Y(M)', '-', '0'), _tsc_member('1', 'cm_sby1', 'Y(M)', '1', '1234')]),
    ('lab_tsc_disaster_plan_db_down.txt', 'ON(TSN)', 'DISASTER_PLAN', 'disaster_plan',
     [_tsc_member('0', 'cm_pri1', 'Y(M)', 'N', '0'), _tsc_member('1', 'cm_sby1', 'Y(M)', '0', '1234')]),
    # the lab's former spelling (issue 13): still read
    ('lab_tsc_dis_plan_db_down.txt', 'ON(TSN)', 'DIS_PLAN', 'disaster_plan',
     [_tsc_member('1', 'cm_pri1', 'Y(M)', 'N', '0'), _tsc_member('2', 'cm_sby1', 'Y(M)', '0', '1234')]),
    ('lab_tsc_observer_down.txt', 'OFF', 'PROTECTIVE', 'protective',
     [_tsc_member('0', 'cm_pri1', 'N', '-', '0'), _tsc_member('1', 'cm_sby1', 'N', '1', '1234')]),
])
def test_lab_tsc_samples(fixture, failover, mode, normalized, members):
    assert cs.parse_tsc(read_fixture(fixture)) == dict(id=1, failover=failover, mode=mode,
                                                       mode_normalized=normalized, members=members)


def test_tsc_cluster_with_two_cms_carries_cls_id_down():
    text = render('TSC(ID: 2) Information', TSC_COLUMNS, [
        ('ON(TSN)', 'PROTECTIVE', '1', 'cm_pri1', 'Y(M)', '-', '5', '0'),
        ('', '', '', 'cm_pri2', 'Y', '-', '5', '0'),
        ('', '', '2', 'cm_sby1', 'Y(M)', '2', '5', '99'),
    ], free_last=False)
    assert [(m['cls_id'], m['cm_name']) for m in cs.parse_tsc(text)['members']] == [
        ('1', 'cm_pri1'), ('1', 'cm_pri2'), ('2', 'cm_sby1')]


def _obs_member(cls_id, cm_name, cm_stat, inst_stat, role):
    return dict(tsc_id='1', cls_id=cls_id, cm_name=cm_name, nid='1', cm_stat=cm_stat, inst_stat=inst_stat,
                role=role)


@pytest.mark.parametrize('fixture, members', [
    ('lab_observer_show.txt', [_obs_member('0', 'cm_pri1', 'UP', 'UP(NRML)', 'PRIMARY'),
                               _obs_member('1', 'cm_sby1', 'UP', 'UP(RECO)', 'TARGET')]),
    ('lab_observer_after_afo.txt', [_obs_member('0', 'cm_sby1', 'UP', 'UP(FAILOVER)', 'PRIMARY'),
                                    _obs_member('1', 'cm_pri1', 'DOWN', 'DOWN', 'TARGET')]),
])
def test_lab_observer_samples(fixture, members):
    text = read_fixture(fixture)
    assert cs.parse_observer(text) == dict(name='obs1', members=members)
    assert cs.parse_show(text) == dict(nodes=[], resources=[], observer=dict(name='obs1', members=members))


def test_observer_with_no_tsc_yet_has_no_members():
    text = '\n'.join(read_fixture('lab_observer_show.txt').splitlines()[:4] + ['=' * 65]) + '\n'
    assert cs.parse_observer(text) == dict(name='obs1', members=[])


def test_local_group_names_per_cluster_of_the_local_table():
    assert cs.local_group_names(cs.parse_local(read_fixture('seed000_show_node1_no_group.txt'))) == []
    parsed = cs.parse_local(read_fixture('seed000_show_node1_group_up.txt'))
    assert cs.local_group_names(parsed) == ['CM1']
    assert cs.local_group_names(parsed, 'cls_tibero') == ['CM1']
    assert cs.local_group_names(parsed, 'cls_other') == []
    assert cs.local_group_names(dict(nodes=[], resources=[])) == []
    # show all: which table is the local node's is not known (vendor-facts CMR-5).
    with pytest.raises(ValueError):
        cs.local_group_names(cs.parse_nodes(read_fixture('seed000_show_all_group_up.txt')))


def test_parse_local_takes_one_node_table_only():
    assert cs.parse_local(read_fixture('seed000_show_node1_group_up.txt'))['nodes'] == ['cm_tibero1']
    text = read_fixture('seed000_show_all_group_up.txt')
    with pytest.raises(cs.ShowParseError, match=r'printed 2 node tables \(cm_tibero1, cm_tibero2\)') as exc:
        cs.parse_local(text)
    assert exc.value.text == text


# --------------------------------------------------------------------------------------------------
# `cmrctl show <type> --name <name>`: the public sample as it is, and variants


def public_service_sample():
    """The public sample file as it is, minus its first line (the command ``$ cmrctl show service --name tac``)."""
    text = read_fixture('public_show_service_name_tac.txt')
    first, rest = text.split('\n', 1)
    assert first == '$ cmrctl show service --name tac'
    return rest


def _instance(nid, name):
    return dict(nid=nid, name=name, status='UP(NRML)', intr_stat='COMMITTED', ack_no='4', sched='Y')


def test_public_show_service_name_sample():
    assert cs.parse_service_info(public_service_sample()) == dict(
        type='service', list='INSTANCE LIST',
        info=dict(service_name='tac', service_type='Database', service_mode='Active Cluster', cluster='cls1',
                  inst_auto_start='OFF', interrupt_status='COMMITTED', incarnation_no='4 / 4 (CUR / COMMIT)'),
        columns=['nid', 'name', 'status', 'intr_stat', 'ack_no', 'sched'],
        rows=[_instance('1', 'tbcm1'), _instance('2', 'tbcm2')])


def test_service_sample_with_crlf_and_an_overflowing_cm_name():
    text = public_service_sample().replace('   tbcm2 ', ' cm_tibero2 ').replace('\n', '\r\n')
    rows = cs.parse_service_info(text)['rows']
    assert [(r['nid'], r['name'], r['status'], r['sched']) for r in rows] == [
        ('1', 'tbcm1', 'UP(NRML)', 'Y'), ('2', 'cm_tibero2', 'UP(NRML)', 'Y')]


def test_service_sample_with_a_down_instance_and_blank_cells():
    text = public_service_sample().replace('|   2    tbcm2 UP(NRML) COMMITTED       4     Y |',
                                           '|   2    tbcm2     DOWN                          |')
    assert cs.parse_service_info(text)['rows'][1] == dict(nid='2', name='tbcm2', status='DOWN')


# The group form is derived from the service form (vendor-facts CMR-7, unverified); the lab prints it.
GROUP_INFO = '''Group Resource Info
=================================================
Group name      : CM1
Group type      : prosync
Cluster         : cls_tibero
Failover        : ON
=================================================
| AGENT LIST                                    |
|-----------------------------------------------|
| NID   NAME          AGENT   Status            |
| --- ---------- ---------- --------            |
|   1 cm_tibero1     agent1       UP            |
|   2 cm_tibero2     agent2     DOWN            |
=================================================
'''


def test_group_variant():
    parsed = cs.parse_group_info(GROUP_INFO)
    assert parsed['info'] == dict(group_name='CM1', group_type='prosync', cluster='cls_tibero', failover='ON')
    assert parsed['rows'] == [dict(nid='1', name='cm_tibero1', agent='agent1', status='UP'),
                              dict(nid='2', name='cm_tibero2', agent='agent2', status='DOWN')]
    assert cs.group_agents_of_node(parsed, 'cm_tibero2') == ['agent2']
    assert cs.group_agents_of_node(parsed, 'cm_other') == []


def test_group_variant_without_agents():
    lines = GROUP_INFO.splitlines(True)
    parsed = cs.parse_group_info(''.join(lines[:11] + lines[13:]))
    assert parsed['rows'] == []


@pytest.mark.parametrize('mutate, message', [
    (lambda t: '', 'no "<Type> Resource Info" title'),
    (lambda t: read_fixture('seed000_show_node1_group_up.txt'), 'no "<Type> Resource Info" title'),
    (lambda t: '$ cmrctl show service --name tac\n' + t, 'no "<Type> Resource Info" title'),
    (lambda t: t.replace('Service Resource Info\n=', 'Service Resource Info\n-'), '"=" ruler under the title'),
    (lambda t: t.replace('Cluster         : cls1', 'Cluster cls1'), 'expected "key : value"'),
    (lambda t: '\n'.join(t.splitlines()[:11]), 'no boxed list'),
    (lambda t: '\n'.join(t.splitlines()[:-1]), 'not closed'),
    (lambda t: t + 'trailing text\n', 'not closed'),
    (lambda t: t.replace('|-----------------------------------------------|', '|=====|'), 'list title and a "|---|"'),
    (lambda t: t.replace('| --- -------- ', '| ------- ---- '), 'does not line up'),
    (lambda t: t.replace('| --- -------- ', '| ------------ '), 'cannot split list row'),
    (lambda t: t.replace('|   1    tbcm1 UP(NRML)', '    1    tbcm1 UP(NRML)'), 'boxed line'),
    (lambda t: t.replace('    tbcm1 UP(NRML)', '  tbcm1 x UP(NRML)'), 'cannot split list row'),
    (lambda t: t.replace('NAME    Status', 'NODE    Status'), 'lacks the column(s) name'),
    (lambda t: t.replace('INSTANCE LIST', 'AGENT LIST   '), 'expected "Service Resource Info" with a INSTANCE LIST'),
    (lambda t: t.replace('|   1    tbcm1 UP(NRML)', '|   1          UP(NRML)'), 'lacks one of nid, name, status'),
], ids=['empty', 'node-table', 'with-prompt', 'no-ruler', 'not-key-value', 'no-box', 'unclosed', 'trailing',
        'no-box-ruler', 'header-cut', 'ruler-merges-columns', 'unboxed-row', 'row-overflow', 'missing-column',
        'other-list', 'blank-name'])
def test_unknown_service_info_shapes_raise_with_the_raw_text(mutate, message):
    text = mutate(public_service_sample())
    with pytest.raises(cs.ShowParseError) as exc:
        cs.parse_service_info(text)
    assert message in exc.value.msg
    assert exc.value.text == text


def test_service_output_is_not_a_group():
    with pytest.raises(cs.ShowParseError, match='expected "Group Resource Info" with a AGENT LIST'):
        cs.parse_group_info(public_service_sample())
    with pytest.raises(cs.ShowParseError, match='lacks the column'):
        cs.parse_group_info(GROUP_INFO.replace('AGENT   Status', 'AGENTS  Status'))
