# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""prs_adm status parser: the seed's transcript and the variants a piped prs_adm prints."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tibero.cm.plugins.module_utils.prs_adm import PrsAdmParseError, parse_status
from ansible_collections.tibero.cm.tests.unit.plugins.modules.utils import read_fixture


def agent(id, host, port, cm_group, cm_id, running=True):
    return dict(id=id, host=host, port=port, cm_group=cm_group, cm_id=cm_id, running=running)


def process(name, index, running, agent_id=None, host=None, port=None, instance_id='prosync'):
    return dict(name=name, index=index, running=running, agent_id=agent_id, host=host, port=port,
                instance_id=instance_id)


SEED_AGENTS = [
    agent('agent1', '172.19.0.11', 7600, 'CM1', 0),
    agent('agent2', '172.19.0.12', 7700, 'CM1', 1),
    agent('agent3', '172.19.0.13', 7800, 'CM2', 0),
    agent('agent4', '172.19.0.14', 7900, 'CM2', 1),
]
SEED_PROCESSES = [
    process('prosync_ext1', 1, True, 'agent1', '172.19.0.11', 7600),
    process('prosync_ext2', 2, True, 'agent2', '172.19.0.12', 7700),
    process('prosync_apply1', None, True, 'agent3', '172.19.0.13', 7800),
    process('prosync_llob', 1, True, 'agent1', '172.19.0.11', 7600),
]


def test_seed_transcript():
    assert parse_status(read_fixture('prs_adm_status_seed.txt')) == dict(
        agents=SEED_AGENTS, instance_id='prosync', instances=['prosync'], processes=SEED_PROCESSES)


def test_c_option_output_banner_without_prompt():
    """`prs_adm -c status` (PRS-2): the banner, then the listing; no prompt, no echoed command."""
    seed = read_fixture('prs_adm_status_seed.txt')
    text = seed[:seed.index('Admin>')] + '\n' + seed[seed.index('prs_agent ID'):]
    assert 'Admin>' not in text
    assert parse_status(text) == parse_status(seed)


def test_console_that_ignored_c_and_read_exit_is_an_error():
    """A prs_adm without -c opens its console and reads the guard's `exit`: no listing to read."""
    text = '\nProSync 4 - Admin Utility\n\nTmaxData Corporation Copyright (c) 2024-. All rights reserved.\n\nAdmin> '
    with pytest.raises(PrsAdmParseError) as exc:
        parse_status(text)
    assert exc.value.raw == text


# Piped stdin: the prompt has no newline, so the first status line follows it; "exit" prints a prompt too.
PIPED = (
    '\nProSync 4 - Admin Utility\n\nTmaxData Corporation Copyright (c) 2024-. All rights reserved.\n\n'
    'Admin> prs_agent ID: agent1, HOST: 172.19.0.11, PORT: 7600, CM_GROUP: CM1, CM_ID: 0 is running\n'
    'prs_agent ID: agent3, HOST: 172.19.0.13, PORT: 7800, CM_GROUP: CM2, CM_ID: 0 is not running\n'
    'Instance ID: [TAC2TAC]\n'
    'TAC2TAC_ext1 (1) is running (prs_agent ID : agent1, HOST: 172.19.0.11, PORT: 7600)\n'
    'TAC2TAC_apply1 is not running\n'
    'TAC2TAC_llob (1) is not running\n'
    'Admin> \n'
)


def test_piped_output_with_prompts_and_stopped_processes():
    result = parse_status(PIPED)
    assert result['agents'] == [
        agent('agent1', '172.19.0.11', 7600, 'CM1', 0),
        agent('agent3', '172.19.0.13', 7800, 'CM2', 0, running=False),
    ]
    assert result['instance_id'] == 'TAC2TAC'
    assert result['processes'] == [
        process('TAC2TAC_ext1', 1, True, 'agent1', '172.19.0.11', 7600, 'TAC2TAC'),
        process('TAC2TAC_apply1', None, False, instance_id='TAC2TAC'),
        process('TAC2TAC_llob', 1, False, instance_id='TAC2TAC'),
    ]


@pytest.mark.parametrize('text, agents', [
    # Echoed command after the prompt (a terminal-like transcript).
    ('Admin> status\nprs_agent ID: a1, HOST: h, PORT: 1, CM_GROUP: G, CM_ID: 3 is running\nAdmin> exit\n',
     [agent('a1', 'h', 1, 'G', 3)]),
    # An agent not under CM (no CM fields) and extra blanks.
    ('prs_agent ID:a1 ,  HOST: h , PORT: 7600   is   running\n', [agent('a1', 'h', 7600, None, None)]),
    # CRLF output.
    ('prs_agent ID: a1, HOST: h, PORT: 7600, CM_GROUP: G, CM_ID: 0 is running\r\n',
     [agent('a1', 'h', 7600, 'G', 0)]),
])
def test_agent_line_variants(text, agents):
    assert parse_status(text)['agents'] == agents


def test_two_instances_tag_their_processes():
    text = ('prs_agent ID: a1, HOST: h, PORT: 1, CM_GROUP: G, CM_ID: 0 is running\n'
            'Instance ID: [I1]\nI1_ext1 (1) is running (prs_agent ID : a1, HOST: h, PORT: 1)\n'
            'Instance ID: [I2]\nI2_ext1 (1) is running (prs_agent ID : a1, HOST: h, PORT: 1)\n')
    result = parse_status(text)
    assert result['instance_id'] == 'I1'
    assert result['instances'] == ['I1', 'I2']
    assert [(p['name'], p['instance_id']) for p in result['processes']] == [('I1_ext1', 'I1'), ('I2_ext1', 'I2')]


@pytest.mark.parametrize('text, message', [
    ('', 'no "prs_agent ID: ..." line'),
    ('ProSync 4 - Admin Utility\nAdmin> Failed to connect to agent\n', 'no "prs_agent ID: ..." line'),
    ('prs_agent agent1 is running\n', 'cannot read this prs_adm agent line'),
    ('prs_agent ID: a1, HOST: h, PORT: 1 is running\nsomething odd is running here (x)\n',
     'cannot read this prs_adm status line'),
])
def test_unreadable_output_fails_with_raw_text(text, message):
    with pytest.raises(PrsAdmParseError, match=message) as exc:
        parse_status(text)
    assert exc.value.raw == text
