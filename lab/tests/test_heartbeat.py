"""Heartbeats of the lab daemons: liveness does not wait on work, and the last word is "stopped".

Root cause of the 16-node bench labs that flapped under CPU pressure: prs_agent wrote its heartbeat
only at the end of each tick, after the tick's work: placement reads, `claims.json` updates under the
file lock every agent of the site shares, starting children, stopping a handed-over child (up to
CHILD_STOP_SECONDS = 3 s, the default LAB_PRS_HEARTBEAT_EXPIRE). On a starved host a peer that holds
the claims lock can be off the CPU for seconds, and every agent that waits for the lock stops beating:
a live agent read as lost, its peers took its processes (the "handing over" back and forth of the
bench), `prs_agent --probe` (the CM's PROBE) failed so the CM re-STARTed it, and the START's wait for a
fresh heartbeat could miss. The test is that peer: it holds the claims lock for longer than the expiry,
at the point where the agent's tick must take it, instead of hoping the scheduler is slow.

The CM daemon had its heartbeat in a thread already, but did not wait for it at shutdown: a beat in
flight could overwrite the "stopped" document, and the peers read a CM that had gone as running until
its heartbeat expired.
"""

import threading
import time

from test_daemon_start import HeldLock

from labsim import cm, common
from labsim.prosync import agent, layout, registry

EXPIRE = 1.5
CATALOGUE = {"instance": "TAC2TAC", "install_id": "i1",
             "processes": [{"name": "TAC2TAC_ext1", "kind": "ext", "number": 1, "agents": ["agent1"]}]}


def test_a_peer_holding_the_claims_lock_does_not_make_the_agent_lost(site, tmp_path, monkeypatch):
    site.conf(LAB_PRS_TICK="0.1", LAB_PRS_HEARTBEAT_EXPIRE=str(EXPIRE))
    for key, value in (("LAB_SHARED", site.shared), ("LAB_NODE", "node1"), ("PRS_HOME", str(tmp_path))):
        monkeypatch.setenv(key, value)
    registry.publish_catalogue(CATALOGUE)
    held = HeldLock(layout.claims_file("TAC2TAC"))  # the peer, off the CPU with the lock
    daemon = agent.AgentDaemon("agent1", {"log_dir": str(tmp_path), "use_cm": True,
                                          "PRS_AGENT_PROC_MAX_FAIL_CNT": 3})
    samples = []

    def peer_then_stop():
        try:
            time.sleep(0.5)  # the agent registered and its first tick waits for the lock
            started = time.monotonic()
            while time.monotonic() - started < 2.5 * EXPIRE:
                samples.append(registry.agent_live("agent1"))
                time.sleep(0.1)
        finally:
            held.release()
            daemon.request_stop("test over")

    peer = threading.Thread(target=peer_then_stop)
    peer.start()
    assert daemon.run() == 0  # in the main thread: the daemon installs its SIGTERM handler
    peer.join(60)
    assert samples and all(samples), samples
    # The final record is the daemon's last word: no heartbeat in flight overwrites it.
    time.sleep(0.3)
    assert registry.read_heartbeat("agent1")["state"] == registry.STATE_STOPPED


def test_the_cm_daemons_stopped_document_is_not_overwritten_by_a_beat_in_flight(site, monkeypatch):
    node = site.node("node1", tb_sid="tibero1", cm_sid="cm_tibero1", cm_id=0)
    for key in ("TB_HOME", "CM_HOME", "CM_SID", "LAB_SHARED", "LAB_NODE"):
        monkeypatch.setenv(key, node.env[key])
    monkeypatch.setattr(common, "set_process_name", lambda _name: None)  # pytest keeps its name
    daemon = cm.CMDaemon()
    publish, beats = daemon.publish, []

    def publish_slowly(state="running"):
        """The injected delay: the heartbeat thread's second beat is built, then `tbcm -d` stops the
        daemon, and the beat is written only after the main thread had time to write "stopped"."""
        if threading.current_thread() is threading.main_thread():
            return publish(state)
        beats.append(state)
        if len(beats) == 2:
            daemon.request_stop(None, None)
            time.sleep(1.0)
        return publish(state)

    monkeypatch.setattr(daemon, "publish", publish_slowly)
    daemon.run()
    time.sleep(1.5)  # a process exit slow enough for the beat in flight to land
    assert len(beats) >= 2
    assert daemon.cm.runtime()["state"] == "stopped"
