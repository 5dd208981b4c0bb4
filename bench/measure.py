"""Pure computations of the benchmark (no Docker, no Ansible): unit-testable on their own.

- the vendor-tool log written by the lab when LAB_TOOL_TIMING=Y (lab/labsim/common.py);
- the events of bench/callback_plugins/bench_events.py (changed counts, task durations);
- availability samples (which DB instances of a cluster were open, every ~0.2 s);
- `prs_adm status` lines (where each ProSync process runs).
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lab"))
from labsim import availability  # noqa: E402

# The collection's prs_adm parser, from the source tree: it imports nothing of Ansible.
sys.path.insert(0, os.path.join(ROOT, "plugins", "module_utils"))
import prs_adm  # noqa: E402

PrsAdmParseError = prs_adm.PrsAdmParseError

# ----------------------------------------------------------------------------- tool log
#
# One line per vendor-tool process, appended at its exit:
#   <start epoch> <node> <tool> <depth> <seconds> <first arguments...>
# depth 0 = called from outside the lab tools (Ansible, the baseline's docker exec);
# depth > 0 = called by another lab tool or daemon (CM running an agent script, ...). Only depth-0
# calls are what the collection (or the baseline) asked for; nested ones are the tools' own work.

# Commands that change something. Everything else (cmrctl show, prs_adm status, ...) is read-only.
MUTATING = (
    ("tbboot", None), ("tbdown", None), ("tbcm", "-b"), ("tbcm", "-d"),
    ("tbcmobs", "-b"), ("tbcmobs", "-d"),
    ("cmrctl", "add"), ("cmrctl", "del"), ("cmrctl", "start"), ("cmrctl", "stop"),
    ("cmrctl", "set"), ("cmrctl", "switchover"), ("cmrctl", "modify"),
    ("prs_install_agent.sh", None), ("prs_install.sh", None), ("prs_install_agent", None),
    ("prs_install", None),
)
# Commands that mean a DB or CM restart when the collection runs them.
RESTARTS = (("tbdown", None), ("tbcm", "-d"))


def parse_tool_log(text):
    """List of call dicts from the tool log text; malformed lines are skipped."""
    calls = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5:
            continue
        try:
            start, depth, seconds = float(parts[0]), int(parts[3]), float(parts[4])
        except ValueError:
            continue
        calls.append({"start": start, "node": parts[1], "tool": parts[2], "depth": depth,
                      "seconds": seconds, "args": parts[5:]})
    return calls


def _matches(call, table):
    for tool, first in table:
        if call["tool"] == tool and (first is None or (call["args"][:1] == [first])):
            return True
    return False


def is_mutating(call):
    return _matches(call, MUTATING)


def is_restart(call):
    return _matches(call, RESTARTS)


def command_name(call):
    """'cmrctl show', 'tbboot', 'prs_adm' ... (tool + first argument for the multi-command tools)."""
    if call["tool"] in ("cmrctl", "tbcm", "tbcmobs") and call["args"]:
        return "%s %s" % (call["tool"], call["args"][0])
    return call["tool"]


def union_seconds(intervals):
    """Length of the union of [start, end) intervals: time during which at least one ran."""
    total, cur_start, cur_end = 0.0, None, None
    for start, end in sorted(intervals):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total


def summarize_calls(calls, window=None):
    """Summary of the top-level (depth 0) vendor calls, optionally inside (t0, t1).

    `floor_s` is the union of their intervals: the wall time during which some vendor tool the
    caller asked for was running. With hosts in parallel it is below `tool_seconds_sum`.
    """
    top = [c for c in calls if c["depth"] == 0
           and (window is None or window[0] - 0.5 <= c["start"] <= window[1] + 0.5)]
    per_host = {}
    for call in top:
        host = per_host.setdefault(call["node"], {"commands": 0, "read_only": 0, "mutating": 0,
                                                  "restarts": 0, "seconds": 0.0, "by_command": {}})
        host["commands"] += 1
        host["seconds"] = round(host["seconds"] + call["seconds"], 3)
        if is_mutating(call):
            host["mutating"] += 1
        else:
            host["read_only"] += 1
        if is_restart(call):
            host["restarts"] += 1
        name = command_name(call)
        host["by_command"][name] = host["by_command"].get(name, 0) + 1
    return {
        "commands": len(top),
        "mutating": sum(1 for c in top if is_mutating(c)),
        "restarts": sum(1 for c in top if is_restart(c)),
        "tool_seconds_sum": round(sum(c["seconds"] for c in top), 3),
        "floor_s": round(union_seconds([(c["start"], c["start"] + c["seconds"]) for c in top]), 3),
        "per_host": dict(sorted(per_host.items())),
    }


# ----------------------------------------------------------------------------- ansible events

def parse_events(text):
    """Events written by bench/callback_plugins/bench_events.py (one JSON object per line)."""
    import json
    events = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


def play_stats(events):
    """{host: {ok, changed, failures, ...}} of the run's PLAY RECAP (the last stats event); {} when missing."""
    stats = [e for e in events if e.get("ev") == "stats"]
    return stats[-1]["stats"] if stats else {}


def changed_total(events):
    return sum(int(s.get("changed", 0)) for s in play_stats(events).values())


def failed_total(events):
    return sum(int(s.get("failures", 0)) + int(s.get("unreachable", 0))
               for s in play_stats(events).values())


def changed_tasks(events):
    """['<play> | <task> [host]', ...] for every changed result (to explain a non-zero count)."""
    return ["%s | %s [%s]" % (e.get("play", ""), e.get("task", ""), e.get("host", ""))
            for e in events if e.get("ev") == "result" and e.get("changed")]


def failed_tasks(events):
    return ["%s | %s [%s]" % (e.get("play", ""), e.get("task", ""), e.get("host", ""))
            for e in events if e.get("ev") == "result" and e.get("status") in ("failed", "unreachable")]


def task_durations(events):
    """[{play, task, seconds, hosts}] : a task lasts from its start to the next task's (or the stats)."""
    rows, current = [], None
    for event in events:
        if event.get("ev") in ("task", "play", "stats"):
            if current is not None:
                current["seconds"] = round(event["t"] - current.pop("t0"), 2)
                rows.append(current)
                current = None
            if event["ev"] == "task":
                current = {"play": event.get("play", ""), "task": event.get("name", ""),
                           "t0": event["t"], "hosts": 0}
        elif event.get("ev") == "result" and current is not None and event.get("status") != "skipped":
            current["hosts"] += 1
    return rows


def slowest_tasks(events, top=8):
    """The tasks that took longest, same name summed (a role's task runs once per serial batch)."""
    total = {}
    for row in task_durations(events):
        key = (row["play"], row["task"])
        entry = total.setdefault(key, {"play": row["play"], "task": row["task"], "seconds": 0.0,
                                       "runs": 0})
        entry["seconds"] = round(entry["seconds"] + row["seconds"], 2)
        entry["runs"] += 1
    return sorted(total.values(), key=lambda r: -r["seconds"])[:top]


def task_count(events):
    """Task starts as the callback saw them (a meta task such as end_host starts once per host)."""
    return sum(1 for e in events if e.get("ev") == "task")


def task_rounds(events):
    """Distinct tasks the run went through: what Ansible sequences, whatever the number of hosts."""
    return len(set(e.get("uuid") or (e.get("play"), e.get("name")) for e in events if e.get("ev") == "task"))


def play_durations(events):
    """[(play name, seconds)] from each play start to the next play start (or the stats)."""
    marks = [e for e in events if e.get("ev") in ("play", "stats")]
    return [(a.get("name", ""), round(b["t"] - a["t"], 2)) for a, b in zip(marks, marks[1:])]


# ----------------------------------------------------------------------------- CPU

def cpu_jiffies(proc_stat):
    """(busy, total) jiffies of all CPUs from the text of /proc/stat (busy: all but idle and iowait)."""
    for line in proc_stat.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            values = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
            total = sum(values)
            return total - values[3] - values[4], total
    raise ValueError("no aggregate cpu line in /proc/stat")


def busy_cores(before, after, ncpu):
    """Average number of busy cores between two cpu_jiffies() readings (0..ncpu)."""
    total = after[1] - before[1]
    return round(ncpu * (after[0] - before[0]) / total, 2) if total > 0 else 0.0


# ----------------------------------------------------------------------------- availability

# The lab's own computation (lab-availability, used by molecule's rolling-restart check): one
# definition of "a cluster had no open instance" for the tests and the benchmark.
longest_outage = availability.longest_outage
max_gap = availability.max_gap


# ----------------------------------------------------------------------------- prs_adm status

def parse_prs_status(text):
    """({agent: running?}, {process: agent or None}) from `prs_adm` `status` output, read by the
    collection's own parser (plugins/module_utils/prs_adm.py). Raises PrsAdmParseError, whose `raw`
    holds the text, when it is not a status listing."""
    status = prs_adm.parse_status(text)
    agents = {agent["id"]: agent["running"] for agent in status["agents"]}
    procs = {proc["name"]: proc["agent_id"] if proc["running"] else None for proc in status["processes"]}
    return agents, procs


def fastest(runs):
    """The run (a playbook measure dict) with the shortest wall among ``runs`` that exited 0, else the first
    one, with ``repeats`` (how many) and ``wall_all_s`` (every wall, in run order) added: a rerun repeated on a
    shared machine is reported by its best, as the issue's own "min of 21 runs", the others beside it."""
    if not runs:
        return None
    ok = [run for run in runs if run.get('rc') == 0] or runs[:1]
    best = dict(min(ok, key=lambda run: run['wall_s']))
    best['repeats'] = len(runs)
    best['wall_all_s'] = [run['wall_s'] for run in runs]
    return best
