#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cmrctl_service
short_description: Manage a Tibero Cluster Manager service resource, with its TSC observer attributes
version_added: 0.1.0
description:
  - Adds and deletes a CM C(service) resource with C(cmrctl add service) / C(cmrctl del service), idempotently,
    including the Tibero Standby Cluster attributes C(--tscid), C(--obsip) and C(--obsport) that make the
    cluster's CMs members of a TSC watched by an observer (TADTI232).
  - The current state is read from one C(cmrctl show all) (the service row of this node's table and the C(db)
    rows of every node of the cluster), never from error texts; only the commands that make a difference are
    run, and the state is read again to confirm.
  - A service is cluster-wide, so run the module on one node of the cluster (C(run_once) or one host per cluster).
  - >-
    C(cmrctl show) does not print a service's TSC attributes (its DETAIL reads
    C(Database, Active Cluster (auto-restart: OFF)) with or without them), so with O(tscid) the service's TSC
    membership is decided from the observer's C(cmrctl show --tscid) passed in O(tsc_members): the service is
    registered when this node's CM is listed there, whatever its DETAIL says.
  - C(cmrctl) cannot change a service in place, and the CM refuses to delete a service while C(db) resources
    belong to it. So a service that exists with other settings, or whose CM the observer does not list (or whose
    observer gave no answer), fails the task before any change with the observer's raw output and the manual
    procedure, unless O(replace=true).
  - Each step of a change (C(del db), C(del service), C(add service), C(add db)) is confirmed by reading
    C(cmrctl show) and C(cmrctl show all) again before the next one runs. A step whose effect is not visible
    stops the task with that step's C(cmd), C(rc), C(stdout), C(stderr), the raw C(cmrctl show) output
    (C(show)) and the steps not run; nothing is retried.
extends_documentation_fragment:
  - tibero.cm.attributes
  - tibero.cm.tibero
  - tibero.cm.tibero.cm_sid
options:
  name:
    description:
      - Name of the service resource (C(--name)), for example C(tibero).
      - Letters, digits, C(_), C(.) and C(-), not starting with C(-), at most 64 characters (the same for O(cname));
        anything else fails before any command runs.
    type: str
    required: true
  cname:
    description:
      - Cluster resource the service belongs to (C(--cname)), for example C(cls_tibero).
      - Required to add the service; when given, compared with the existing service.
    type: str
  type:
    description: Service type (C(--type)). Tibero databases use C(db).
    type: str
    choices: [db, as]
    default: db
  mode:
    description:
      - Service mode (C(--mode)) C(AC) (Active Cluster) or C(HA) (High Availability).
      - Omitted, C(--mode) is not passed (the CM's default) and the existing service's mode is not compared.
        No public sample passes C(--mode) to C(cmrctl add service); set it only when a site needs it.
    type: str
    choices: [AC, HA]
  tscid:
    description:
      - TSC id (C(--tscid)) of the Tibero Standby Cluster the service's CMs join; the observer's
        C(cmrctl show --tscid) lists them under this id.
      - O(tscid), O(obsip) and O(obsport) go together. Omitted, the service's TSC attributes are neither
        passed nor checked.
    type: int
  obsip:
    description: Address of the observer (C(--obsip)) the service's CMs connect to.
    type: str
  obsport:
    description: Port of the observer (C(--obsport)), the observer tip's C(CM_OBSERVER_PORT).
    type: int
  tsc_members:
    description:
      - The C(CM_NAME)s the observer's C(cmrctl show --tscid <tscid>) lists (M(tibero.cm.cmrctl_info) O(tscid)
        on the observer host, C(tsc.members[].cm_name)) - the evidence of TSC membership. With O(tscid), an
        existing service is registered when this node's CM (the title of its C(cmrctl show) table) is in it.
      - Omitted (the observer gave no answer), an existing service's membership cannot be settled and the task fails
        before any change, unless O(replace=true).
    type: list
    elements: str
  observer_output:
    description: The observer's raw C(cmrctl show --tscid) output (or its error), quoted in failure messages.
    type: str
  reregistered_before:
    description:
      - An earlier run already re-registered this service with O(replace) (the caller's marker). When this node's CM
        is still not listed in O(tsc_members), the task fails before any change instead of re-registering again.
    type: bool
    default: false
  reregister_marker:
    description:
      - A file on this node that records a re-registration (vendor facts TSC-7), kept by this module - an existing
        one counts as O(reregistered_before); it is written (its directory created) after a re-registration with
        O(replace), and removed once the observer lists this node's CM in O(tsc_members), so a later run that still
        finds the CM unlisted stops instead of re-registering again. Not touched in check mode.
    type: path
    version_added: 0.2.0
  state:
    description:
      - V(present) the service exists with the wanted settings; V(absent) it does not exist.
      - V(absent) fails while C(db) resources belong to the service (the CM refuses; delete them first).
    type: str
    choices: [present, absent]
    default: present
  replace:
    description:
      - When the existing service's settings differ from the wanted ones, or O(tscid) is given and this node's CM
        is not in O(tsc_members), re-register it (destructive) -
        C(cmrctl del db) for each of its C(db) resources, C(cmrctl del service), C(cmrctl add service) with the
        wanted settings, then C(cmrctl add db) again for each C(db) resource (same name and home,
        O(db_envfile)).
      - Only done when every C(db) resource of the service is on this node and down (stop the instance first);
        otherwise the task fails with the manual procedure. Nothing is deleted before these checks passed.
      - Without it, such a difference fails the task with a message that names every difference.
      - Only for services known to be registered without TSC attributes; C(cmrctl del service) has crashed a
        Tibero 6 CM in public.
    type: bool
    default: false
  db_envfile:
    description:
      - Environment file (C(--envfile)) of the C(db) resources that O(replace) adds again. C(cmrctl show)
        does not print it, so it must be given when O(replace) has C(db) resources to re-add.
    type: path
attributes:
  check_mode:
    support: full
    details: The commands that would run are returned in RV(commands); nothing is changed.
  diff_mode:
    support: full
notes:
  - >-
    C(cmrctl show) prints a TSC service's DETAIL like any other (C(Database, Active Cluster (auto-restart: OFF)),
    aws-ia/cfn-ps-tmax-tibero): the module never reads TSC attributes from it. Membership evidence is the
    observer's C(cmrctl show --tscid) (vendor facts TSC-1, TSC-2 in docs/vendor-facts.md).
  - >-
    The C(db) resources of the service are recognised by their DETAIL, which starts with the service name
    (the ProSync CM failover guide C(tibero, /home/tibero/tibero/tibero7, failed retry cnt: 0)).
  - >-
    Some Tibero versions may ask for a confirmation on C(cmrctl add db); the module does not answer it blindly:
    such a prompt makes the command fail or run into O(timeout), with its output in the result.
seealso:
  - module: tibero.cm.cmrctl_info
  - module: tibero.cm.tsc_observer
  - module: tibero.cm.tibero_instance
author:
  - tibero.cm contributors (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Read the observer's view of TSC 1 (on the observer host)
  tibero.cm.cmrctl_info:
    cm_sid: cm_obs
    tscid: 1
  register: observer_view
  delegate_to: obs1

- name: Register the primary cluster's service with the observer of TSC 1 (no change when its CM is listed)
  tibero.cm.cmrctl_service:
    name: tsc_pri
    cname: cls_pri
    tscid: 1
    obsip: 10.0.0.30
    obsport: 9700
    tsc_members: "{{ observer_view.tsc.members | map(attribute='cm_name') | list }}"
    observer_output: "{{ observer_view.tsc_raw }}"
  run_once: true
  become: true
  become_user: tibero

- name: Re-register a service that exists without TSC attributes (its instance is already stopped)
  tibero.cm.cmrctl_service:
    name: tsc_pri
    cname: cls_pri
    tscid: 1
    obsip: 10.0.0.30
    obsport: 9700
    tsc_members: [cm_sby1]
    replace: true
    db_envfile: /home/tibero/.bash_profile
    tb_home: /home/tibero/tibero7
    cm_sid: cm_pri
'''

RETURN = r'''
commands:
  description: The C(cmrctl) argv lists run (planned, in check mode), in order. Read-only C(show) calls are not listed.
  returned: always
  type: list
  elements: list
  sample: [["/home/tibero/tibero7/bin/cmrctl", "add", "service", "--name", "tsc_pri", "--cname", "cls_pri",
            "--type", "db", "--tscid", "1", "--obsip", "10.0.0.30", "--obsport", "9700"]]
service:
  description:
    - The service as C(cmrctl show all) lists it after the run (predicted in check mode); C(state) is V(absent) when
      it does not exist.
    - C(tsc) says where its TSC membership came from - C(source) V(observer) (this node's CM C(cm_name) is
      C(listed) or not in O(tsc_members)), V(none) (no observer answer), V(added) (added with the TSC attributes
      by this run) or V(re-registered) (by this run, with O(replace)); absent without O(tscid).
  returned: always
  type: dict
  sample: {"name": "tsc_pri", "state": "present", "status": "UP", "cname": "cls_pri", "type": "db", "mode": "AC",
           "tsc": {"source": "observer", "tscid": 1, "cm_name": "cm_pri1", "listed": true}}
reregistered:
  description: This run deleted and added the service again (O(replace)); planned in check mode.
  returned: always
  type: bool
reregister_marker:
  description: What this run did to O(reregister_marker) - V(written) or V(removed).
  returned: when it wrote or removed it
  type: str
db_resources:
  description: The C(db) resources of the service on every node of the cluster, as read before the run.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "tb_pri", "node": "cm_pri1", "status": "UP(NRML)", "dbhome": "/home/tibero/tibero7"}]
differences:
  description:
    - The settings of the existing service that differ from the wanted ones, as C(option, current, wanted);
      C(tsc_member) when O(tscid) is given and this node's CM is not listed by the observer (V(null) without an answer).
  returned: always (also on the failure that a difference causes)
  type: list
  elements: list
  sample: [["tsc_member", false, true]]
diff:
  description: The service before and after (O(state), O(cname), O(type), O(mode)).
  returned: in diff mode
  type: dict
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import cm_resource as cr
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs
from ansible_collections.tibero.cm.plugins.module_utils import tibero_common as tc

# The pure functions live in module_utils (the tsc_service_plan filter decides with them too).
from ansible_collections.tibero.cm.plugins.module_utils.cm_service import (
    MARKERS, TSC_KEYS, COMPARED, service_state, tsc_membership, differences, action_argv, plan, step_problem,
    predicted)


# ---------------------------------------------------------------------------------------------------
# module


class Service(cr.CmResource):
    kind = 'service'
    wanted = ('name', 'cname', 'type', 'mode') + TSC_KEYS
    markers = MARKERS

    def read(self):
        """The service from this node's own ``cmrctl show`` (its title is this node's CM_NAME, the name
        the observer lists it by: vendor-facts CMR-5, TSC-2); every node's db rows of it, in ``dbs``,
        from ``cmrctl show all`` (whose order of nodes nothing relies on)."""
        own, own_text = tc.read_show(self.runner, self.cmrctl, [], lambda out: (cs.parse_local(out), out))
        self.local_node = own['nodes'][0]
        parsed, all_text = tc.read_show(self.runner, self.cmrctl, ['all'], lambda out: (cs.parse_nodes(out), out))
        self.shown_text = own_text + all_text
        self.dbs = cs.db_resources(parsed, self.params['name'])
        return service_state(own, self.params['name'])

    def read_current(self):
        current = self.read()
        if self.want.get('cname') is None and current['state'] != 'absent':
            self.want['cname'] = current['cname']
        self.membership = tsc_membership(self.want['tscid'], self.local_node, self.params['tsc_members'])
        return current

    def plan(self, current):
        marker = self.params['reregister_marker']
        before = self.params['reregistered_before'] or bool(marker and os.path.exists(marker))
        self.plan_actions = plan(current, self.dbs, self.want, self.params['state'], self.params['replace'],
                                 self.local_node, self.params['db_envfile'], self.membership,
                                 self.params['observer_output'], before)
        return self.plan_actions

    def finish(self, actions, result):
        """The re-registration marker: written after a re-registration, removed once the observer lists
        this node's CM (the loop guard is over: the re-registration did what it was for)."""
        marker = self.params['reregister_marker']
        if not marker:
            return
        if result['reregistered']:
            write_marker(marker, '%s re-registered with TSC %s by tibero.cm.cmrctl_service'
                         % (self.want['name'], self.want['tscid']))
            result['reregister_marker'] = 'written'
        elif self.membership and self.membership['listed'] and os.path.exists(marker):
            os.remove(marker)
            result.update(changed=True, reregister_marker='removed')

    def refused(self, current, exc):
        return dict(service=dict(current, tsc=self.membership) if current['state'] != 'absent' else current,
                    db_resources=self.dbs, differences=[list(d) for d in exc.differences], reregistered=False)

    def facts(self, current, actions):
        diffs = differences(current, self.want, self.membership) if current['state'] != 'absent' else []
        return dict(db_resources=self.dbs, differences=[list(d) for d in diffs],
                    reregistered=self.params['state'] == 'present' and ('del', None) in actions)

    def argv(self, action):
        return action_argv(self.cmrctl, action, self.want, self.params['db_envfile'])

    def verb(self, action):
        return action[0]

    def predicted(self, current, actions):
        return predicted(current, self.want, self.params['state'], actions, self.membership)

    def confirmed(self, predicted, confirmed):
        return dict(confirmed, tsc=predicted['tsc']) if 'tsc' in predicted else confirmed

    def diff_view(self, service):
        return dict((k, service[k]) for k in ('state',) + COMPARED if k in service)

    def confirm(self, state, actions):
        """Read the service again after the last step. Membership is not read back here: the observer
        lists a CM only once it connected (the caller waits)."""
        return self.confirm_step(actions[-1])

    def confirm_step(self, action):
        """Read the service and its db resources again: ``action``'s effect must be visible, or the run
        stops with what the step and ``cmrctl show`` printed. Nothing is retried: the steps left are
        named for the operator, and a destructive one never runs twice."""
        service = self.read()
        problem = step_problem(action, service, self.dbs, self.want)
        if problem:
            argv, rc, out, err = self.last_step
            done = self.runner.commands
            left = ''.join('; not run: "%s"' % ' '.join(self.argv(a)) for a in self.plan_actions[len(done):])
            self.module.fail_json(
                msg='%s, so nothing more was run (%d of %d steps run%s). cmrctl show printed:\n%s'
                    % (problem, len(done), len(self.plan_actions), left, self.shown_text.rstrip()),
                cmd=argv, rc=rc, stdout=out, stderr=err, show=self.shown_text, service=service,
                db_resources=self.dbs, commands=done, changed=True)
        return service


def write_marker(path, text):
    """The marker file, its directory created first (0755)."""
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    with open(path, 'w') as handle:
        handle.write(text + '\n')


def main():
    module = AnsibleModule(argument_spec=cr.argument_spec(
        ('present', 'absent'), cname=dict(type='str'), type=dict(type='str', default='db', choices=['db', 'as']),
        mode=dict(type='str', choices=['AC', 'HA']), tscid=dict(type='int'), obsip=dict(type='str'),
        obsport=dict(type='int'), tsc_members=dict(type='list', elements='str'), observer_output=dict(type='str'),
        reregistered_before=dict(type='bool', default=False), db_envfile=dict(type='path'),
        reregister_marker=dict(type='path'),
    ), supports_check_mode=True, required_together=[('tscid', 'obsip', 'obsport')])
    Service.main(module, validate(module.params))


def validate(params):
    """Input errors found before any host is touched, or None."""
    given = [k for k in TSC_KEYS if params[k] is not None]
    if given and len(given) != len(TSC_KEYS):
        return 'tscid, obsip and obsport go together: only %s given' % ', '.join(given)
    if params['tscid'] is not None and params['tscid'] < 0:
        return 'tscid must be 0 or more, got %s' % params['tscid']
    if params['obsport'] is not None and not 0 < params['obsport'] < 65536:
        return 'obsport must be a TCP port (1-65535), got %s' % params['obsport']
    if params['obsip'] is not None and not re.match(r'^[A-Za-z0-9_.:][A-Za-z0-9.:_-]*\Z', params['obsip']):
        return 'obsip must be an address or host name, got %r' % params['obsip']
    return tc.resource_name_problem(params, 'name', 'cname')


if __name__ == '__main__':
    main()
