"""Helpers shared by every lab tool (Tibero, CM, ProSync, TSC simulations).

Roots come from the environment so tests can run several "nodes" on one host:
TB_HOME, TB_SID, CM_SID, PRS_HOME, LAB_SHARED (default /lab/shared), LAB_NODE (default hostname).
State lives in JSON files, so it survives tool restarts. Writers read-modify-write under a file lock
(concurrent tools on several nodes, containers sharing the LAB_SHARED volume); every write replaces
the file atomically, so readers never take the lock and never wait for a writer.
"""

import contextlib
import ctypes
import datetime
import errno
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

# Every lab.conf key with its default (documented in lab/README.md).
LAB_CONF_DEFAULTS = {
    "LAB_BOOT_SECONDS": "1",          # tbboot duration
    "LAB_DOWN_SECONDS": "0",          # tbdown duration
    "LAB_CM_TICK": "0.5",             # CM daemon loop period
    "LAB_CM_PROBE_INTERVAL": "2",     # seconds between agent PROBE calls
    "LAB_CM_HEARTBEAT_EXPIRE": "6",   # default for tip CM_HEARTBEAT_EXPIRE when absent
    "LAB_CM_SCRIPT_TIMEOUT": "60",    # an agent script call taking longer counts as failed
    "LAB_CMRCTL_ACK_TIMEOUT": "30",   # cmrctl start/stop waits this long for the CMs to act
    "LAB_TBBOOT_NEEDS_TTY": "Y",      # Y: tbboot hangs when stdout is not a terminal (TB-1)
    "LAB_HANG_CMRCTL": "N",           # Y: every cmrctl call hangs (fault injection)
    "LAB_HANG_TBBOOT": "N",           # Y: every tbboot call hangs (fault injection)
    "LAB_TOOL_TIMING": "N",           # Y: log every tool call's duration (bench/, see tool_timing)
}

# Test fixtures on the host run as root; the real tools never may (see refuse_root).
ALLOW_ROOT_ENV = "LAB_ALLOW_ROOT"


# ---------------------------------------------------------------- environment roots

def env(name, default=None):
    """An environment value, treating an empty string as unset."""
    value = os.environ.get(name, "")
    return value if value else default


def require_env(name, tool):
    """The value of a mandatory environment variable, or exit with the vendor-like message."""
    value = env(name)
    if value is None:
        die("%s: environment variable %s is not set." % (tool, name))
    return value


def lab_shared():
    return env("LAB_SHARED", "/lab/shared")


def lab_node():
    return env("LAB_NODE", socket.gethostname())


def tb_home():
    return env("TB_HOME")


def prs_home():
    return env("PRS_HOME")


def shared_path(*parts):
    """A path under $LAB_SHARED (the simulated shared storage and network)."""
    return os.path.join(lab_shared(), *parts)


def cm_cluster_dir(cluster):
    """Cluster-wide CM state: $LAB_SHARED/cm/<cluster>."""
    return shared_path("cm", cluster)


def db_dir(db_name):
    """Simulated database state: $LAB_SHARED/db/<db_name>."""
    return shared_path("db", db_name)


# ---------------------------------------------------------------- process guards

def die(message, rc=1):
    """Print to stderr and exit non-zero."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()
    sys.exit(rc)


def refuse_root(tool):
    """Vendor tools never run as root on a real site; the lab enforces it (tests may override)."""
    if os.geteuid() == 0 and env(ALLOW_ROOT_ENV) != "1":
        die("%s: must not be run as root. Run it as the Tibero/ProSync OS user "
            "(e.g. 'su - tibero' or Ansible become_user)." % tool)


# Tools that talk to a CM need CM_HOME (= $TB_HOME) beside CM_SID, as the admin guide and every
# public script set it (ENV-1); the lab refuses without it so that a caller that forgets it fails here.
CM_TOOLS = ("tbcm", "tbcmobs", "cmrctl")


def require_cm_home(tool):
    """Exit with a clear message when CM_HOME is not set (tbcm, tbcmobs, cmrctl)."""
    if env("CM_HOME") is None:
        die("%s: environment variable CM_HOME is not set. Set CM_HOME=$TB_HOME beside CM_SID "
            "(the Tibero user's login profile exports both)." % tool)


def setup_tool(tool):
    """Common start of every vendor tool: refuse root, CM_HOME for the CM tools, group-writable
    files (umask 002)."""
    refuse_root(tool)
    if tool in CM_TOOLS:
        require_cm_home(tool)
    os.umask(0o002)
    tool_timing(tool)


# ---------------------------------------------------------------- tool timing (bench/)

TOOL_LOG_NAME = "toolcalls.log"
TOOL_DEPTH_ENV = "LAB_TOOL_DEPTH"


def process_start_time():
    """Wall-clock start of this process, interpreter start-up included (/proc/self/stat)."""
    try:
        with open("/proc/self/stat") as handle:
            ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as handle:
            uptime = float(handle.read().split()[0])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.time()


def tool_timing(tool):
    """With LAB_TOOL_TIMING=Y (lab.conf or environment), append at exit one line per tool call to
    $LAB_SHARED/toolcalls.log: `<start epoch> <node> <tool> <depth> <seconds> <first 2 args>`.
    depth 0 = called from outside the lab (Ansible, a user); > 0 = called by a lab tool or daemon
    (LAB_TOOL_DEPTH is inherited by children). The benchmark reads it for the tools' own time."""
    if env("LAB_TOOL_TIMING", "").upper() != "Y" and not conf_flag("LAB_TOOL_TIMING"):
        return
    import atexit
    try:
        depth = int(env(TOOL_DEPTH_ENV, "0"))
    except ValueError:
        depth = 0
    os.environ[TOOL_DEPTH_ENV] = str(depth + 1)
    start = process_start_time()
    args = " ".join(a.replace(" ", "_") for a in sys.argv[1:3])

    def record():
        line = "%.3f %s %s %d %.3f %s\n" % (start, lab_node(), tool, depth, time.time() - start, args)
        with contextlib.suppress(OSError):
            with open(shared_path(TOOL_LOG_NAME), "a", encoding="utf-8") as handle:
                handle.write(line)

    atexit.register(record)


def hang_forever():
    """Simulate a hung vendor tool: block until killed."""
    while True:
        time.sleep(3600)


def hang_if_configured(key):
    """Fault injection: hang when lab.conf sets KEY=Y."""
    if conf_flag(key):
        hang_forever()


# ---------------------------------------------------------------- KEY=VALUE files (tip, lab.conf)

def parse_kv_text(text):
    """Parse KEY=VALUE / KEY = VALUE lines: '#' comments (also inline), optional double quotes.

    Later keys override earlier ones, like Tibero's tip reader.
    """
    result = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if value.startswith('"') and '"' in value[1:]:
            value = value[1:value.index('"', 1)]
        else:
            value = value.split("#", 1)[0].strip()
        result[key.strip()] = value
    return result


def read_kv_file(path):
    """Parse a KEY=VALUE file; {} when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_kv_text(handle.read())
    except FileNotFoundError:
        return {}


def tip_path(sid):
    """$TB_HOME/config/<sid>.tip"""
    return os.path.join(tb_home() or "", "config", "%s.tip" % sid)


def read_tip(sid):
    """The tip file of a DB or CM SID as a dict; {} when missing."""
    return read_kv_file(tip_path(sid))


def lab_conf():
    """lab.conf merged over the defaults."""
    conf = dict(LAB_CONF_DEFAULTS)
    conf.update(read_kv_file(shared_path("lab.conf")))
    return conf


def conf_str(key):
    return lab_conf().get(key, LAB_CONF_DEFAULTS.get(key, ""))


def conf_float(key):
    try:
        return float(conf_str(key))
    except ValueError:
        return float(LAB_CONF_DEFAULTS[key])


def conf_flag(key):
    return conf_str(key).strip().upper() in ("Y", "YES", "TRUE", "1")


# ---------------------------------------------------------------- JSON state with locks

@contextlib.contextmanager
def file_lock(path):
    """Exclusive advisory lock on <path>.lock (works across containers on one volume).

    Hold it for a read-modify-write only: never while running a script or waiting for another
    process, since every writer of the file (CM daemons, cmrctl, prs_agent) would wait too."""
    lock_path = path + ".lock"
    os.makedirs(os.path.dirname(lock_path) or ".", exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def read_json(path, default=None):
    """Load a JSON file; `default` when it is missing or empty. Takes no lock: writers replace the
    file atomically (write_json_atomic), so a reader sees the old or the new content, never half."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default
    except ValueError:
        return default


def write_json_atomic(path, data, mode=0o664):
    """Write JSON via a temp file + rename so readers never see half a file."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.write("\n")
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def json_update(path, default):
    """Read-modify-write a JSON file under its lock: `with json_update(p, {}) as data: data[k] = v`."""
    with file_lock(path):
        data = read_json(path, None)
        if data is None:
            data = json.loads(json.dumps(default))  # a fresh copy of the default
        yield data
        write_json_atomic(path, data)



# ---------------------------------------------------------------- processes

def command_line(pid):
    """argv of a process from /proc/<pid>/cmdline; [] when it is gone, exiting or still inside
    execve (the kernel fills the new argv in only at the end of the exec)."""
    try:
        with open("/proc/%d/cmdline" % int(pid), "rb") as handle:
            raw = handle.read()
    except (OSError, ValueError):
        return []
    return raw.decode("utf-8", "replace").split("\0")[:-1] if raw else []


def pid_alive(pid, marker=None):
    """True when `pid` runs and is not a zombie; with `marker`, its argv must contain it too
    (guards against pid reuse after a container restart)."""
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except OSError as exc:
        if exc.errno != errno.EPERM:
            return False
    try:
        with open("/proc/%d/stat" % int(pid)) as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state in ("Z", "X"):
        return False
    return marker is None or marker in command_line(pid)


def wait_pid_gone(pid, timeout, marker=None):
    """Poll until the process is gone; True if it went within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid, marker):
            return True
        time.sleep(0.05)
    return not pid_alive(pid, marker)


def kill_pid(pid, sig=signal.SIGTERM):
    with contextlib.suppress(OSError):
        os.kill(int(pid), sig)


def run_in_pty(argv, env=None, timeout=None, **popen_kwargs):
    """Run `argv` with stdout and stderr on a new pseudo-terminal (how tbboot must run, TB-1), like
    `script -q -e -c`. Returns a CompletedProcess (text, CRLF turned into LF; stderr merged into
    stdout, as on a terminal); raises subprocess.TimeoutExpired after killing it past `timeout`."""
    import select
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env,
                                close_fds=True, **popen_kwargs)
    finally:
        os.close(slave)
    chunks = []
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                proc.kill()
                proc.wait()
                raise subprocess.TimeoutExpired(argv, timeout, output=b"".join(chunks))
            ready, _, _ = select.select([master], [], [], wait)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: every holder of the terminal's other side has closed it
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    rc = proc.wait()
    out = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return subprocess.CompletedProcess(argv, rc, out, "")


def package_parent():
    """The directory holding the labsim package (for PYTHONPATH of daemons)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_interpreter():
    """The Python to run daemons with; daemons have an empty sys.executable (argv0 is renamed)."""
    return env("LAB_PYTHON") or sys.executable or "/usr/bin/python3"


def spawn_daemon(argv0, module, args, log_path, extra_env=None):
    """Start `python -m <module> <args>` detached (own session, stdio to log_path) with argv[0]
    set to `argv0` so `ps`/`pgrep -f` show the vendor process name (tbsvr, tbcm, ...).

    The caller does not wait for the daemon to finish: it is reaped by PID 1 (lab-init) once the
    tool exits. Returns the daemon's pid once its exec is complete (wait_exec), so that
    pid_alive(pid, module) is true from the first check while the daemon lives.
    """
    child_env = dict(os.environ)
    child_env.update(extra_env or {})
    python = python_interpreter()
    child_env["LAB_PYTHON"] = python
    if "PYTHONHOME" not in child_env:
        # With argv[0] renamed, Python cannot locate its stdlib from argv[0]; tell it once
        # (daemon_started() removes it again so scripts run by the daemon do not inherit it).
        child_env["PYTHONHOME"] = "%s:%s" % (sys.base_prefix, sys.base_exec_prefix)
        child_env["LAB_DAEMON_PYTHONHOME"] = "1"
    paths = [package_parent()] + [p for p in child_env.get("PYTHONPATH", "").split(":") if p]
    child_env["PYTHONPATH"] = ":".join(dict.fromkeys(paths))
    os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
    with open(log_path, "a") as log, open(os.devnull) as devnull:
        proc = subprocess.Popen(
            [argv0, "-m", module] + list(args), executable=python, stdin=devnull,
            stdout=log, stderr=subprocess.STDOUT, cwd="/", env=child_env,
            start_new_session=True, close_fds=True)
    wait_exec(proc.pid, module)
    return proc.pid


def wait_exec(pid, marker, timeout=30.0):
    """Wait until our child `pid` shows `marker` in its argv (True) or has exited (False).

    Popen returns as soon as the child has started its execve, but /proc/<pid>/cmdline stays empty
    until the kernel has loaded the new program: measured 3 ms typically, 30 ms and more on a loaded
    host. A liveness check with a marker in that window reads "not running" for a daemon that is
    starting (tbcm -b reported "CM daemon did not come up" for a healthy daemon that way).
    An exited child is left unreaped (WNOWAIT): its pid stays its own, a zombie for pid_alive."""
    deadline = time.monotonic() + timeout
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        if marker in command_line(pid):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return False


def daemon_started(name):
    """First call in a daemon started by spawn_daemon: process name and environment cleanup."""
    set_process_name(name)
    if os.environ.pop("LAB_DAEMON_PYTHONHOME", None):
        os.environ.pop("PYTHONHOME", None)


def set_process_name(name):
    """Set /proc/self/comm so `pgrep <name>` finds the daemon (Linux prctl PR_SET_NAME)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)


# ---------------------------------------------------------------- logging and time

def timestamp():
    return datetime.datetime.now().strftime("%Y/%m/%d %H:%M:%S.%f")[:-3]


def append_log(path, message):
    """Append one timestamped line to a log file (creating its directory)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("[%s] %s\n" % (timestamp(), message))


def now():
    """Wall-clock seconds: comparable between containers (heartbeats), unlike monotonic time."""
    return time.time()
