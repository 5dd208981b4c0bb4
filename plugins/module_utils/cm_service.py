# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A CM service resource and its TSC membership, as pure functions: its state from `cmrctl show`, the
observer's view of its CM (vendor facts TSC-2), the plan that takes it to the wanted settings and the
argv. Shared by the ``cmrctl_service`` module (which runs the plan) and the ``tsc_service_plan``
filter (which decides from reads the role already made, without running anything)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tibero.cm.plugins.module_utils import cm_resource as cr
from ansible_collections.tibero.cm.plugins.module_utils import cmrctl_show as cs

PlanError = cr.PlanError
# `Resource add success!` after an add (vendor-facts CMR-8). No public sample shows what a del prints
# (CMR-9): a del succeeds by its exit code and the state read again afterwards.
MARKERS = {'add': cr.ADD_SUCCESS, 'add_db': cr.ADD_SUCCESS}
TSC_KEYS = ('tscid', 'obsip', 'obsport')
COMPARED = ('cname', 'type', 'mode')
TSC_MEMBER = 'tsc_member'


# ---------------------------------------------------------------------------------------------------
# pure functions: state from `cmrctl show all`, TSC membership from the observer, plan, argv


def service_state(parsed, name):
    """The service as this node's table (``parse_local``) lists it: {name, state, status, cname, type, mode}."""
    row = cs.find_resource(parsed['resources'], 'service', name, node=cs.local_node(parsed))
    if row is None:
        return dict(name=name, state='absent')
    return dict(name=name, state='present', status=row['status'], cname=row['cluster'],
                **cs.parse_service_detail(row['detail']))


def tsc_membership(tscid, local_node, tsc_members):
    """Where the TSC membership of this node's CM comes from (vendor facts TSC-2): the observer's
    `cmrctl show --tscid` lists it or not; without that list (no observer answer) nothing is known."""
    if tscid is None:
        return None
    if tsc_members is None:
        return dict(source='none', tscid=tscid, cm_name=local_node, listed=None)
    return dict(source='observer', tscid=tscid, cm_name=local_node, listed=local_node in tsc_members)


def differences(current, want, membership=None):
    """[(option, current value, wanted value)] for the settings given in ``want`` that differ, then
    ('tsc_member', listed, True) when a TSC is wanted and the observer does not list this node's CM."""
    diffs = []
    for key in COMPARED:
        if want.get(key) is None:
            continue
        have = current.get(key)
        same = (str(have).lower() == str(want[key]).lower()) if have is not None else False
        if not same:
            diffs.append((key, have, want[key]))
    if membership and not membership['listed']:
        diffs.append((TSC_MEMBER, membership['listed'], True))
    return diffs


def add_argv(cmrctl, want):
    argv = [cmrctl, 'add', 'service', '--name', want['name'], '--cname', want['cname'], '--type', want['type']]
    if want.get('mode'):
        argv += ['--mode', want['mode']]
    if want.get('tscid') is not None:
        argv += ['--tscid', str(want['tscid']), '--obsip', want['obsip'], '--obsport', str(want['obsport'])]
    return argv


def action_argv(cmrctl, action, want, envfile=None):
    """The cmrctl argv of one action: ('add'|'del', None) for the service, ('add_db'|'del_db', db)."""
    verb, db = action
    if verb == 'add':
        return add_argv(cmrctl, want)
    if verb == 'del':
        return [cmrctl, 'del', 'service', '--name', want['name']]
    if verb == 'del_db':
        return [cmrctl, 'del', 'db', '--name', db['name']]
    argv = [cmrctl, 'add', 'db', '--name', db['name'], '--svcname', want['name'], '--dbhome', db['dbhome']]
    return argv + (['--envfile', envfile] if envfile else [])


def manual_procedure(want, dbs):
    """What an operator does by hand to re-register a service that db resources belong to."""
    wanted = ' '.join(add_argv('cmrctl', dict(want, cname=want.get('cname') or '<cluster>')))
    where = ', '.join('%s on %s' % (d['name'], d['node']) for d in dbs) or 'none found'
    return ('To re-register it by hand: on every node of the cluster stop the instance (tbdown) and run '
            '"cmrctl del db --name <sid>" (db resources: %s); then once "cmrctl del service --name %s" and '
            '"%s"; then on every node "cmrctl add db --name <sid> --svcname %s --dbhome <dbhome> --envfile <file>" '
            'and boot the instance again (a TSC standby in recovery mode).'
            % (where, want['name'], wanted, want['name']))


def membership_problem(want, membership, observer_output):
    """Why the observer's view does not settle the service's TSC membership, and what to check."""
    if membership['listed'] is None:
        seen = 'the observer gave no answer'
    else:
        seen = "the observer's cmrctl show --tscid %s does not list this node's CM %s" % (
            membership['tscid'], membership['cm_name'])
    return ('service %s exists but %s (cmrctl show does not print a service\'s TSC attributes, so this node '
            'cannot tell whether it was registered with --tscid). Observer output:\n%s\nCheck that CM %s reaches '
            'the observer at %s:%s and that the observer runs (its cmrctl show answers with its "Resource List '
            'of Observer" table); read "cmrctl show --tscid %s" on the observer again.'
            % (want['name'], seen, (observer_output or '(none)').rstrip(), membership['cm_name'],
               want.get('obsip'), want.get('obsport'), membership['tscid']))


def _describe(diffs):
    return cr.describe([d for d in diffs if d[0] != TSC_MEMBER], 'none')


def plan(current, dbs, want, state, replace, local_node, envfile, membership=None, observer_output=None,
         reregistered_before=False):
    """Actions that take ``current`` to ``state``: [(verb, db or None)]; PlanError if unsafe."""
    exists = current['state'] != 'absent'
    if state == 'absent':
        if not exists:
            return []
        if dbs:
            raise PlanError('service %s cannot be deleted: the CM refuses while db resources belong to it (%s); '
                            'delete them first (stop each instance, then cmrctl del db on its node)'
                            % (want['name'], ', '.join('%s on %s' % (d['name'], d['node']) for d in dbs)))
        return [('del', None)]
    if not exists:
        if not want.get('cname'):
            raise PlanError('service %s does not exist: cname is required to add it' % want['name'])
        return [('add', None)]
    diffs = differences(current, want, membership)
    if not diffs:
        return []
    unsettled = any(key == TSC_MEMBER for key, _have, _want in diffs)
    if unsettled and reregistered_before:
        # Loop guard: one re-registration did not make the observer list the CM; another would not either.
        raise PlanError('%s An earlier run already re-registered it; it is not re-registered again. Find out why '
                        'the CM does not reach the observer, then remove the re-registration marker.'
                        % membership_problem(want, membership, observer_output))
    if not replace:
        reason = (membership_problem(want, membership, observer_output) if unsettled else
                  'service %s exists with other settings (%s). cmrctl cannot change a service in place.'
                  % (want['name'], _describe(diffs)))
        raise PlanError('%s If the service was registered without these settings: %s Or set replace=true to let '
                        'this module do it (only while every db resource of the service is on this node and down).'
                        % (reason, manual_procedure(want, dbs)), diffs)
    _check_replace(dbs, want, diffs, local_node, envfile)
    return ([('del_db', d) for d in dbs] + [('del', None), ('add', None)] + [('add_db', d) for d in dbs])


def _check_replace(dbs, want, diffs, local_node, envfile):
    """Everything replace deletes must be re-creatable from this node; nothing is deleted otherwise."""
    elsewhere = [d for d in dbs if d['node'] != local_node]
    running = [d for d in dbs if d['node'] == local_node and cs.is_up(d['status'])]
    reasons = []
    if elsewhere:
        reasons.append('db resources on other nodes belong to it (%s): cmrctl del db only acts on the local node'
                       % ', '.join('%s on %s' % (d['name'], d['node']) for d in elsewhere))
    if running:
        reasons.append('its instance is up (%s): stop it first'
                       % ', '.join('%s %s' % (d['name'], d['status']) for d in running))
    if dbs and not envfile:
        reasons.append('db_envfile is required to add its db resources again (cmrctl show does not print it)')
    if reasons:
        what = _describe(diffs) or 'its CM is not a member of TSC %s' % want.get('tscid')
        raise PlanError('service %s must be re-registered (%s) but %s. %s'
                        % (want['name'], what, '; '.join(reasons), manual_procedure(want, dbs)), diffs)


def step_problem(action, service, dbs, want):
    """Why ``service`` and ``dbs`` (read again) do not show the effect of ``action``, or None."""
    verb, db = action
    listed = [d['name'] for d in dbs]
    if verb == 'del_db' and db['name'] in listed:
        return 'db resource %s is still listed after cmrctl del db' % db['name']
    if verb == 'add_db' and db['name'] not in listed:
        return 'db resource %s is not listed after cmrctl add db' % db['name']
    if verb == 'del' and service['state'] != 'absent':
        return 'service %s is still listed after cmrctl del service' % want['name']
    if verb == 'add' and service['state'] == 'absent':
        return 'service %s is not listed after cmrctl add service' % want['name']
    if verb == 'add' and differences(service, want):
        return ('service %s was added but cmrctl show lists other settings (%s)'
                % (want['name'], _describe(differences(service, want))))
    return None


def predicted(current, want, state, actions, membership=None):
    """The service after ``actions`` (check mode and the diff's 'after')."""
    if state == 'absent':
        return dict(name=want['name'], state='absent')
    if not any(verb == 'add' for verb, _db in actions):
        after = dict(current)
        if membership is not None and current['state'] != 'absent':
            after['tsc'] = membership
        return after
    after = dict(name=want['name'], state='present', status=current.get('status', 'UP'),
                 cname=want.get('cname') or current.get('cname'), type=want['type'], mode=want.get('mode'))
    if want.get('tscid') is not None:
        source = 're-registered' if current['state'] != 'absent' else 'added'
        after['tsc'] = dict(membership or {}, source=source, tscid=want['tscid'])
    return after
