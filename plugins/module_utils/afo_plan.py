# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TSC observer auto-failover (AFO) plan: TADTI232's scenario table as data, and its arithmetic.

Pure Python (no Ansible, no host access), so the ``tsc_afo_plan`` module, the lab's TSC tests and the
drill playbook all predict with the same table.

For each of the six failure scenarios and the two observer modes the guide says whether AFO happens
and which timers pass before it does. Where the guide is ambiguous we take the safe upper bound:

* The observer's detection of a lost CM is written ``CM_OBSERVER_EXPIRE`` / ``_CM_OBSERVER_EXPIRE``
  in the table, while the parameter list says ``_OBSERVER_EXPIRE_TIME`` is the time after which the
  observer proceeds with AFO when a CM stops talking. Both are 60 s by default; we use
  ``max(_CM_OBSERVER_EXPIRE, _OBSERVER_EXPIRE_TIME)`` wherever the table names either.
* "extra 10 seconds" counts 10; "extra 1~5 seconds" counts 5.
* Stages the table numbers ①, ②, ③... happen one after another, so their times add up (the
  network-failure case: ① then ② then ③ + ④).
* CM file failure: the CM shuts the DB down after ``_CM_MAX_IO_RETRY`` when ① < ②, after
  ``CM_HEARTBEAT_EXPIRE`` when ① > ②, i.e. after ``min(_CM_MAX_IO_RETRY, CM_HEARTBEAT_EXPIRE)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MODES = ('protective', 'disaster_plan')


class Parameter(object):
    """An AFO timer: module option name, tip parameter name, default (seconds)."""

    def __init__(self, option, tip_name, default, source):
        self.option = option
        self.tip_name = tip_name
        self.default = default
        self.source = source


PARAMETERS = (
    Parameter('observer_expire_time', '_OBSERVER_EXPIRE_TIME', 60, 'TADTI232'),
    Parameter('cm_observer_expire', '_CM_OBSERVER_EXPIRE', 60, 'TADTI232 (Heartbeat column)'),
    Parameter('cm_autofailover_wait_time', '_CM_AUTOFAILOVER_WAIT_TIME', 10, 'TADTI232'),
    Parameter('standby_network_timeout', '_STANDBY_NETWORK_TIMEOUT', 60, 'TADTI232'),
    Parameter('cm_max_io_retry', '_CM_MAX_IO_RETRY', 10, 'TADTI232'),
    # Tibero admin guide's CM default, also what public TSC tip generators set; unverified for 7.2.4.
    Parameter('cm_heartbeat_expire', 'CM_HEARTBEAT_EXPIRE', 300, 'Tibero admin guide (unverified)'),
    # No public default found. 0 makes the expiry rule below strictest (safe side).
    Parameter('cm_net_margin', 'CM_NET_MARGIN', 0, 'no public source; 0 is the conservative choice'),
)

TIP_NAMES = dict((p.option, p.tip_name) for p in PARAMETERS)
# TADTI232: the one DB-side timer goes into the DB tip; every other one into the CM tip.
DB_TIP_OPTIONS = ('standby_network_timeout',)
# (tip parameter, timer option) of the CM tip and of the DB tip: what roles/tsc_observer writes and the audit reads.
CM_TIP_PARAMS = tuple((p.tip_name, p.option) for p in PARAMETERS if p.option not in DB_TIP_OPTIONS)
DB_TIP_PARAMS = tuple((p.tip_name, p.option) for p in PARAMETERS if p.option in DB_TIP_OPTIONS)
DEFAULTS = dict((p.option, p.default) for p in PARAMETERS)

OBSERVER_DETECT_EXTRA = 10   # "+ extra 10 seconds"
STANDBY_NETWORK_EXTRA = 5    # "+ extra 1~5 seconds": upper bound


class Term(object):
    """One stage of a timeline: ``combine`` (max/min/single) of some timers, plus fixed extra seconds."""

    def __init__(self, label, options, combine=None, extra=0):
        self.label = label
        self.options = options
        self.combine = combine
        self.extra = extra

    def seconds(self, values):
        picked = [values[option] for option in self.options]
        base = picked[0] if self.combine is None else self.combine(picked)
        return base + self.extra

    def formula(self):
        names = [TIP_NAMES[option] for option in self.options]
        text = names[0] if self.combine is None else '%s(%s)' % (self.combine.__name__, ', '.join(names))
        return '(%s + %d)' % (text, self.extra) if self.extra else text


OBSERVER_DETECTS_LOST_PRIMARY = Term('observer gives up on the primary cluster',
                                     ('cm_observer_expire', 'observer_expire_time'), max, OBSERVER_DETECT_EXTRA)
AUTOFAILOVER_COUNTDOWN = Term('observer counts down before AFO', ('cm_autofailover_wait_time',))
PRIMARY_ISOLATED = Term('observer/primary CM network check; primary DB and CM go down',
                        ('cm_observer_expire', 'observer_expire_time'), max)
STANDBY_DETECTS_LOSS = Term('standby detects the primary cluster is gone',
                            ('standby_network_timeout',), None, STANDBY_NETWORK_EXTRA)
CMFILE_SHUTDOWN = Term('CM shuts the DB cluster down after CM file I/O failures',
                       ('cm_max_io_retry', 'cm_heartbeat_expire'), min)


class Scenario(object):
    """One row of TADTI232's table: what breaks, and per mode the AFO timeline (None = no AFO).

    ``primary_db`` / ``target_db`` are the DB states the guide shows after the failure, per mode.
    """

    def __init__(self, name, trigger, timelines, target_db, note):
        self.name = name
        self.trigger = trigger
        self.timelines = timelines
        self.target_db = target_db
        self.note = note


SCENARIOS = (
    Scenario('cm_abnormal', 'CM process killed',
             {'protective': None,
              'disaster_plan': (OBSERVER_DETECTS_LOST_PRIMARY, AUTOFAILOVER_COUNTDOWN)},
             {'protective': 'Up(RECO)', 'disaster_plan': 'Up(FAILOVER)'},
             'Tibero MTHR sees the CM is gone and terminates the primary DB at once.'),
    Scenario('cm_down', 'tbcm -d',
             {'protective': None, 'disaster_plan': None},
             {'protective': 'Up(RECO)', 'disaster_plan': 'Up(RECO)'},
             'tbcm -d runs tbdown abnormal before the CM goes down; no AFO in either mode.'),
    Scenario('db_abnormal', 'DB process killed / tbdown abnormal',
             {'protective': (AUTOFAILOVER_COUNTDOWN,), 'disaster_plan': (AUTOFAILOVER_COUNTDOWN,)},
             {'protective': 'Up(FAILOVER)', 'disaster_plan': 'Up(FAILOVER)'},
             'The CM sees the DB down at once; the observer counts down, then fails over.'),
    Scenario('db_down', 'tbdown immediate',
             {'protective': (AUTOFAILOVER_COUNTDOWN,), 'disaster_plan': (AUTOFAILOVER_COUNTDOWN,)},
             {'protective': 'Up(FAILOVER)', 'disaster_plan': 'Up(FAILOVER)'},
             'The CM sees the DB down at once; the observer counts down, then fails over.'),
    Scenario('network_failure', 'primary network down, ifdown',
             {'protective': None,
              'disaster_plan': (PRIMARY_ISOLATED, STANDBY_DETECTS_LOSS, OBSERVER_DETECTS_LOST_PRIMARY,
                                AUTOFAILOVER_COUNTDOWN)},
             {'protective': 'Up(RECO)', 'disaster_plan': 'Up(FAILOVER)'},
             'The isolated primary takes its DB and CM down; the standby notices after its network timeout.'),
    Scenario('cmfile_failure', 'CM file removed or unreadable',
             {'protective': None,
              'disaster_plan': (CMFILE_SHUTDOWN, OBSERVER_DETECTS_LOST_PRIMARY, AUTOFAILOVER_COUNTDOWN)},
             {'protective': 'Up(RECO)', 'disaster_plan': 'Up(FAILOVER)'},
             'The CM stays up but takes the DB cluster down; keep the CM file on the data area.'),
)

SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)


def effective_parameters(values=None):
    """Defaults overlaid with ``values`` ({option: seconds}; None entries mean 'default')."""
    merged = dict(DEFAULTS)
    for option, value in (values or {}).items():
        if option not in DEFAULTS:
            raise ValueError('unknown AFO parameter %r' % option)
        if value is not None:
            merged[option] = value
    return merged


def check_values(values):
    """Messages for values that are not non-negative integers."""
    return ['%s (%s) must be a whole number of seconds >= 0, not %r' % (option, TIP_NAMES[option], value)
            for option, value in sorted(values.items())
            if isinstance(value, bool) or not isinstance(value, int) or value < 0]


def rule_violations(values):
    """TADTI232's rule: ``_OBSERVER_EXPIRE_TIME < CM_HEARTBEAT_EXPIRE + CM_NET_MARGIN``."""
    observer = values['observer_expire_time']
    limit = values['cm_heartbeat_expire'] + values['cm_net_margin']
    if observer < limit:
        return []
    return [dict(
        rule='_OBSERVER_EXPIRE_TIME < CM_HEARTBEAT_EXPIRE + CM_NET_MARGIN',
        parameters=['_OBSERVER_EXPIRE_TIME', 'CM_HEARTBEAT_EXPIRE', 'CM_NET_MARGIN'],
        msg='_OBSERVER_EXPIRE_TIME (%d) must be less than CM_HEARTBEAT_EXPIRE + CM_NET_MARGIN (%d + %d = %d): '
            'the observer must not give up on a CM before the CM cluster itself would'
            % (observer, values['cm_heartbeat_expire'], values['cm_net_margin'], limit),
    )]


def plan_scenario(scenario, mode, values):
    timeline = scenario.timelines[mode]
    result = dict(scenario=scenario.name, trigger=scenario.trigger, afo=timeline is not None,
                  seconds=None, timers=[], formula=None, stages=[],
                  target_db=scenario.target_db[mode], note=scenario.note)
    if timeline is None:
        return result
    stages = [dict(stage=term.label, formula=term.formula(), seconds=term.seconds(values)) for term in timeline]
    timers = []
    for term in timeline:
        for option in term.options:
            if TIP_NAMES[option] not in timers:
                timers.append(TIP_NAMES[option])
    total = sum(stage['seconds'] for stage in stages)
    result.update(
        seconds=total,
        timers=timers,
        stages=stages,
        formula=render_formula(stages, total),
    )
    return result


def render_formula(stages, total):
    """``names = numbers = total``, without repeating a part equal to the next one."""
    parts = [' + '.join(s['formula'] for s in stages), ' + '.join(str(s['seconds']) for s in stages), str(total)]
    kept = [part for index, part in enumerate(parts) if index + 1 == len(parts) or part != parts[index + 1]]
    return ' = '.join(kept)


def plan(mode, values=None):
    """The AFO plan: one dict per scenario, in the guide's order.

    Each has ``scenario``, ``afo`` (bool), ``seconds`` (upper bound, None without AFO), ``timers``
    (tip parameter names that make up the figure), ``formula``, ``stages``, ``target_db``, ``note``.
    """
    if mode not in MODES:
        raise ValueError('mode must be one of %s, not %r' % (', '.join(MODES), mode))
    merged = effective_parameters(values)
    problems = check_values(merged)
    if problems:
        raise ValueError('; '.join(problems))
    return [plan_scenario(scenario, mode, merged) for scenario in SCENARIOS]


def summary_line(item):
    """One line of a planned scenario (a ``plan`` item), as the AFO plan is printed for an operator."""
    if not item['afo']:
        return '%s (%s): no AFO (standby DB %s)' % (item['scenario'], item['trigger'], item['target_db'])
    return '%s (%s): AFO within %d s = %s' % (item['scenario'], item['trigger'], item['seconds'], item['formula'])
