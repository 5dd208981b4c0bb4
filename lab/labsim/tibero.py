"""Simulated Tibero instance: tbboot, tbdown and the background `tbsvr` process.

Instance state: $TB_HOME/instance/<TB_SID>/lab_tbsvr.json ({pid, mode, sid, db_name}).
While it runs, tbsvr refreshes $LAB_SHARED/db/<DB_NAME>/instances/<SID>.json every second so other
nodes (and the ProSync simulation) can see which instances of a database are open.
"""

import os
import signal
import sys
import time

from labsim import common

BOOT_MODES = ("NORMAL", "MOUNT", "NOMOUNT", "RECOVERY")
# tbdown modes; the ones that kill the server without a clean shutdown leave the DB needing recovery.
DOWN_MODES = ("NORMAL", "POST_TX", "IMMEDIATE", "ABORT", "ABNORMAL", "SWITCHOVER", "CLEAN")
KILL_MODES = ("ABORT", "ABNORMAL")
# The CM's view of an instance in each boot mode (cmrctl show STATUS column).
CM_STATUS_BY_MODE = {"NORMAL": "UP(NRML)", "MOUNT": "UP(MOUNT)", "NOMOUNT": "UP(NOMT)",
                     "RECOVERY": "UP(RECO)"}
TBSVR_MODULE = "labsim.tibero"
INSTANCE_FRESH_SECONDS = 3.0
OPEN_TIMEOUT = 30  # tbboot: seconds for a new tbsvr to advertise its instance

BANNER = """
Tibero 7

TmaxTibero Corporation Copyright (c) 2020-. All rights reserved."""


# ---------------------------------------------------------------- instance state

def instance_dir(home, sid):
    return os.path.join(home, "instance", sid)


def state_path(home, sid):
    return os.path.join(instance_dir(home, sid), "lab_tbsvr.json")


def running_instance(home, sid):
    """The state of the live tbsvr of <home>/<sid>, or None when it is not running."""
    state = common.read_json(state_path(home, sid))
    if state and common.pid_alive(state.get("pid"), TBSVR_MODULE):
        return state
    return None


def cm_status(home, sid):
    """STATUS column of a db resource: UP(NRML) etc. while tbsvr lives, else DOWN."""
    state = running_instance(home, sid)
    return CM_STATUS_BY_MODE.get(state["mode"], "UP") if state else "DOWN"


def open_instance_path(db_name, sid):
    return os.path.join(common.db_dir(db_name), "instances", "%s.json" % sid)


def open_instances(db_name, shared=None):
    """{sid: mode} of the instances of a database whose tbsvr refreshed its entry recently
    (readable from every node through $LAB_SHARED; `shared` overrides it for tests)."""
    base = os.path.join(shared, "db", db_name) if shared else common.db_dir(db_name)
    directory = os.path.join(base, "instances")
    result = {}
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return result
    for name in names:
        if not name.endswith(".json"):
            continue
        entry = common.read_json(os.path.join(directory, name))
        if entry and common.now() - entry.get("ts", 0) < INSTANCE_FRESH_SECONDS:
            result[entry["sid"]] = entry["mode"]
    return result


# ---------------------------------------------------------------- the tbsvr process

def serve(sid, mode, db_name):
    """Body of the background tbsvr: advertise the open instance until SIGTERM/SIGKILL."""
    common.daemon_started("tbsvr")
    entry_path = open_instance_path(db_name, sid) if db_name else None

    def stop(_signum, _frame):
        if entry_path:
            remove_quietly(entry_path)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    entry = {"sid": sid, "mode": mode, "node": common.lab_node(), "pid": os.getpid()}
    cm_pid = common.env("LAB_TBSVR_CM_PID", "0")
    while True:
        if cm_pid != "0" and not common.pid_alive(cm_pid, "labsim.cm"):
            stop(None, None)  # seed 004 [1]: MTHR sees its CM gone and terminates the instance
        if entry_path:
            entry["ts"] = common.now()
            common.write_json_atomic(entry_path, entry)
        time.sleep(1)


def remove_quietly(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# ---------------------------------------------------------------- CM checks

def cm_guard_error(home, sid):
    """Why a CM-managed instance may not boot now (its local CM is down), or None."""
    from labsim import cm  # late import: cm imports this module
    cm_sid = common.env("CM_SID")
    if not cm_sid:
        return None
    node = cm.LocalCM(home, cm_sid)
    if not node.tip_ok() or not node.has_db(sid):
        return None
    if node.running():
        return None
    return ("Instance '%s' is registered in the Cluster Manager (%s) as a db resource, "
            "but the CM is not running. Start the CM first ('tbcm -b')." % (sid, node.name))


def local_cm_pid(home, sid):
    """The pid of the running CM that manages this instance (0 when none): tbsvr watches it."""
    from labsim import cm  # late import: cm imports this module
    cm_sid = common.env("CM_SID")
    node = cm.LocalCM(home, cm_sid) if cm_sid else None
    if node and node.tip_ok() and node.has_db(sid) and node.running():
        return node.pid()
    return 0


# ---------------------------------------------------------------- tbboot

def boot_failed(lines):
    sys.stdout.write("*" * 56 + "\n")
    sys.stdout.write("* BOOT FAILED.\n")
    for line in lines:
        sys.stdout.write("* %s\n" % line)
    sys.stdout.write("*" * 56 + "\n")
    sys.stdout.flush()
    return 1


def parse_boot_mode(argv):
    """tbboot [mode] | tbboot -t MODE. Returns the upper-case mode or None."""
    args = list(argv)
    if args[:1] == ["-t"] and len(args) == 2:
        args = args[1:]
    if not args:
        return "NORMAL"
    if len(args) == 1 and args[0].upper() in BOOT_MODES:
        return args[0].upper()
    return None


def tbboot(argv):
    common.setup_tool("tbboot")
    common.hang_if_configured("LAB_HANG_TBBOOT")
    if common.conf_flag("LAB_TBBOOT_NEEDS_TTY") and not sys.stdout.isatty():
        common.hang_forever()  # the real tbboot hangs without a terminal (TB-1): until killed
    mode = parse_boot_mode(argv)
    if mode is None:
        common.die("Usage: tbboot [-t] [NORMAL|MOUNT|NOMOUNT|RECOVERY]")
    home = common.require_env("TB_HOME", "tbboot")
    sid = common.require_env("TB_SID", "tbboot")
    tip = common.read_tip(sid)
    if not tip:
        return boot_failed(["Tip file open failed: %s" % common.tip_path(sid)])
    state = running_instance(home, sid)
    if state:
        return boot_failed(["tbsvr process (%d) is alive." % state["pid"],
                            "Shut down the running instance first (tbdown)."])
    reason = cm_guard_error(home, sid)
    if reason:
        return boot_failed([reason])
    return start_tbsvr(home, sid, mode, tip.get("DB_NAME", ""))


def start_tbsvr(home, sid, mode, db_name):
    log = os.path.join(instance_dir(home, sid), "log", "tbsvr.out")
    args = ["-t", mode, "-SVR_SID", sid, "--db", db_name]
    watch = {"LAB_TBSVR_CM_PID": str(local_cm_pid(home, sid))}
    pid = common.spawn_daemon("tbsvr", TBSVR_MODULE, args, log, watch)
    common.write_json_atomic(state_path(home, sid),
                             {"pid": pid, "mode": mode, "sid": sid, "db_name": db_name,
                              "started": common.now()})
    print("Change core dump dir to %s." % os.path.join(home, "bin", "prof"))
    print("Listener port = %s" % common.read_tip(sid).get("LISTENER_PORT", "8629"))
    time.sleep(common.conf_float("LAB_BOOT_SECONDS"))
    problem = wait_open(pid, db_name, sid, OPEN_TIMEOUT)
    if problem:
        return boot_failed(["tbsvr process (%d) %s. See %s" % (pid, problem, log)])
    print(BANNER)
    print("Tibero instance started up (%s mode)." % mode)
    return 0


def wait_open(pid, db_name, sid, timeout):
    """None once tbsvr `pid` advertises its instance (other nodes and ProSync see the DB open), else
    why not. tbboot returns only then, like the real one once the instance is open: on a loaded host
    the new process may need longer than LAB_BOOT_SECONDS to get there."""
    deadline = time.monotonic() + timeout
    path = open_instance_path(db_name, sid) if db_name else None
    while True:
        if not common.pid_alive(pid, TBSVR_MODULE):
            return "terminated during boot"
        if path is None or (common.read_json(path) or {}).get("pid") == pid:
            return None
        if time.monotonic() > deadline:
            return "did not open within %g s" % timeout
        time.sleep(0.05)


# ---------------------------------------------------------------- tbdown

def parse_down_mode(argv):
    if not argv:
        return "NORMAL"
    if len(argv) == 1 and argv[0].upper() in DOWN_MODES:
        return argv[0].upper()
    return None


def confirm_clean():
    sys.stdout.write("Do you want to clean up the resources of the Tibero instance? (y/n) ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def tbdown(argv):
    common.setup_tool("tbdown")
    mode = parse_down_mode(argv)
    if mode is None:
        common.die("Usage: tbdown [NORMAL|POST_TX|IMMEDIATE|ABORT|ABNORMAL|SWITCHOVER|CLEAN]")
    home = common.require_env("TB_HOME", "tbdown")
    sid = common.require_env("TB_SID", "tbdown")
    if mode == "CLEAN":
        if not confirm_clean():
            print("Canceled.")
            return 1
        shutdown(home, sid, mode)
        print("Tibero instance terminated (CLEAN mode).")
        return 0
    if running_instance(home, sid) is None:
        common.die("Tibero instance (%s) is not running." % sid)
    if not shutdown(home, sid, mode):
        common.die("tbdown failed: tbsvr of %s did not stop." % sid)
    print("Tibero instance terminated (%s mode)." % mode)
    return 0


def shutdown(home, sid, mode):
    """Stop the instance in `mode` (kill for ABORT/ABNORMAL). True when it is down afterwards."""
    state = running_instance(home, sid)
    if state is None:
        cleanup(home, sid, common.read_json(state_path(home, sid)) or {})
        return True
    time.sleep(common.conf_float("LAB_DOWN_SECONDS"))
    sig = signal.SIGKILL if mode in KILL_MODES else signal.SIGTERM
    common.kill_pid(state["pid"], sig)
    gone = common.wait_pid_gone(state["pid"], 10, TBSVR_MODULE)
    if gone:
        cleanup(home, sid, state)
    return gone


def cleanup(home, sid, state):
    """Forget a stopped instance (a killed tbsvr cannot remove its own entries)."""
    if state.get("db_name"):
        remove_quietly(open_instance_path(state["db_name"], sid))
    remove_quietly(state_path(home, sid))


# ---------------------------------------------------------------- entry point of `python -m`

def main(argv):
    """`python -m labsim.tibero -t MODE -SVR_SID SID --db DB`: the tbsvr daemon."""
    opts = dict(zip(argv[::2], argv[1::2]))
    serve(opts["-SVR_SID"], opts["-t"], opts.get("--db", ""))


if __name__ == "__main__":
    main(sys.argv[1:])
