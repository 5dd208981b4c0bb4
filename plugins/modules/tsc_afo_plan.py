#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: tsc_afo_plan
short_description: Predict Tibero Standby Cluster auto-failover for each failure scenario
version_added: 0.1.0
description:
  - From the observer mode and the AFO timers, says for each failure scenario of TADTI232
    (TADTI232) whether the observer fails over to the standby (AFO) and after how many seconds at
    most, with the timers that make up that figure, composed exactly as the guide's table does.
  - Scenarios, in the guide's order, C(cm_abnormal) (CM process killed), C(cm_down) (C(tbcm -d)),
    C(db_abnormal) (DB process killed or C(tbdown abnormal)), C(db_down) (C(tbdown immediate)),
    C(network_failure) (primary network down), C(cmfile_failure) (CM file removed or unreadable).
  - "Where the guide is ambiguous the module takes the safe upper bound:
    the table writes the observer's wait for a lost primary as C(_CM_OBSERVER_EXPIRE) while the
    parameter list describes C(_OBSERVER_EXPIRE_TIME) as that wait, so the larger of the two is used;
    'extra 1~5 seconds' counts 5 and 'extra 10 seconds' 10;
    numbered stages (①, ②, ③...) add up one after another;
    for the CM file failure the CM stops the DB after C(min(_CM_MAX_IO_RETRY, CM_HEARTBEAT_EXPIRE))
    (the guide's ①<② / ①>② note)."
  - "Checks the guide's rule C(_OBSERVER_EXPIRE_TIME < CM_HEARTBEAT_EXPIRE + CM_NET_MARGIN)
    (the observer must not give up on a CM before the CM cluster would); see O(on_rule_violation)."
  - Pure computation, no host access; the table lives in C(plugins/module_utils/afo_plan.py) so the
    lab tests and the drill use the same figures.
author:
  - tibero.cm contributors (!UNKNOWN)
extends_documentation_fragment:
  - tibero.cm.attributes
attributes:
  check_mode:
    support: full
    details: Nothing to change; the plan is computed in check mode too.
  diff_mode:
    support: none
options:
  mode:
    description: Observer mode (C(cmrctl set --tscid <id> --mode ...)). PROTECTIVE is Tibero's default.
    type: str
    choices: [protective, disaster_plan]
    default: protective
  observer_expire_time:
    description: C(_OBSERVER_EXPIRE_TIME), seconds without contact after which the observer proceeds with AFO.
    type: int
    default: 60
  cm_observer_expire:
    description: C(_CM_OBSERVER_EXPIRE), the CM/observer heartbeat expiry (the C(Heartbeat) column of C(cmrctl show --tscid)).
    type: int
    default: 60
  cm_autofailover_wait_time:
    description: C(_CM_AUTOFAILOVER_WAIT_TIME), the observer's count-down before it fails over.
    type: int
    default: 10
  standby_network_timeout:
    description: C(_STANDBY_NETWORK_TIMEOUT), time for the standby to detect the primary cluster is gone.
    type: int
    default: 60
  cm_max_io_retry:
    description: C(_CM_MAX_IO_RETRY), time the CM keeps retrying a failing CM file before it stops the DB.
    type: int
    default: 10
  cm_heartbeat_expire:
    description:
      - C(CM_HEARTBEAT_EXPIRE) of the CM tip.
      - The default 300 is the Tibero administrator's guide value for the CM and what public TSC tip
        generators set; it is not confirmed for Tibero 7.2.4, so pass the site's value.
    type: int
    default: 300
  cm_net_margin:
    description:
      - C(CM_NET_MARGIN) of the CM tip.
      - No public source gives its default; 0 makes the rule check strictest (the safe side). Pass the
        site's value.
    type: int
    default: 0
  on_rule_violation:
    description:
      - V(fail) fails the task when a rule is broken (the default, so a play stops before configuring a
        cluster that would fail over too early); V(warn) returns the plan with RV(rule_violations) and a warning.
    type: str
    choices: [fail, warn]
    default: fail
notes:
  - All timers are whole seconds >= 0.
seealso:
  - module: tibero.cm.tsc_observer
  - module: tibero.cm.tip_param
'''

EXAMPLES = r'''
- name: Predict AFO for the disaster-plan mode with the site's timers
  tibero.cm.tsc_afo_plan:
    mode: disaster_plan
    observer_expire_time: 60
    cm_heartbeat_expire: 300
    cm_net_margin: 10
  register: __afo

- name: Show the plan
  ansible.builtin.debug:
    msg: "{{ __afo.summary }}"
'''

RETURN = r'''
scenarios:
  description: One entry per scenario, in the guide's order.
  returned: success
  type: list
  elements: dict
  contains:
    scenario:
      description: Scenario name.
      type: str
      sample: network_failure
    trigger:
      description: What breaks.
      type: str
      sample: primary network down, ifdown
    afo:
      description: Whether the observer fails over.
      type: bool
      sample: true
    seconds:
      description: Upper bound of the time to AFO, null without AFO.
      type: int
      sample: 205
    timers:
      description: Tip parameter names that make up RV(scenarios[].seconds).
      type: list
      elements: str
      sample: [_CM_OBSERVER_EXPIRE, _OBSERVER_EXPIRE_TIME, _STANDBY_NETWORK_TIMEOUT, _CM_AUTOFAILOVER_WAIT_TIME]
    formula:
      description: How the figure is composed, null without AFO.
      type: str
      sample: >-
        max(_CM_OBSERVER_EXPIRE, _OBSERVER_EXPIRE_TIME) + (_STANDBY_NETWORK_TIMEOUT + 5) +
        (max(_CM_OBSERVER_EXPIRE, _OBSERVER_EXPIRE_TIME) + 10) + _CM_AUTOFAILOVER_WAIT_TIME = 60 + 65 + 70 + 10 = 205
    stages:
      description: The stages one after another, each with C(stage), C(formula) and C(seconds).
      type: list
      elements: dict
    target_db:
      description: The standby DB state the guide shows afterwards.
      type: str
      sample: Up(FAILOVER)
    note:
      description: What happens to the primary.
      type: str
rule_violations:
  description: Broken rules, each with C(rule), C(parameters) and C(msg); empty when all hold.
  returned: always
  type: list
  elements: dict
parameters:
  description: The timers used, by tip parameter name.
  returned: success
  type: dict
  sample: {_OBSERVER_EXPIRE_TIME: 60, CM_HEARTBEAT_EXPIRE: 300}
mode:
  description: The mode planned for.
  returned: success
  type: str
  sample: disaster_plan
summary:
  description: One line per scenario, for printing.
  returned: success
  type: list
  elements: str
  sample: ['db_down (tbdown immediate): AFO within 10 s = _CM_AUTOFAILOVER_WAIT_TIME = 10']
commands:
  description: Always empty; nothing is run.
  returned: always
  type: list
  elements: list
  sample: []
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tibero.cm.plugins.module_utils import afo_plan


def main():
    argument_spec = dict(
        mode=dict(type='str', default='protective', choices=list(afo_plan.MODES)),
        on_rule_violation=dict(type='str', default='fail', choices=['fail', 'warn']),
    )
    for parameter in afo_plan.PARAMETERS:
        argument_spec[parameter.option] = dict(type='int', default=parameter.default)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    values = dict((p.option, module.params[p.option]) for p in afo_plan.PARAMETERS)
    problems = afo_plan.check_values(values)
    if problems:
        module.fail_json(msg='; '.join(problems), commands=[], rule_violations=[])
    violations = afo_plan.rule_violations(values)
    if violations and module.params['on_rule_violation'] == 'fail':
        module.fail_json(msg='; '.join(v['msg'] for v in violations), rule_violations=violations, commands=[])
    for violation in violations:
        module.warn(violation['msg'])

    scenarios = afo_plan.plan(module.params['mode'], values)
    module.exit_json(
        changed=False,
        mode=module.params['mode'],
        parameters=dict((afo_plan.TIP_NAMES[option], value) for option, value in values.items()),
        scenarios=scenarios,
        rule_violations=violations,
        summary=[afo_plan.summary_line(item) for item in scenarios],
        commands=[],
    )


if __name__ == '__main__':
    main()
