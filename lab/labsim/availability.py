"""Service availability of the simulated databases, as a client would see it.

`lab-availability start` runs a sampler daemon on one node: every LAB_AVAILABILITY_PERIOD seconds
it records which instances of every database of the topology are open in NORMAL mode (the entries
each tbsvr refreshes on the shared volume) as one JSON line in $LAB_SHARED/availability.jsonl.
`lab-availability report` reads that file back and prints, per cluster, the longest interval in
which none of its instances was open. Tests use it to prove a rolling restart keeps every cluster
serving; the benchmark's measure 4 is the same computation.
"""

import json
import os
import signal
import sys
import time

from labsim import common, tibero

DEFAULT_PERIOD = 0.2


def samples_path():
    return common.shared_path("availability.jsonl")


def pid_path():
    # Per node: a pid means nothing in another container's pid namespace.
    return common.shared_path("availability.%s.pid" % common.lab_node())


def longest_outage(samples, members):
    """Longest interval (seconds) in which none of `members` was open.

    samples: [(t, open_members)] in time order. An outage runs from the first sample with no member
    open to the first later sample with one open (or the last sample). Outages before the cluster
    was first seen open do not count: the sampler may start before the site is provisioned.
    Returns (longest_s, outages) with outages [(t_start, t_end)].
    """
    members = set(members)
    outages, start, seen_open = [], None, False
    for t, open_set in samples:
        up = bool(members & set(open_set))
        seen_open = seen_open or up
        if not up and start is None and seen_open:
            start = t
        elif up and start is not None:
            outages.append((start, t))
            start = None
    if start is not None and samples:
        outages.append((start, samples[-1][0]))
    longest = max((end - begin for begin, end in outages), default=0.0)
    return round(longest, 2), outages


def max_gap(samples):
    """Largest interval between consecutive samples: the resolution actually achieved."""
    times = [t for t, _ in samples]
    return round(max((b - a for a, b in zip(times, times[1:])), default=0.0), 3)


def read_samples(path=None, since=None):
    """[(t, {db: [sid, ...]})] from the samples file; a line cut short by a kill is skipped."""
    result = []
    try:
        with open(path or samples_path()) as handle:
            for line in handle:
                try:
                    sample = json.loads(line)
                except ValueError:
                    continue
                if since is None or sample["t"] >= since:
                    result.append((sample["t"], sample["open"]))
    except FileNotFoundError:
        pass
    return result


def report(topology, samples):
    """Per cluster of the topology: longest no-open-instance interval and the number of outages."""
    clusters = {}
    for cluster in topology["clusters"]:
        series = [(t, open_map.get(cluster["db_name"], [])) for t, open_map in samples]
        members = [node["tb_sid"] for node in cluster["nodes"]]
        longest, outages = longest_outage(series, members)
        clusters[cluster["name"]] = {
            "longest_no_open_instance_s": longest,
            "outages": len(outages),
            "seen_open": any(set(members) & set(open_set) for _, open_set in series),
        }
    return {
        "clusters": clusters,
        "samples": len(samples),
        "first": samples[0][0] if samples else None,
        "last": samples[-1][0] if samples else None,
        "max_sample_gap_s": max_gap(samples),
    }


def sample_forever(db_names, period):
    """Body of the sampler daemon: one JSON line per period, flushed, until SIGTERM."""
    common.daemon_started("lab-avail")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(samples_path(), "a") as out:
        while True:
            t = time.time()
            open_map = {db: sorted(sid for sid, mode in tibero.open_instances(db).items() if mode == "NORMAL")
                        for db in db_names}
            out.write(json.dumps({"t": t, "open": open_map}) + "\n")
            out.flush()
            time.sleep(max(0.0, period - (time.time() - t)))


def running_pid():
    """Pid of the sampler daemon if one runs, else None."""
    try:
        with open(pid_path()) as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return None
    return pid if common.pid_alive(pid, marker="labsim.availability") else None


def main(argv):
    usage = "usage: lab-availability start [--period S] | stop | report [--since EPOCH]"
    if not argv or argv[0] not in ("start", "stop", "report", "_sample"):
        print(usage, file=sys.stderr)
        return 2
    action, rest = argv[0], argv[1:]
    topology = common.read_json(common.shared_path("topology.json"))
    if not topology:
        print("lab-availability: no topology.json on the shared volume", file=sys.stderr)
        return 1
    if action == "_sample":
        sample_forever([c["db_name"] for c in topology["clusters"]], float(rest[0]))
        return 0
    if action == "start":
        period = float(rest[1]) if rest[:1] == ["--period"] and len(rest) > 1 else DEFAULT_PERIOD
        pid = running_pid()
        if pid:
            print("lab-availability: sampler already running (pid %d)" % pid)
            return 0
        pid = common.spawn_daemon("lab-avail", "labsim.availability", ["_sample", str(period)],
                                  common.shared_path("availability.log"))
        with open(pid_path(), "w") as handle:
            handle.write("%d\n" % pid)
        print("lab-availability: sampler started (pid %d, every %.2f s)" % (pid, period))
        return 0
    if action == "stop":
        pid = running_pid()
        if pid:
            os.kill(pid, signal.SIGTERM)
        with_pid = "pid %d" % pid if pid else "none running"
        print("lab-availability: sampler stopped (%s)" % with_pid)
        return 0
    since = float(rest[1]) if rest[:1] == ["--since"] and len(rest) > 1 else None
    print(json.dumps(report(topology, read_samples(since=since)), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
