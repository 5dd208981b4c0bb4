# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ProSync instance step's view of the agent hosts (roles/prosync_instance): which hosts list or record the
instance, and whether a host's install record is already the one the run would write - from the readings the
agents step (prs_agent_node) or the role's own prs_instance_info made, never by reading a host again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import prs_instance as pi

# Where a host's reading is: the agents step's prs_agent_node result (its ``instance``), else the role's own read.
READINGS = (('__prosync_agents_params', 'instance'), ('__prosync_instance_info', None))


def _get(host_vars, name):
    try:
        return host_vars[name]
    except KeyError:
        return None


def instance_reading(host_vars):
    """One host's reading of the instance (map, marker, record), or None when the run did not read it (not an
    agent host, left out as unreachable, or its read was skipped)."""
    for name, key in READINGS:
        result = _get(host_vars, name)
        if not isinstance(result, dict) or result.get('skipped'):
            continue
        reading = result.get(key) if key else result
        if isinstance(reading, dict) and 'listed' in reading:
            return reading
    return None


def prs_instance_hosts(hostvars, hosts):
    """{listed: hosts whose prs_instance.map lists the instance, recorded: hosts holding the install record}
    among ``hosts``, in their order; a host without a reading counts for neither."""
    listed, recorded = [], []
    for host in hosts:
        reading = instance_reading(hostvars[host])
        if reading is None:
            continue
        if reading.get('listed'):
            listed.append(host)
        if reading.get('recorded'):
            recorded.append(host)
    return dict(listed=listed, recorded=sorted(recorded))


def prs_instance_record_current(host_vars, instance_id, install_host, lists):
    """Whether this host's reading shows exactly the install record prs_instance record_only would write."""
    return pi.record_current(instance_reading(host_vars), instance_id, install_host, lists)


class FilterModule(object):
    """tibero.cm ProSync instance filters."""

    def filters(self):
        return {'prs_instance_hosts': prs_instance_hosts, 'prs_instance_record_current': prs_instance_record_current}
