# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/prosync_instance's view of the agent hosts, from the readings of the run (filter/prs_instance.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.filter.prs_instance import (
    instance_reading, prs_instance_hosts, prs_instance_record_current)
from ansible_collections.tibero.cm.plugins.module_utils import prs_instance as pi

LISTS = dict(delimiter=',', ext=['agent1,agent2'], apply='agent3', llob='agent1')
RECORD = pi.render_record('TAC2TAC', 'node1', LISTS)


def _reading(listed=False, recorded=False, text=None):
    record = dict(exists=recorded, digest=pi.text_digest(text))
    return dict(map={}, listed=listed, marker=False, record=record, recorded=recorded)


def test_the_agents_step_reading_comes_first_and_a_skipped_or_empty_one_falls_back():
    own = _reading(listed=True)
    agents = dict(instance=_reading(recorded=True, text=RECORD))
    assert instance_reading(dict(__prosync_agents_params=agents, __prosync_instance_info=own)) is agents['instance']
    assert instance_reading(dict(__prosync_agents_params=dict(skipped=True), __prosync_instance_info=own)) is own
    # prs_agent_node without an instance id reads no instance; a skipped own read is none either.
    assert instance_reading(dict(__prosync_agents_params=dict(instance=None),
                                 __prosync_instance_info=dict(skipped=True, changed=False))) is None
    assert instance_reading({}) is None


def test_hosts_that_list_or_record_in_play_order_and_hosts_without_reading_count_for_neither():
    hostvars = {
        'node3': dict(__prosync_agents_params=dict(instance=_reading(recorded=True, text=RECORD))),
        'node1': dict(__prosync_agents_params=dict(instance=_reading(listed=True, recorded=True, text=RECORD))),
        'node2': dict(__prosync_instance_info=_reading(listed=True)),
        'obs1': dict(),
    }
    assert prs_instance_hosts(hostvars, ['node3', 'node1', 'node2', 'obs1']) == dict(
        listed=['node1', 'node2'], recorded=['node1', 'node3'])
    assert prs_instance_hosts(hostvars, ['obs1']) == dict(listed=[], recorded=[])


def test_record_current_only_for_the_very_record_the_run_writes():
    host = dict(__prosync_agents_params=dict(instance=_reading(recorded=True, text=RECORD)))
    assert prs_instance_record_current(host, 'TAC2TAC', 'node1', LISTS) is True
    assert prs_instance_record_current(host, 'TAC2TAC', 'node2', LISTS) is False
    assert prs_instance_record_current(host, 'TAC2TAC', 'node1', dict(LISTS, apply='agent4')) is False
    assert prs_instance_record_current(dict(__prosync_instance_info=_reading()), 'TAC2TAC', 'node1', LISTS) is False
    assert prs_instance_record_current({}, 'TAC2TAC', 'node1', LISTS) is False
