# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tibero.cm data model: validate it (every problem at once) and derive what the roles need.

The inventory declares the site once (``tibero_cm_*`` variables, see docs/data-model.md). The roles
never re-derive anything themselves: they read the dict returned by ``cm_model``. Validation is pure
Python on plain data so it runs on the controller before any host is touched, and so it is unit
tested without Ansible.

Problem messages have the form ``<variable path>: <what is wrong> (rule: <rule>)`` and never echo
the value of a secret. No value shape makes the checks crash: a list or mapping where a name is
expected (``install_host: [node1]``, a whole cluster templated into ``source.cluster``) is reported
like any other wrong type, with the YAML type names (str, int, list, dict, ...), never Ansible's
internal classes (tagged strings, lazy template containers).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

from collections.abc import Mapping, Sequence

from ansible_collections.tibero.cm.plugins.module_utils import afo_plan

# Names end up in cmrctl argv, file names and the installer's sourced cfg files: keep them plain.
NAME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_]*\Z')
NAME_RULE = 'a letter then letters, digits or _ (at most %d characters); no shell metacharacters'
MAX_NAME = 64
USER_RE = re.compile(r'^[a-z_][a-z0-9_-]*\Z')
PATH_RE = re.compile(r'^/[A-Za-z0-9._/-]*\Z')
MAX_PATH = 255
HOST_RE = re.compile(r'^[A-Za-z0-9._:-]+\Z')
# prs_install.cfg is sourced by bash: a secret is written unquoted, so it must stay one plain word.
SECRET_RE = re.compile(r'^[A-Za-z0-9_.@%+=:,/-]+\Z')
MAX_SECRET = 128
CFG_KEY_RE = re.compile(r'^[A-Z][A-Z0-9_]*\Z')
CFG_VALUE_RE = re.compile(r'^[A-Za-z0-9_.@%+=:,/-]*\Z')
DELIMITERS = (',', ':', '|')
DB_TYPES = ('TIBERO', 'ORACLE', 'MYSQL', 'POSTGRES')

# prs_install.cfg keys this collection writes itself; instance.options may not repeat them.
MANAGED_INSTALL_KEYS = frozenset((
    'INSTANCE_ID', 'PRS_USER', 'PRS_PWD', 'AGENT_LIST_DELIMITER', 'EXT_CNT', 'APPLY_PORT',
    'APPLY_AGENT_ID_LIST', 'LLOB_PORT', 'LLOB_AGENT_ID_LIST', 'SRC_DB_TYPE', 'SRC_DB_NAME',
    'SRC_INSTALL_USER', 'SRC_INSTALL_PWD', 'SRC_DB_CNT', 'TAR_DB_TYPE', 'TAR_DB_NAME',
    'TAR_INSTALL_USER', 'TAR_INSTALL_PWD', 'TAR_DB_CNT',
))
MANAGED_INSTALL_PREFIXES = ('EXT_AGENT_ID_LIST_', 'SRC_DB_ALIAS_')

# prs_agent_<id>.cfg CM parameters (the ProSync CM failover guide section 3): name -> kind.
AGENT_PARAMS = {
    'USE_CM': 'yn',
    'PRS_AGENT_PROC_MAX_FAIL_CNT': 'int',
    'PRS_AGENT_PROC_STARTUP_TIMEOUT': 'int',
    'PRS_AGENT_PROC_STATUS_REPLY_TIMEOUT': 'int',
    'PRS_AGENT_PROC_STATUS_INTERVAL': 'int',
    'PRS_AGENT_CM_PROBE_TIMEOUT': 'int',
}

# The fields of each mapping of the model: any other key is named as a likely typo.
CLUSTER_KEYS = ('name', 'db_name', 'cm_group', 'failover', 'service', 'nodes')
NODE_KEYS = ('host', 'tb_sid', 'cm_sid', 'cm_id')
AGENT_KEYS = ('id', 'host', 'port', 'retry_cnt', 'pubnet')
INSTANCE_KEYS = ('id', 'user', 'password', 'agent_list_delimiter', 'ext_agents', 'apply_port',
                 'apply_agents', 'llob_port', 'llob_agents', 'source', 'target', 'options', 'install_host')
DB_KEYS = ('cluster', 'type', 'install_user', 'install_password')

# Values an example inventory ships in place of a secret (examples/vault.example.yml): never
# a real password, so a site still carrying one is stopped before prs_install.cfg is written.
PLACEHOLDER_RE = re.compile(r'(change|replace)[_-]?me', re.IGNORECASE)

# A count written as digits. ansible-core before 2.19 renders every template whose result is a
# scalar as text ("7"), and the preflight role passes the top-level counts through a template; the
# role's own argument spec (type int) accepts such text too. Only canonical decimal digits count.
INT_TEXT_RE = re.compile(r'^(0|[1-9][0-9]{0,8})\Z')

TOP_LEVEL = ('tb_home', 'prs_home', 'tibero_user', 'prosync_user', 'clusters', 'agents',
             'instance', 'agent_params', 'agent_timeout_cnt', 'agent_retry_cnt', 'tsc')

# tibero_cm_tsc: TSC observer auto-failover (the TSC guide, TADTI232), with the defaults of what has one.
TSC_KEYS = ('id', 'mode', 'primary', 'standby', 'observer', 'timers', 'reregister_services', 'db_envfile',
            'verify_timeout')
OBSERVER_KEYS = ('host', 'name', 'cm_sid', 'ip', 'port', 'ui_port')
TSC_DEFAULTS = dict(id=1, mode='protective', reregister_services=False, db_envfile=None, verify_timeout=90)
OBSERVER_DEFAULTS = dict(name='obs1', cm_sid='cm_obs', port=9700, ui_port=9701)
TSC_ROLES = ('primary', 'standby')


def _var(path):
    """The user-facing variable name of a model path ('agents[0].id' -> 'tibero_cm_agents[0].id')."""
    return 'tibero_cm_' + path


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str(value):
    return isinstance(value, str)


def _type_name(value):
    """The YAML-level type of a value: str, int, list, dict, ... (never AnsibleUnicode,
    _AnsibleTaggedStr, _AnsibleLazyTemplateList and the like, which are subclasses)."""
    if value is None:
        return 'null'
    if 'vault' in type(value).__name__.lower() or 'encrypted' in type(value).__name__.lower():
        return 'vault-encrypted value'
    for kind, name in ((bool, 'bool'), (int, 'int'), (float, 'float'), (str, 'str'), (bytes, 'bytes'),
                       (Mapping, 'dict'), (Sequence, 'list'), (set, 'list')):
        if isinstance(value, kind):
            return name
    return type(value).__name__.lstrip('_')


def _show(value, limit=80):
    """A value for a message: a string quoted (cut at limit), anything else as its type only."""
    if _is_str(value):
        return repr(str(value)[:limit])
    if _is_int(value) or isinstance(value, bool):
        return repr(value)
    return 'a %s' % _type_name(value)


def _key_text(key):
    return str(key) if _is_str(key) else repr(key)


class _Checker(object):
    """Collects problems instead of stopping at the first one."""

    def __init__(self):
        self.problems = []

    def add(self, path, what, rule):
        self.problems.append('%s: %s (rule: %s)' % (_var(path), what, rule))

    def name(self, path, value, required=True):
        """A plain identifier (cluster, group, SID, agent id, ...). Returns True when valid."""
        if value is None:
            if required:
                self.add(path, 'is missing', 'required')
            return False
        if not _is_str(value):
            self.add(path, 'must be a string, got %s' % _type_name(value), 'type string')
            return False
        if len(value) > MAX_NAME or not NAME_RE.match(value):
            self.add(path, 'invalid name %s' % _show(value, MAX_NAME + 8), NAME_RULE % MAX_NAME)
            return False
        return True

    def _text(self, path, value, missing_rule, blank_is_missing=True):
        """The first steps of every text rule: the value is given, and it is a string."""
        if value is None or (blank_is_missing and value == ''):
            self.add(path, 'is missing', missing_rule)
            return False
        if not _is_str(value):
            self.add(path, 'must be a string, got %s' % _type_name(value), 'type string')
            return False
        return True

    def path(self, path, value):
        if not self._text(path, value, 'required: an absolute directory path'):
            return False
        if len(value) > MAX_PATH or not PATH_RE.match(value) or '..' in value.split('/'):
            self.add(path, 'invalid path %s' % _show(value, MAX_PATH),
                     'absolute path of letters, digits and ._/- only, no "..", at most %d characters'
                     % MAX_PATH)
            return False
        return True

    def user(self, path, value):
        if not self._text(path, value, 'required: an OS user name', blank_is_missing=False):
            return False
        if not USER_RE.match(value) or len(value) > 32:
            self.add(path, 'invalid OS user name %s' % _show(value),
                     'a lower-case POSIX user name, at most 32 characters')
            return False
        return True

    def port(self, path, value):
        if not _is_int(value):
            self.add(path, 'must be an integer, got %s' % _type_name(value), 'type integer')
            return False
        if not 1024 <= value <= 65535:
            self.add(path, 'port %d out of range' % value, 'ports are 1024..65535')
            return False
        return True

    def int_min(self, path, value, minimum, text_ok=False):
        """An integer >= minimum; text_ok: digits as text count too (see INT_TEXT_RE)."""
        if text_ok and _is_str(value) and INT_TEXT_RE.match(value):
            value = int(value)
        if not _is_int(value):
            self.add(path, 'must be an integer, got %s' % _type_name(value),
                     'type integer' + (' (digits only when quoted)' if text_ok else ''))
            return False
        if value < minimum:
            self.add(path, 'value %d is below %d' % (value, minimum), 'integer >= %d' % minimum)
            return False
        return True

    def secret(self, path, value):
        # Never echo the value: only say what is wrong with it.
        if not self._text(path, value, 'required (set it from an ansible-vault variable)'):
            return False
        if len(value) > MAX_SECRET or not SECRET_RE.match(value):
            self.add(path, 'contains characters that are not allowed or is too long (value not shown)',
                     'prs_install.cfg is sourced by bash: letters, digits and _.@%%+=:,/- only, '
                     'at most %d characters' % MAX_SECRET)
            return False
        if PLACEHOLDER_RE.search(value):
            self.add(path, 'is still the placeholder of the example secrets file (value not shown)',
                     'set the real secret in the ansible-vault file (vault.example.yml only shows the names)')
            return False
        return True

    def address(self, path, value):
        """An IP address or host name given to a tool's argv (cmrctl --obsip): one plain word."""
        if not self._text(path, value, 'required: an IP address or host name'):
            return False
        if len(value) > MAX_PATH or not HOST_RE.match(value):
            self.add(path, 'invalid address %s' % _show(value), 'an IP address or host name: letters, digits and ._:- only')
            return False
        return True

    def dict_(self, path, value, required=True):
        if value is None:
            if required:
                self.add(path, 'is missing', 'required')
            return False
        if not isinstance(value, Mapping):
            self.add(path, 'must be a mapping, got %s' % _type_name(value), 'type dict')
            return False
        return True

    def keys(self, path, value, allowed):
        """Name every key of a mapping that is not a field of the model, with the closest field."""
        for key in value:
            if _is_str(key) and key in allowed:
                continue
            close = difflib.get_close_matches(_key_text(key), allowed, n=1, cutoff=0.6)
            self.add('%s.%s' % (path, _key_text(key)),
                     'unknown key, likely a typo' + (' of %r' % close[0] if close else ''),
                     'known keys: %s' % ', '.join(allowed))

    def list_(self, path, value, required=True, non_empty=True):
        if value is None:
            if required:
                self.add(path, 'is missing', 'required')
            return False
        if not isinstance(value, list):
            self.add(path, 'must be a list, got %s' % _type_name(value), 'type list')
            return False
        if non_empty and not value:
            self.add(path, 'is empty', 'at least one entry')
            return False
        return True


def _check_clusters(chk, clusters, inventory_hosts, tsc_only=()):
    """Returns {host: (cluster index, node index)} of the valid nodes. ``tsc_only``: names of the
    clusters only a TSC uses (no ProSync): their db_name and cm_group are optional, and a TSC's
    standby has its primary's DB name."""
    node_of_host = {}
    if not chk.list_('clusters', clusters):
        return node_of_host
    seen = {'name': {}, 'cm_group': {}, 'db_name': {}, 'tb_sid': {}, 'cm_sid': {}}
    for ci, cluster in enumerate(clusters):
        cpath = 'clusters[%d]' % ci
        if not chk.dict_(cpath, cluster):
            continue
        chk.keys(cpath, cluster, CLUSTER_KEYS)
        prosync = not (_is_str(cluster.get('name')) and cluster.get('name') in tsc_only)
        if cluster.get('service') is not None:
            chk.name(cpath + '.service', cluster.get('service'))
        for key in ('name', 'cm_group', 'db_name'):
            value = cluster.get(key)
            if key != 'name' and not prosync:
                chk.name('%s.%s' % (cpath, key), value, required=False)
                continue
            if chk.name('%s.%s' % (cpath, key), value):
                first = seen[key].setdefault(value, cpath)
                if first != cpath:
                    chk.add('%s.%s' % (cpath, key), 'duplicate %r (also %s)' % (value, _var(first)),
                            'each cluster has its own %s' % key)
        if 'failover' in cluster and not isinstance(cluster['failover'], bool):
            chk.add(cpath + '.failover', 'must be a boolean, got %s' % _type_name(cluster['failover']),
                    'type bool')
        nodes = cluster.get('nodes')
        if not chk.list_(cpath + '.nodes', nodes):
            continue
        for ni, node in enumerate(nodes):
            npath = '%s.nodes[%d]' % (cpath, ni)
            if not chk.dict_(npath, node):
                continue
            chk.keys(npath, node, NODE_KEYS)
            host = node.get('host')
            if host is None:
                chk.add(npath + '.host', 'is missing', 'required: an inventory host name')
            elif not _is_str(host):
                chk.add(npath + '.host', 'must be a string, got %s' % _type_name(host), 'type string')
            elif not HOST_RE.match(host):
                chk.add(npath + '.host', 'invalid inventory host %s' % _show(host),
                        'an inventory host name')
            elif inventory_hosts is not None and host not in inventory_hosts:
                chk.add(npath + '.host', 'host %r is not in the inventory' % host,
                        'every node is an inventory host')
            elif host in node_of_host:
                other = node_of_host[host]
                chk.add(npath + '.host', 'host %r is already clusters[%d].nodes[%d]'
                        % (host, other[0], other[1]), 'a host is one node of one cluster')
            else:
                node_of_host[host] = (ci, ni)
            for key in ('tb_sid', 'cm_sid'):
                value = node.get(key)
                if chk.name('%s.%s' % (npath, key), value):
                    first = seen[key].setdefault(value, npath)
                    if first != npath:
                        chk.add('%s.%s' % (npath, key), 'duplicate %r (also %s)' % (value, _var(first)),
                                '%s is unique across the site' % key.upper())
            if 'cm_id' in node:
                cm_id = node['cm_id']
                if not _is_int(cm_id):
                    chk.add(npath + '.cm_id', 'must be an integer, got %s' % _type_name(cm_id),
                            'type integer')
                elif cm_id != ni:
                    chk.add(npath + '.cm_id', 'CM id %d does not match the node position %d' % (cm_id, ni),
                            'the CM id of a node is its position in the cluster (0, 1, ...), unique in '
                            'its CM group; reorder the nodes instead')
    return node_of_host


def _check_agents(chk, agents, node_of_host):
    """Returns {agent id: agent dict} of the agents with a valid id."""
    known = {}
    if not chk.list_('agents', agents):
        return known
    agent_on_host = {}
    for ai, agent in enumerate(agents):
        apath = 'agents[%d]' % ai
        if not chk.dict_(apath, agent):
            continue
        chk.keys(apath, agent, AGENT_KEYS)
        agent_id = agent.get('id')
        if chk.name(apath + '.id', agent_id):
            if agent_id in known:
                chk.add(apath + '.id', 'duplicate agent id %r (also %s)'
                        % (agent_id, _var(known[agent_id]['__path'])), 'agent ids are unique')
            else:
                known[agent_id] = dict(agent, __path=apath)
        host = agent.get('host')
        if host is None:
            chk.add(apath + '.host', 'is missing', 'required: an inventory host')
        elif not _is_str(host):
            chk.add(apath + '.host', 'must be a string, got %s' % _type_name(host), 'type string')
        elif host not in node_of_host:
            chk.add(apath + '.host', 'host %r is not a node of any cluster in tibero_cm_clusters' % host,
                    'an agent runs on a cluster node; its CM group and CM id come from that node')
        elif host in agent_on_host:
            chk.add(apath + '.host', 'host %r already runs %s' % (host, _var(agent_on_host[host])),
                    'one agent per node (the CM id of the node identifies the agent in its group)')
        else:
            agent_on_host[host] = apath
        chk.port(apath + '.port', agent.get('port'))
        if 'retry_cnt' in agent:
            chk.int_min(apath + '.retry_cnt', agent['retry_cnt'], 0)
        if agent.get('pubnet') is not None:
            chk.name(apath + '.pubnet', agent['pubnet'])
    return known


def _check_agent_list(chk, path, value, known):
    if not chk.list_(path, value):
        return
    seen = set()
    for i, agent_id in enumerate(value):
        if not _is_str(agent_id):
            chk.add('%s[%d]' % (path, i), 'must be an agent id string, got %s' % _type_name(agent_id),
                    'type string')
            continue
        elif agent_id not in known:
            chk.add('%s[%d]' % (path, i), 'unknown agent %r' % agent_id,
                    'every id in an agent list is one of tibero_cm_agents')
        elif agent_id in seen:
            chk.add('%s[%d]' % (path, i), 'agent %r listed twice' % agent_id,
                    'an agent appears once per list')
        seen.add(agent_id)


def _check_instance(chk, inst, known, clusters_by_name, node_of_host):
    if not chk.dict_('instance', inst):
        return
    chk.keys('instance', inst, INSTANCE_KEYS)
    chk.name('instance.id', inst.get('id'))
    chk.name('instance.user', inst.get('user'))
    chk.secret('instance.password', inst.get('password'))
    delimiter = inst.get('agent_list_delimiter', ',')
    if not _is_str(delimiter) or delimiter not in DELIMITERS:
        chk.add('instance.agent_list_delimiter', 'invalid delimiter %s' % _show(delimiter),
                'one of %s' % ' '.join(DELIMITERS))
    install_host = inst.get('install_host')
    if install_host is not None and not _is_str(install_host):
        chk.add('instance.install_host', 'must be a string, got %s' % _type_name(install_host),
                'type string: one inventory host')
    elif install_host is not None and install_host not in node_of_host:
        chk.add('instance.install_host', 'host %s is not a node of any cluster' % _show(install_host),
                'prs_install.sh runs on a cluster node that has ProSync')
    ext = inst.get('ext_agents')
    if chk.list_('instance.ext_agents', ext):
        for i, one in enumerate(ext):
            _check_agent_list(chk, 'instance.ext_agents[%d]' % i, one, known)
    _check_agent_list(chk, 'instance.apply_agents', inst.get('apply_agents'), known)
    _check_agent_list(chk, 'instance.llob_agents', inst.get('llob_agents'), known)
    chk.port('instance.apply_port', inst.get('apply_port'))
    chk.port('instance.llob_port', inst.get('llob_port'))
    for side in ('source', 'target'):
        db = inst.get(side)
        spath = 'instance.%s' % side
        if not chk.dict_(spath, db):
            continue
        chk.keys(spath, db, DB_KEYS)
        cluster = db.get('cluster')
        if chk.name(spath + '.cluster', cluster) and clusters_by_name and cluster not in clusters_by_name:
            chk.add(spath + '.cluster', 'unknown cluster %s' % _show(cluster),
                    'one of tibero_cm_clusters[].name')
        db_type = db.get('type', 'TIBERO')
        if not _is_str(db_type) or db_type not in DB_TYPES:
            chk.add(spath + '.type', 'unknown database type %s' % _show(db_type), 'one of %s' % ', '.join(DB_TYPES))
        chk.name(spath + '.install_user', db.get('install_user'))
        chk.secret(spath + '.install_password', db.get('install_password'))
    source = inst.get('source') if isinstance(inst.get('source'), Mapping) else {}
    src_cluster = clusters_by_name.get(source.get('cluster')) if _is_str(source.get('cluster')) else None
    if isinstance(ext, list) and src_cluster is not None and isinstance(src_cluster.get('nodes'), list):
        if len(ext) != len(src_cluster['nodes']):
            chk.add('instance.ext_agents', 'EXT_CNT %d != SRC_DB_CNT %d (nodes of cluster %r)'
                    % (len(ext), len(src_cluster['nodes']), src_cluster.get('name')),
                    'one extract agent list per source TAC instance: EXT_CNT must equal SRC_DB_CNT')
    options = inst.get('options', {})
    if chk.dict_('instance.options', options, required=False):
        for key, value in options.items():
            opath = 'instance.options.%s' % _key_text(key)
            if not _is_str(key) or not CFG_KEY_RE.match(key):
                chk.add(opath, 'invalid key', 'upper-case prs_install.cfg key')
            elif key in MANAGED_INSTALL_KEYS or key.startswith(MANAGED_INSTALL_PREFIXES):
                chk.add(opath, 'key is derived from the model', 'do not set managed keys in options')
            elif difflib.get_close_matches(key, MANAGED_INSTALL_KEYS, n=1, cutoff=0.85):
                # Any other key is written as given (the installer's cfg has more keys than the
                # public guides list), but one a letter away from a derived key is a typo that would
                # silently add a second, ignored setting.
                chk.add(opath, 'unknown key, likely a typo of %r, which the model derives'
                        % difflib.get_close_matches(key, MANAGED_INSTALL_KEYS, n=1, cutoff=0.85)[0],
                        'options holds prs_install.cfg keys the model does not derive')
            if isinstance(value, bool) or not isinstance(value, (str, int)) or \
                    not CFG_VALUE_RE.match(str(value)):
                chk.add(opath, 'invalid value', 'a string or integer of letters, digits and _.@%+=:,/- only')


def _check_ports_per_host(chk, agents, inst):
    """Agent, apply and llob ports must not collide on one host."""
    if not isinstance(agents, list):
        return
    used = {}  # host -> {port: what}
    by_id = {}
    for ai, agent in enumerate(agents):
        if isinstance(agent, Mapping) and _is_int(agent.get('port')) and _is_str(agent.get('host')):
            if _is_str(agent.get('id')):
                by_id.setdefault(agent.get('id'), agent)
            ports = used.setdefault(agent['host'], {})
            what = _var('agents[%d].port' % ai)
            if agent['port'] in ports:
                chk.add('agents[%d].port' % ai, 'port %d collides with %s on host %r'
                        % (agent['port'], ports[agent['port']], agent['host']), 'ports are unique per host')
            else:
                ports[agent['port']] = what
    if not isinstance(inst, Mapping):
        return
    for kind in ('apply', 'llob'):
        port = inst.get('%s_port' % kind)
        ids = inst.get('%s_agents' % kind)
        if not _is_int(port) or not isinstance(ids, list):
            continue
        for agent_id in ids:
            agent = by_id.get(agent_id) if _is_str(agent_id) else None
            if agent is None:
                continue
            ports = used.setdefault(agent['host'], {})
            if port in ports and ports[port] != _var('instance.%s_port' % kind):
                chk.add('instance.%s_port' % kind, 'port %d collides with %s on host %r'
                        % (port, ports[port], agent['host']), 'ports are unique per host')
            else:
                ports[port] = _var('instance.%s_port' % kind)


def _check_agent_params(chk, params):
    if not chk.dict_('agent_params', params, required=False):
        return
    for key, value in params.items():
        ppath = 'agent_params.%s' % _key_text(key)
        kind = AGENT_PARAMS.get(key) if _is_str(key) else None
        if kind is None:
            close = difflib.get_close_matches(_key_text(key), sorted(AGENT_PARAMS), n=1, cutoff=0.6)
            chk.add(ppath, 'unknown parameter, likely a typo' + (' of %r' % close[0] if close else ''),
                    'one of %s' % ', '.join(sorted(AGENT_PARAMS)))
        elif kind == 'yn' and not (_is_str(value) and value in ('Y', 'N')):
            chk.add(ppath, 'invalid value %s' % _show(value), 'Y or N (quote it in YAML)')
        elif kind == 'int':
            chk.int_min(ppath, value, 0)


# The optional parts of the site. Before ansible-core 2.19 a template that gives None (the role's
# `| default(none)` for a part the inventory does not declare) comes out as the empty string.
OPTIONAL_PARTS = ('agents', 'instance', 'tsc')


def _undeclared_parts_as_none(model):
    """``model`` with an optional part given as '' (an undeclared part on ansible-core < 2.19) as None."""
    if not any(model.get(part) == '' for part in OPTIONAL_PARTS):
        return model
    model = dict(model)
    for part in OPTIONAL_PARTS:
        if model.get(part) == '':
            model[part] = None
    return model


def _has_prosync(model):
    """The ProSync part is declared (or the TSC part is not, so the ProSync part is required)."""
    return model.get('agents') is not None or model.get('instance') is not None or model.get('tsc') is None


def _tsc_only_clusters(model):
    """Names of the clusters that the TSC part references and the ProSync part does not use (no agent
    on a node, not the instance's source or target): no CM group, no ProSync phase runs there."""
    tsc = model.get('tsc')
    if not isinstance(tsc, Mapping):
        return set()
    names = set(tsc.get(role) for role in TSC_ROLES if _is_str(tsc.get(role)))
    used = set()
    inst = model.get('instance')
    if isinstance(inst, Mapping):
        for side in ('source', 'target'):
            db = inst.get(side)
            if isinstance(db, Mapping) and _is_str(db.get('cluster')):
                used.add(db['cluster'])
    agents = model.get('agents')
    agent_hosts = set(a.get('host') for a in agents if isinstance(a, Mapping) and _is_str(a.get('host'))) \
        if isinstance(agents, list) else set()
    clusters = model.get('clusters')
    for cluster in clusters if isinstance(clusters, list) else []:
        if isinstance(cluster, Mapping) and isinstance(cluster.get('nodes'), list) and any(
                isinstance(n, Mapping) and _is_str(n.get('host')) and n['host'] in agent_hosts
                for n in cluster['nodes']) and _is_str(cluster.get('name')):
            used.add(cluster['name'])
    return names - used


def _check_timers(chk, timers):
    """tibero_cm_tsc.timers: known AFO timers (unknown keys are typos: a misspelled timer would be
    silently left at its default), whole seconds >= 0, and the TSC guide's expiry rule."""
    if not chk.dict_('tsc.timers', timers, required=False):
        return None
    options = [p.option for p in afo_plan.PARAMETERS]
    chk.keys('tsc.timers', timers, options)
    values = {}
    valid = True
    for option in options:
        if option in timers:
            if chk.int_min('tsc.timers.%s' % option, timers[option], 0):
                values[option] = timers[option]
            else:
                valid = False
    merged = afo_plan.effective_parameters(values)
    if valid:
        for violation in afo_plan.rule_violations(merged):
            chk.add('tsc.timers', violation['msg'], violation['rule'])
    return merged


def _check_tsc(chk, tsc, clusters_by_name, node_of_host, inventory_hosts, node_sids):
    """tibero_cm_tsc: the TSC's id and mode, its primary and standby clusters, the observer, the timers."""
    if not chk.dict_('tsc', tsc, required=False):
        return
    chk.keys('tsc', tsc, TSC_KEYS)
    tsc_id = tsc.get('id', TSC_DEFAULTS['id'])
    chk.int_min('tsc.id', tsc_id, 1)
    mode = tsc.get('mode', TSC_DEFAULTS['mode'])
    if not _is_str(mode) or mode not in afo_plan.MODES:
        chk.add('tsc.mode', 'unknown observer mode %s' % _show(mode),
                'one of %s (cmrctl set --tscid N --mode ...)' % ', '.join(afo_plan.MODES))
    picked = {}
    for role in TSC_ROLES:
        rpath = 'tsc.%s' % role
        name = tsc.get(role)
        if not chk.name(rpath, name):
            continue
        cluster = clusters_by_name.get(name)
        if cluster is None:
            if clusters_by_name:
                chk.add(rpath, 'unknown cluster %s' % _show(name), 'one of tibero_cm_clusters[].name')
            continue
        if cluster.get('service') is None:
            chk.add(rpath, 'cluster %r has no service' % name,
                    'a TSC cluster declares its CM service resource (tibero_cm_clusters[].service)')
        picked[role] = name
    if len(picked) == 2 and picked['primary'] == picked['standby']:
        chk.add('tsc.standby', 'is the primary cluster %r too' % picked['primary'],
                'the primary and the standby are two different CM clusters')
    observer = tsc.get('observer')
    if chk.dict_('tsc.observer', observer):
        chk.keys('tsc.observer', observer, OBSERVER_KEYS)
        host = observer.get('host')
        if host is None:
            chk.add('tsc.observer.host', 'is missing', 'required: an inventory host')
        elif not _is_str(host):
            chk.add('tsc.observer.host', 'must be a string, got %s' % _type_name(host), 'type string')
        elif not HOST_RE.match(host):
            chk.add('tsc.observer.host', 'invalid inventory host %s' % _show(host), 'an inventory host name')
        elif inventory_hosts is not None and host not in inventory_hosts:
            chk.add('tsc.observer.host', 'host %r is not in the inventory' % host, 'the observer is an inventory host')
        elif host in node_of_host:
            chk.add('tsc.observer.host', 'host %r is a DB node (tibero_cm_clusters[%d].nodes[%d])'
                    % ((host,) + tuple(node_of_host[host])), 'the observer runs on a host of its own')
        chk.name('tsc.observer.name', observer.get('name', OBSERVER_DEFAULTS['name']))
        cm_sid = observer.get('cm_sid', OBSERVER_DEFAULTS['cm_sid'])
        if chk.name('tsc.observer.cm_sid', cm_sid) and cm_sid in node_sids:
            chk.add('tsc.observer.cm_sid', 'duplicate %r (also a DB node\'s cm_sid)' % cm_sid,
                    'CM_SID is unique across the site')
        chk.address('tsc.observer.ip', observer.get('ip'))
        port = observer.get('port', OBSERVER_DEFAULTS['port'])
        ui_port = observer.get('ui_port', OBSERVER_DEFAULTS['ui_port'])
        if chk.port('tsc.observer.port', port) & chk.port('tsc.observer.ui_port', ui_port) and port == ui_port:
            chk.add('tsc.observer.ui_port', 'port %d is the observer port too' % ui_port,
                    'CM_OBSERVER_PORT and CM_UI_PORT of the observer differ')
    _check_timers(chk, tsc.get('timers', {}))
    reregister = tsc.get('reregister_services', TSC_DEFAULTS['reregister_services'])
    if not isinstance(reregister, bool):
        chk.add('tsc.reregister_services', 'must be a boolean, got %s' % _type_name(reregister), 'type bool')
    if tsc.get('db_envfile') is not None:
        chk.path('tsc.db_envfile', tsc['db_envfile'])
    chk.int_min('tsc.verify_timeout', tsc.get('verify_timeout', TSC_DEFAULTS['verify_timeout']), 1)


def cm_model_problems(model, inventory_hosts=None, hostvars=None):
    """Every problem of the model, as a list of messages (empty when valid).

    ``model`` maps the names of TOP_LEVEL (without the tibero_cm_ prefix) to the inventory values;
    ``inventory_hosts`` (optional) is the list of inventory host names; ``hostvars`` (optional) gives
    the agent nodes' addresses (AGENT_HOST), checked with everything else. A site declares the
    ProSync part (agents, instance), the TSC part (tsc), or both; without the TSC part the ProSync
    part is required.
    """
    chk = _Checker()
    if not isinstance(model, Mapping):
        return ['tibero_cm_*: the model must be a mapping, got %s (rule: type dict)' % _type_name(model)]
    model = _undeclared_parts_as_none(model)
    hosts = set(inventory_hosts) if inventory_hosts is not None else None
    prosync = _has_prosync(model)
    chk.path('tb_home', model.get('tb_home'))
    chk.user('tibero_user', model.get('tibero_user'))
    if prosync:
        chk.path('prs_home', model.get('prs_home'))
        chk.user('prosync_user', model.get('prosync_user'))
    clusters = model.get('clusters')
    node_of_host = _check_clusters(chk, clusters, hosts, _tsc_only_clusters(model))
    clusters_by_name = {}
    node_sids = set()
    if isinstance(clusters, list):
        clusters_by_name = dict((c.get('name'), c) for c in clusters
                                if isinstance(c, Mapping) and _is_str(c.get('name')))
        node_sids = set(n.get('cm_sid') for c in clusters if isinstance(c, Mapping) and isinstance(c.get('nodes'), list)
                        for n in c['nodes'] if isinstance(n, Mapping) and _is_str(n.get('cm_sid')))
    known = {}
    if prosync:
        known = _check_agents(chk, model.get('agents'), node_of_host)
        _check_instance(chk, model.get('instance'), known, clusters_by_name, node_of_host)
        _check_ports_per_host(chk, model.get('agents'), model.get('instance'))
    _check_agent_params(chk, model.get('agent_params'))
    chk.int_min('agent_timeout_cnt', model.get('agent_timeout_cnt'), 1, text_ok=True)
    chk.int_min('agent_retry_cnt', model.get('agent_retry_cnt'), 0, text_ok=True)
    _check_tsc(chk, model.get('tsc'), clusters_by_name, node_of_host, hosts, node_sids)
    if hostvars is not None:
        for agent in known.values():
            if _is_str(agent.get('host')) and agent['host'] in node_of_host:
                problem = _address(hostvars, agent['host'])[1]
                if problem:
                    chk.problems.append(problem)
    return chk.problems


def _address(hostvars, host):
    """(AGENT_HOST of a host, problem or None): tibero_cm_agent_address, else ansible_host, else the
    host name."""
    try:
        hvars = hostvars[host]
    except (KeyError, TypeError):
        return host, None
    for key in ('tibero_cm_agent_address', 'ansible_host'):
        try:
            value = hvars.get(key)
        except Exception:  # an undefined host var that does not template
            value = None
        if value is None or value == '':
            continue
        # AGENT_HOST goes into prs_install_agent.cfg, which the installer sources: no line break,
        # blank or shell character may reach it.
        if not _is_str(value) or not HOST_RE.match(value):
            return host, ('%s of host %s: invalid agent address %s (rule: an IP address or host name)'
                          % (key, host, _show(value)))
        return str(value), None
    return host, None


def _count(value):
    """A top-level count that passed int_min(text_ok=True), as an int."""
    return value if _is_int(value) else int(value)


def _derive_tsc(tsc, clusters_by_name):
    """The TSC part per role: the DB nodes of the primary and the standby (with their SIDs, cluster
    and service), the observer, the effective timers; ``by_host`` gives each TSC host its role."""
    observer = dict(OBSERVER_DEFAULTS, **tsc['observer'])
    derived = dict((key, tsc.get(key, default)) for key, default in TSC_DEFAULTS.items())
    derived.update(
        timers=afo_plan.effective_parameters(dict(tsc.get('timers') or {})),
        observer=dict((key, observer.get(key)) for key in OBSERVER_KEYS),
    )
    by_host = {}
    for role in TSC_ROLES:
        cluster = clusters_by_name[tsc[role]]
        nodes = [dict(host=n['host'], tb_sid=n['tb_sid'], cm_sid=n['cm_sid']) for n in cluster['nodes']]
        derived[role] = dict(cluster=cluster['name'], service=cluster['service'], nodes=nodes,
                             hosts=[n['host'] for n in nodes])
        for node in nodes:
            by_host[node['host']] = dict(node, role=role, group='tsc_%s' % role, cluster=cluster['name'],
                                         service=cluster['service'])
    by_host[observer['host']] = dict(host=observer['host'], role='observer', group='tsc_observer',
                                     tb_sid=None, cm_sid=None, cluster=None, service=None)
    derived['by_host'] = by_host
    # Standby first: the order the restart phase takes them in.
    derived['hosts'] = derived['standby']['hosts'] + derived['primary']['hosts'] + [observer['host']]
    return derived


def cm_model(model, hostvars=None):
    """Derive the site from a valid model (run cm_model_problems first).

    Returns a dict with ``clusters`` (the ProSync part's clusters: nodes with their CM id), ``agents``
    (with CM group, CM id, address, script), ``by_host`` (everything a node needs about itself),
    ``hosts`` (every node of those clusters, cluster order: the hosts of the ProSync phases),
    ``instance`` (with the derived prs_install.cfg values) and ``install_agents`` (prs_install_agent.cfg
    entries, in declaration order), and ``tsc`` (the TSC part, see _derive_tsc, or None). A TSC-only
    site has no ProSync clusters, agents, hosts, and ``instance`` None: the ProSync phases skip it.
    """
    problems = cm_model_problems(model, hostvars=hostvars)
    if problems:
        raise ValueError('invalid tibero.cm model:\n' + '\n'.join(problems))
    model = _undeclared_parts_as_none(model)
    hostvars = hostvars or {}
    prosync = _has_prosync(model)
    tsc_only = _tsc_only_clusters(model)
    clusters = []
    by_host = {}
    for cluster in model['clusters'] if prosync else []:
        if cluster['name'] in tsc_only:
            continue
        nodes = []
        for index, node in enumerate(cluster['nodes']):
            nodes.append(dict(host=node['host'], tb_sid=node['tb_sid'], cm_sid=node['cm_sid'], cm_id=index))
        clusters.append(dict(name=cluster['name'], db_name=cluster['db_name'], cm_group=cluster['cm_group'],
                             failover=cluster.get('failover', True), nodes=nodes,
                             hosts=[n['host'] for n in nodes]))
        for node in nodes:
            by_host[node['host']] = dict(node, cluster=cluster['name'], db_name=cluster['db_name'],
                                         cm_group=cluster['cm_group'],
                                         cluster_hosts=[n['host'] for n in nodes],
                                         agent=None)
    agents = []
    for agent in model['agents'] if prosync else []:
        node = by_host[agent['host']]
        derived = dict(
            id=agent['id'], host=agent['host'], port=agent['port'],
            address=_address(hostvars, agent['host'])[0],
            cluster=node['cluster'], cm_group=node['cm_group'], cm_id=node['cm_id'],
            script='%s/bin/prs_%d.sh' % (model['prs_home'].rstrip('/'), node['cm_id']),
            retry_cnt=agent.get('retry_cnt', _count(model['agent_retry_cnt'])),
            pubnet=agent.get('pubnet'),
        )
        agents.append(derived)
        node['agent'] = derived
    for cluster in clusters:
        cluster['agents'] = [a['id'] for a in agents if a['cluster'] == cluster['name']]
    tsc = None
    if model.get('tsc') is not None:
        tsc = _derive_tsc(model['tsc'], dict((c['name'], c) for c in model['clusters']))
    instance = _derive_instance(model['instance'], clusters, agents) if prosync else None
    nodes = _live_nodes(by_host, tsc)
    return dict(
        clusters=clusters,
        agents=agents,
        by_host=by_host,
        hosts=[h for c in clusters for h in c['hosts']],
        agent_hosts=[a['host'] for a in agents],
        instance=instance,
        agent_params=dict(model.get('agent_params') or {}),
        agent_timeout_cnt=_count(model['agent_timeout_cnt']),
        agent_retry_cnt=_count(model['agent_retry_cnt']),
        tsc=tsc,
        nodes=nodes,
        site_hosts=list(nodes),
        steps=_steps(nodes, by_host, agents, instance, tsc, _switch(model.get('prune'))),
    )


def _live_nodes(by_host, tsc):
    """What phase 1 checks on each host of the site, in site order (ProSync nodes, then the TSC DB
    nodes not among them, standby first, then the observer): ``kind`` db or observer, the SIDs,
    ``cm_id`` (None where no CM_ID is set: a TSC-only node), ``expect`` (``open``, or ``recovery`` for
    a TSC standby, whose DB runs in recovery: vendor facts TSC-9), ``cluster_hosts`` (the run lock is
    taken on the first one) and ``prosync`` (its ProSync tools are looked for)."""
    nodes = {}
    for host, node in by_host.items():
        nodes[host] = dict(host=host, kind='db', cm_sid=node['cm_sid'], tb_sid=node['tb_sid'],
                           cm_id=node['cm_id'], expect='open', cluster=node['cluster'],
                           cluster_hosts=node['cluster_hosts'], prosync=node['agent'] is not None)
    if tsc is None:
        return nodes
    for role in ('standby', 'primary'):
        for node in tsc[role]['nodes']:
            entry = nodes.setdefault(node['host'], dict(
                host=node['host'], kind='db', cm_sid=node['cm_sid'], tb_sid=node['tb_sid'], cm_id=None,
                expect='open', cluster=tsc[role]['cluster'], cluster_hosts=tsc[role]['hosts'], prosync=False))
            if role == 'standby':
                entry['expect'] = 'recovery'
    observer = tsc['observer']
    nodes[observer['host']] = dict(host=observer['host'], kind='observer', cm_sid=observer['cm_sid'],
                                   tb_sid=None, cm_id=None, expect=None, cluster=None, cluster_hosts=[],
                                   prosync=False)
    return nodes


# The steps of each part, per phase of site.yml: (phase, role, tasks_from, tags). site.yml runs a
# phase as one include per host over that host's steps, so a part the site does not declare adds no
# task and no name to the output. site.yml includes the steps without validating their roles' arguments
# (rolespec_validate: false): the model role validated the site's variables once, in phase 1. cm_node's
# step is its queue alone: preflight read the node in the same run. Tags: each phase runs alone with its tag (README).
TSC_TAGS = ['tsc', 'tsc_tips', 'tsc_restart', 'tsc_observer']
STEP_PHASES = ('load', 'configure', 'install', 'plan', 'pause', 'register', 'verify')


def _step(role, tasks_from, tags):
    return dict(role='tibero.cm.' + role, tasks_from=tasks_from, tags=list(tags))


def _switch(value):
    """A run switch given as a bool or as the text of ``-e name=true``."""
    return value is True or str(value).strip().lower() in ('true', 'yes', 'on', '1')


def _steps(nodes, by_host, agents, instance, tsc, prune=False):
    """{host: {phase: [step]}} for every site host (see STEP_PHASES). A phase whose step reads
    another host's facts comes after the phase that sets them: the TSC read (configure) before the
    observer's view (install: the observer is started and read where the ProSync instance is installed),
    that view before the service plan and tips (plan), the tips before the observer's pause (pause).
    ``prune`` (the run switch tibero_cm_prune) adds the retirement of agents absent from the model before
    the registration; without it the run starts none of its tasks."""
    steps = dict((host, dict((phase, []) for phase in STEP_PHASES)) for host in nodes)
    agent_hosts = set(a['host'] for a in agents)
    install_hosts = agent_hosts | (set([instance['install_host']]) if instance else set())
    for host in by_host:
        if host in agent_hosts:
            steps[host]['configure'].append(_step('prosync_agents', 'main', ['prosync_agents']))
        if host in install_hosts:
            steps[host]['install'].append(_step('prosync_instance', 'main', ['prosync_instance']))
        steps[host]['plan'].append(_step('cm_node', 'queue', ['cm_node']))
        if host in agent_hosts:
            # After every restart queue (plan): an agent whose node's CM restarts needs no restart of its own.
            steps[host]['pause'].append(_step('cm_resources', 'plan', ['cm_resources']))
        if prune:
            steps[host]['register'].append(_step('cm_resources', 'prune', ['cm_resources']))
        steps[host]['register'].append(_step('cm_resources', 'main', ['cm_resources']))
        steps[host]['verify'].append(_step('verify', 'main', ['verify']))
    if tsc is None:
        return steps
    for host, part in tsc['by_host'].items():
        steps[host]['load'].append(_step('tsc_observer', 'model', TSC_TAGS + ['tsc_verify']))
        if part['role'] == 'observer':
            steps[host]['install'].append(_step('tsc_observer', 'observer_up', TSC_TAGS))
            steps[host]['pause'].append(_step('tsc_observer', 'pause', ['tsc', 'tsc_restart']))
            steps[host]['register'].append(_step('tsc_observer', 'observer', ['tsc', 'tsc_observer']))
            steps[host]['verify'].append(_step('tsc_observer', 'verify', ['tsc', 'tsc_verify']))
        else:
            steps[host]['configure'].append(_step('tsc_observer', 'read', TSC_TAGS))
            steps[host]['plan'].append(_step('tsc_observer', 'tips', ['tsc', 'tsc_tips']))
    return steps


def _derive_instance(inst, clusters, agents):
    """The prs_install.cfg values of the instance (the secrets stay in tibero_cm_instance)."""
    by_name = dict((c['name'], c) for c in clusters)
    delimiter = inst.get('agent_list_delimiter', ',')
    source = by_name[inst['source']['cluster']]
    target = by_name[inst['target']['cluster']]
    agent_host = dict((a['id'], a['host']) for a in agents)
    return dict(
        id=inst['id'], user=inst['user'], delimiter=delimiter,
        ext_lists=[delimiter.join(one) for one in inst['ext_agents']],
        ext_cnt=len(inst['ext_agents']),
        apply_port=inst['apply_port'], apply_list=delimiter.join(inst['apply_agents']),
        llob_port=inst['llob_port'], llob_list=delimiter.join(inst['llob_agents']),
        src_type=inst['source'].get('type', 'TIBERO'), src_db_name=source['db_name'],
        src_install_user=inst['source']['install_user'], src_db_cnt=len(source['nodes']),
        src_aliases=[n['tb_sid'] for n in source['nodes']],
        tar_type=inst['target'].get('type', 'TIBERO'), tar_db_name=target['db_name'],
        tar_install_user=inst['target']['install_user'], tar_db_cnt=len(target['nodes']),
        options=dict(sorted((inst.get('options') or {}).items())),
        # The installer runs once, on the node of the first extract agent unless told otherwise.
        install_host=inst.get('install_host') or agent_host[inst['ext_agents'][0][0]],
    )


class FilterModule(object):
    """tibero.cm model filters."""

    def filters(self):
        return {
            'cm_model_problems': cm_model_problems,
            'cm_model': cm_model,
        }
