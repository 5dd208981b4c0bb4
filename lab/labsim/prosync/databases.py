"""The simulated databases as ProSync sees them: reachability and the ProSync schema.

A database is reachable when at least one of its instances is open (NORMAL mode), as advertised by
the Tibero simulation under $LAB_SHARED/db/<db>/instances/. prs_install.sh drops and re-creates the
ProSync user, tablespace and objects, recorded in $LAB_SHARED/db/<db>/prosync.json per instance id:
the install counter and time make a repeated install visible, and the replication start position
(initial TSN) changes with every install, which is what makes a repeat destructive.
Passwords are never stored: only the fact that one was given.
"""

from labsim import common, tibero
from labsim.prosync import layout

OPEN_MODE = "NORMAL"


def open_instance_count(db_name):
    return sum(1 for mode in tibero.open_instances(db_name).values() if mode == OPEN_MODE)


def reachable(db_name):
    return open_instance_count(db_name) > 0


def previous_install(db_name, instance_id):
    return common.read_json(layout.db_prosync_file(db_name), {}).get(instance_id)


def reinstall_schema(db_name, instance_id, role, user, tablespace):
    """Drop and re-create the ProSync schema of `instance_id` in `db_name`; returns the new record."""
    with common.json_update(layout.db_prosync_file(db_name), {}) as schemas:
        previous = schemas.get(instance_id) or {}
        installed_at = common.now()
        record = {
            "instance": instance_id, "role": role, "user": user.upper(), "tablespace": tablespace,
            "install_count": previous.get("install_count", 0) + 1,
            "installed_at": installed_at, "installed_on": common.lab_node(),
            "initial_tsn": int(installed_at * 10) % 10 ** 9,
            "password_set": True,
        }
        schemas[instance_id] = record
    return record
