# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reliability suites' lab: scripts/lab.sh under its own prefix, site.yml runs, health checks.

Every Docker name the suites create starts with TCM_REL_PREFIX (default ``tcm-rel``): containers
``tcm-rel-node1..4`` (``tcm-rel-node5`` once test_9 adds it), network ``tcm-rel``, volume ``tcm-rel-shared``,
so the suites never clash with ``make lab`` (tibero-lab-*), molecule (tibero-molecule-*) or the benchmark.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')
# The project's venv (scripts/env.sh exports TCM_VENV; a git worktree may use the main tree's).
VENV_BIN = os.path.join(os.environ.get('TCM_VENV') or os.path.join(ROOT, '.venv'), 'bin')
sys.path.insert(0, COLLECTIONS)

from ansible_collections.tibero.cm.plugins.module_utils.cmrctl_show import parse_nodes  # noqa: E402
from ansible_collections.tibero.cm.plugins.module_utils.prs_adm import parse_status  # noqa: E402

PREFIX = os.environ.get('TCM_REL_PREFIX', 'tcm-rel')
NODES = ['node1', 'node2', 'node3', 'node4']
TB_HOME = '/home/tibero/tibero/tibero7'
PRS_HOME = '/home/prosync/example'
STATE_DIR = '/var/tmp/tibero_cm'
# "pid args" of a node's processes, without grep (and this pipeline), the CM's periodic `prs_agent --probe`,
# and a process whose parent has the same args: the child a daemon forks to run a script (the CM runs its
# agents' scripts every second) shows the daemon's args until it execs, and is not a second daemon.
PROCESSES = ("ps -eo pid=,ppid=,args= | awk '{pid = $1; ppid = $2; $1 = \"\"; $2 = \"\"; sub(/^ +/, \"\"); "
             "args[pid] = $0; parent[pid] = ppid} END {for (p in args) if (args[p] !~ /grep|--probe/ && "
             "args[parent[p]] != args[p]) print p, args[p]}'")
# The lab is reached as a site is: SSH as this login user (inventories/lab), key made per machine.
LOGIN_USER = 'tcmadm'
SSH_KEY = os.environ.get('TCM_LAB_SSH_KEY') or os.path.join(ROOT, 'build', 'lab', 'ssh', 'id_ed25519')
SUDOERS = os.path.join(ROOT, 'examples', 'sudoers', 'tibero-cm')
# node -> (cluster, tb_sid, cm_sid, expected CM_ID): inventories/lab's model.
SITE = {
    'node1': ('cls_tibero', 'tibero1', 'cm_tibero1', 0),
    'node2': ('cls_tibero', 'tibero2', 'cm_tibero2', 1),
    'node3': ('cls_tibero_tar', 'tibero_tar1', 'cm_tibero_tar1', 0),
    'node4': ('cls_tibero_tar', 'tibero_tar2', 'cm_tibero_tar2', 1),
}
AGENTS = {'node1': 'agent1', 'node2': 'agent2', 'node3': 'agent3', 'node4': 'agent4'}
# The node a test adds to the running site (test_9_add_node.py): a third member of cls_tibero_tar, in the
# lab's topology.json from the start (the DBA's plan) but with no container, and outside the inventory,
# until that test creates and provisions it (Lab.add_node). It takes the next thread and its own SIDs and
# ports, as node3/node4 have theirs (lab/topologies/prosync.json); CM_ID 2 = its position in the cluster.
NEW_NODE = 'node5'
NEW_NODE_TOPOLOGY = {'node': NEW_NODE, 'host': '172.19.0.15', 'tb_sid': 'tibero_tar3', 'cm_sid': 'cm_tibero_tar3',
                     'cm_ui_port': 8705, 'inc_name': 'inc3', 'inc_port': 8700, 'listener_port': 8629, 'thread': 2}
NEW_NODE_SITE = ('cls_tibero_tar', 'tibero_tar3', 'cm_tibero_tar3', 2)
GROUPS = {'cls_tibero': 'CM1', 'cls_tibero_tar': 'CM2'}
DBS = ['tibero', 'tibero_tar']
INSTANCE_ID = 'TAC2TAC'
# Short lab timings: the suites measure the collection, not the simulated tools.
LAB_CONF = {
    'LAB_BOOT_SECONDS': '0.5',
    'LAB_DOWN_SECONDS': '0',
    'LAB_CM_TICK': '0.25',
    'LAB_CM_PROBE_INTERVAL': '1',
    'LAB_CMRCTL_ACK_TIMEOUT': '30',
    'LAB_TOOL_TIMING': 'Y',
}
KEY_RE = re.compile(r'^_?[A-Z][A-Z0-9_]*$')


def topology():
    """lab/topologies/prosync.json with NEW_NODE as the third node of cls_tibero_tar."""
    with open(os.path.join(ROOT, 'lab', 'topologies', 'prosync.json')) as handle:
        topo = json.load(handle)
    cluster = [c for c in topo['clusters'] if c['name'] == NEW_NODE_SITE[0]][0]
    cluster['nodes'].append(dict(NEW_NODE_TOPOLOGY))
    topo['description'] += ' The reliability lab adds %s to %s during a test.' % (NEW_NODE, cluster['name'])
    return topo


def site(node):
    """(cluster, tb_sid, cm_sid, CM_ID) of a node of the model, or of NEW_NODE."""
    return NEW_NODE_SITE if node == NEW_NODE else SITE[node]


def container(node):
    return '%s-%s' % (PREFIX, node)


def env():
    """The environment of scripts/env.sh, without sourcing it (pytest already runs in the venv)."""
    result = dict(os.environ)
    result.update({
        'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'),
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'PATH': VENV_BIN + os.pathsep + os.environ.get('PATH', ''),
        'TCM_LAB_SSH_KEY': SSH_KEY,
    })
    result.pop('ANSIBLE_PYTHON_INTERPRETER', None)
    return result


def docker(*args, **kwargs):
    kwargs.setdefault('capture_output', True)
    kwargs.setdefault('text', True)
    kwargs.setdefault('timeout', 300)
    check = kwargs.pop('check', False)
    return subprocess.run(['docker'] + list(args), check=check, **kwargs)


class Result(object):
    def __init__(self, rc, out, seconds, killed):
        self.rc, self.out, self.seconds, self.killed = rc, out, seconds, killed

    def __repr__(self):
        return 'Result(rc=%s, %.0fs, killed=%s)\n%s' % (self.rc, self.seconds, self.killed, self.out[-6000:])


class Lab(object):
    """One 4-node lab, shared by every test of a session."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.inventory = os.path.join(workdir, 'inventory')
        self.kill_log = os.path.join(workdir, 'kills.log')

    # ------------------------------------------------------------ lifecycle
    def up(self):
        conf = os.path.join(self.workdir, 'lab.conf')
        with open(conf, 'w') as handle:
            handle.write('# tests/reliability lab.conf\n')
            handle.writelines('%s=%s\n' % item for item in sorted(LAB_CONF.items()))
        topo = os.path.join(self.workdir, 'topology.json')
        with open(topo, 'w') as handle:
            json.dump(topology(), handle, indent=2)
        e = env()
        # lab.sh makes and provisions node1..4 only (TIBERO_LAB_NODES): NEW_NODE stays a plan until a test adds it.
        e.update(TIBERO_LAB_PREFIX=PREFIX, TIBERO_LAB_CONF=conf, TIBERO_LAB_TOPOLOGY=topo)
        proc = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'lab.sh'), 'up'], cwd=ROOT, env=e,
                              capture_output=True, text=True, timeout=900, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        self.write_conf(LAB_CONF)
        self.write_inventory()

    def down(self):
        e = env()
        e['TIBERO_LAB_PREFIX'] = PREFIX
        subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'lab.sh'), 'down'], cwd=ROOT, env=e,
                       capture_output=True, text=True, timeout=300, check=False)

    def write_inventory(self, mutate=None, extra_hosts=None):
        """inventories/lab pointed at this lab's containers; ``mutate(model)`` edits the model, ``extra_hosts``
        ({name: host vars}) adds hosts to the inventory's group."""
        if os.path.isdir(self.inventory):
            shutil.rmtree(self.inventory)
        shutil.copytree(os.path.join(ROOT, 'inventories', 'lab'), self.inventory)
        hosts_file = os.path.join(self.inventory, 'hosts.yml')
        with open(hosts_file) as handle:
            hosts = yaml.safe_load(handle)
        group = hosts['all']['children']['tibero_cm_lab']['hosts']
        group.update((name, dict(hvars)) for name, hvars in (extra_hosts or {}).items())
        for name, hvars in group.items():
            hvars['ansible_host'] = container(name)
        with open(hosts_file, 'w') as handle:
            yaml.safe_dump(hosts, handle)
        if mutate is not None:
            model_file = os.path.join(self.inventory, 'group_vars', 'all', 'tibero_cm.yml')
            with open(model_file) as handle:
                model = yaml.safe_load(handle)
            mutate(model)
            with open(model_file, 'w') as handle:
                yaml.safe_dump(model, handle)
        return self.inventory

    def unreachable_inventory(self, node):
        """A copy of the inventory where ``node`` is reached over SSH at a closed port of this machine's loopback.

        SSH to a port nothing listens on is refused at once, which the run sees as a production node
        that is powered off (a stopped container behind the lab's ProxyCommand would instead wait for
        docker). No traffic goes to the container's private address.
        """
        path = os.path.join(self.workdir, 'inventory-%s-down' % node)
        if os.path.isdir(path):
            shutil.rmtree(path)
        shutil.copytree(self.inventory, path)
        hosts_file = os.path.join(path, 'hosts.yml')
        with open(hosts_file) as handle:
            hosts = yaml.safe_load(handle)
        hvars = hosts['all']['children']['tibero_cm_lab']['hosts'][node]
        hvars.update(ansible_host='127.0.0.1', ansible_port=1, ansible_connection='ssh', ansible_user='root',
                     ansible_ssh_common_args='-o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no '
                                             '-o UserKnownHostsFile=/dev/null')
        with open(hosts_file, 'w') as handle:
            yaml.safe_dump(hosts, handle)
        return path

    def rebuild(self, node):
        """Replace ``node``'s container by a fresh one of the lab image, re-provisioned as a DBA would
        (lab-provision: the Tibero instance, CM and cluster resources, an empty $PRS_HOME; nothing of the
        collection), with the same name, hostname, network alias and shared volume as scripts/lab.sh makes."""
        name = container(node)
        image = docker('container', 'inspect', '-f', '{{.Config.Image}}', name, check=True).stdout.strip()
        docker('rm', '-f', name, check=True)
        self._provision(node, image)

    def add_node(self, node):
        """A new container ``node`` of the lab image (node1's), made as scripts/lab.sh makes node1..4, and
        provisioned as a DBA would from the lab's topology.json: its Tibero instance booted and its CM
        started and registered in its cluster (the shared CM file), so the cluster's other CMs see it;
        nothing of the collection."""
        name = container(node)
        assert docker('container', 'inspect', name).returncode != 0, '%s exists already' % name
        image = docker('container', 'inspect', '-f', '{{.Config.Image}}', container('node1'), check=True).stdout.strip()
        self._provision(node, image)

    def _provision(self, node, image):
        name = container(node)
        docker('run', '-d', '--name', name, '--hostname', node, '--network', PREFIX, '--network-alias', node,
               '--mount', 'type=volume,source=%s-shared,target=/lab/shared' % PREFIX,
               '--label', 'org.tibero-cm.lab=1', image, '/opt/lab/bin/lab-init', check=True)
        self.wait_for(lambda: docker('container', 'inspect', '-f', '{{.State.Running}}', name).stdout.strip() == 'true',
                      timeout=60, what='%s running' % name)
        self.sh(node, '/opt/lab/bin/lab-provision', timeout=300)
        with open(SSH_KEY + '.pub') as handle:
            self.sh(node, '/opt/lab/bin/lab-authorize-key', input=handle.read())

    def pids(self, node, pattern):
        """Sorted pids of the processes of ``node`` whose args match the extended regex ``pattern``."""
        out = self.sh(node, PROCESSES + ' | grep -E %s || true' % shlex.quote(pattern), check=False).stdout
        return sorted(line.split()[0] for line in out.splitlines() if line.strip())

    def write_conf(self, values):
        text = ''.join('%s=%s\n' % item for item in sorted(values.items()))
        proc = docker('exec', '-i', container('node1'), 'sh', '-c',
                      'cat > /lab/shared/lab.conf.new && chmod 0644 /lab/shared/lab.conf.new'
                      ' && mv /lab/shared/lab.conf.new /lab/shared/lab.conf', input=text)
        assert proc.returncode == 0, proc.stderr

    def set_conf(self, **extra):
        values = dict(LAB_CONF)
        values.update(extra)
        self.write_conf(values)

    # ------------------------------------------------------------ commands in the containers
    def sh(self, node, script, user='root', check=True, timeout=120, input=None):
        """Run a test-side bash script in a node (the test's own text, never user input)."""
        args = ['exec', '-i'] if input is not None else ['exec']
        args += ['-u', user, container(node), 'bash', '-c', script]
        proc = docker(*args, timeout=timeout, input=input)
        if check:
            assert proc.returncode == 0, '%s: %s\n%s%s' % (node, script, proc.stdout, proc.stderr)
        return proc

    def login(self, node, command, timeout=60):
        """Run a shell command over SSH as the login user, exactly as inventories/lab connects."""
        with open(os.path.join(ROOT, 'inventories', 'lab', 'hosts.yml')) as handle:
            hvars = yaml.safe_load(handle)['all']['children']['tibero_cm_lab']['vars']
        argv = ['ssh', '-i', SSH_KEY, '-o', 'BatchMode=yes'] + shlex.split(hvars['ansible_ssh_common_args'])
        argv += ['%s@%s' % (hvars['ansible_user'], container(node)), command]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)

    def tibero(self, node, command, check=True, timeout=120):
        """A Tibero tool as the tibero user with the node's environment (CM_HOME beside CM_SID, ENV-1).
        A tbboot in `command` needs a terminal: run it as `script -q -e -c tbboot /dev/null` (TB-1)."""
        tb_sid, cm_sid = site(node)[1:3]
        script = 'export TB_HOME=%s TB_SID=%s CM_SID=%s CM_HOME=%s; export PATH=$TB_HOME/bin:$PATH; %s' % (
            TB_HOME, tb_sid, cm_sid, TB_HOME, command)
        return self.sh(node, script, user='tibero', check=check, timeout=timeout)

    def read(self, node, path):
        proc = docker('exec', container(node), 'cat', path)
        return proc.stdout if proc.returncode == 0 else None

    def read_bytes(self, node, path):
        proc = subprocess.run(['docker', 'exec', container(node), 'cat', path], capture_output=True,
                              timeout=60, check=False)
        return proc.stdout if proc.returncode == 0 else None

    def show_all(self, node='node1'):
        return parse_nodes(self.tibero(node, 'cmrctl show all').stdout)['resources']

    def prs_status(self, node='node1'):
        # as prs_info runs it: `-c status`, `exit` on stdin as guard (docs/vendor-facts.md PRS-2)
        proc = self.sh(node, 'export PRS_HOME=%s TB_HOME=%s; $PRS_HOME/bin/prs_adm -c status' % (PRS_HOME, TB_HOME),
                       user='prosync', input='exit\n')
        return parse_status(proc.stdout)

    def install_counts(self):
        counts = {}
        for db in DBS:
            text = self.read('node1', '/lab/shared/db/%s/prosync.json' % db)
            record = json.loads(text).get(INSTANCE_ID, {}) if text else {}
            counts[db] = record.get('install_count', 0)
        return counts

    def tip_path(self, node):
        return '%s/config/%s.tip' % (TB_HOME, site(node)[2])

    def ls(self, node, directory):
        proc = docker('exec', container(node), 'ls', '-1', directory)
        return proc.stdout.split() if proc.returncode == 0 else []

    # ------------------------------------------------------------ ansible-playbook
    def playbook(self, *args, **kwargs):
        """Run ansible-playbook on this lab; kill_at='<event>|<task>[|<host>]' kills it there.

        Runs in its own process group (the interrupt callback kills that group). ``extra_env`` adds
        environment, ``background=True`` returns the Popen with its output file instead of waiting.
        """
        kill_at = kwargs.pop('kill_at', None)
        extra_env = kwargs.pop('extra_env', {})
        timeout = kwargs.pop('timeout', 900)
        background = kwargs.pop('background', False)
        playbook = kwargs.pop('playbook', 'site.yml')
        inventory = kwargs.pop('inventory', self.inventory)
        assert not kwargs, kwargs
        e = env()
        e.update(extra_env)
        if kill_at:
            e['ANSIBLE_CALLBACK_PLUGINS'] = os.path.join(HERE, 'callback_plugins')
            e['ANSIBLE_CALLBACKS_ENABLED'] = 'tcm_rel_interrupt'
            e['TCM_REL_KILL_AT'] = kill_at
            e['TCM_REL_KILL_LOG'] = self.kill_log
        argv = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory, playbook] + list(args)
        out = tempfile.NamedTemporaryFile(prefix='playbook-', suffix='.log', dir=self.workdir, delete=False)
        start = time.monotonic()
        proc = subprocess.Popen(argv, cwd=ROOT, env=e, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        if background:
            proc.tcm_out, proc.tcm_start = out.name, start
            return proc
        return self.wait(proc, out.name, start, timeout)

    def wait(self, proc, out_name, start, timeout=900):
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError('ansible-playbook ran longer than %s s: %s' % (timeout, _read(out_name)[-4000:]))
        return Result(proc.returncode, _read(out_name), time.monotonic() - start,
                      proc.returncode == -signal.SIGKILL)

    # ------------------------------------------------------------ state
    def fingerprint(self, nodes=None):
        """Everything a run may change on the nodes and the shared volume (for 'nothing changed')."""
        script = (
            'cd / && for d in %s/config %s/install %s/config %s/bin %s; do '
            '[ -d "$d" ] && find "$d" -type f -print0 | sort -z | xargs -0 -r md5sum; done; '
            + PROCESSES + ' | grep -E "tbsvr|tbcm|prs_agent" | cut -d" " -f2- | sort'
        ) % (TB_HOME, PRS_HOME, PRS_HOME, PRS_HOME, STATE_DIR)
        result = {}
        for node in nodes or NODES:
            result[node] = self.sh(node, script, check=False).stdout
        # The shared volume: cluster CM files and the ProSync schemas of the simulated DBs, not the
        # liveness records (cm/<cluster>/nodes/, db/<db>/instances/) that the daemons rewrite always.
        result['shared'] = self.sh('node1', 'cd /lab/shared && find db cm -type f ! -name "*.lock" '
                                   '! -path "*/nodes/*" ! -path "*/instances/*" -print0 2>/dev/null | '
                                   'sort -z | xargs -0 -r md5sum', check=False).stdout
        result['resources'] = sorted((r['node'], r['type'], r['name']) for r in self.show_all())
        return result

    def wait_for(self, predicate, timeout=120, interval=1.0, what='condition'):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError('timed out after %s s waiting for %s' % (timeout, what))


def _read(path):
    with open(path, errors='replace') as handle:
        return handle.read()


def parse_tip(data):
    """A strict tip parser: {key: value}; raises ValueError for anything a tip file must not hold."""
    if b'\x00' in data:
        raise ValueError('NUL byte')
    text = data.decode('utf-8')
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        if '=' not in stripped:
            raise ValueError('line %d is not KEY=VALUE: %r' % (number, line))
        key, value = stripped.split('=', 1)
        key = key.strip()
        if not KEY_RE.match(key):
            raise ValueError('line %d: bad key %r' % (number, key))
        if key in values:
            raise ValueError('line %d: duplicate key %s' % (number, key))
        values[key] = value.split('#', 1)[0].strip().strip('"')
    return values


class Sampler(threading.Thread):
    """`ps -eo args` in every container of the lab, every ``interval`` seconds, until stopped."""

    def __init__(self, interval=0.3):
        super(Sampler, self).__init__(daemon=True)
        self.interval = interval
        self.samples = []
        self.rounds = 0
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            for node in NODES:
                proc = docker('exec', container(node), 'ps', '-eo', 'args', timeout=30)
                self.samples.append((node, proc.stdout))
            self.rounds += 1
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join(timeout=60)
