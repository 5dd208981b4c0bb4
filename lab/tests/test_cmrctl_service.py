"""cmrctl service resources: a TSC service's DETAIL is the plain one (vendor facts TSC-1), re-registration and
its refusals."""

from test_cmrctl import SEED_HOME, seed_node  # noqa: F401 - the fixture is reused

TSC_ADD = ["--tscid", "1", "--obsip", "172.19.0.30", "--obsport", "9700"]
SEED_SERVICE_ROW = " cls_tibero  service         tibero       UP Database, Active Cluster (auto-restart: OFF)"


def service_lines(out, name):
    """The service row of `name` and its DETAIL continuation lines (blank leading cells)."""
    lines = out.splitlines()
    for index, line in enumerate(lines):
        if line.split()[1:3] == ["service", name]:
            block = [line]
            for more in lines[index + 1:]:
                if not more.startswith(" " * 45) or not more.strip():
                    break
                block.append(more)
            return block
    raise AssertionError("no service row %s in:\n%s" % (name, out))


def detail_of(block):
    """DETAIL joined back as DESIGN.md says (continuation lines joined with one space)."""
    first = block[0].split(None, 4)[4]
    return " ".join([first] + [line.strip() for line in block[1:]])


def test_service_without_tsc_keeps_the_seed_detail(seed_node):
    assert SEED_SERVICE_ROW in seed_node.ok("cmrctl", "show").splitlines()


def test_tsc_service_shows_the_plain_detail_in_every_show(seed_node):
    """A service added with --tscid/--obsip/--obsport and no --mode reads like any other (vendor facts TSC-1)."""
    seed_node.ok("cmrctl", "add", "service", "--name", "tsc_db", "--cname", "cls_tibero", *TSC_ADD)
    for args in (["show"], ["show", "all"]):
        block = service_lines(seed_node.ok("cmrctl", *args), "tsc_db")
        assert len(block) == 1, block
        assert detail_of(block) == "Database, Active Cluster (auto-restart: OFF)"
    assert SEED_SERVICE_ROW in seed_node.ok("cmrctl", "show").splitlines()


def test_tsc_attributes_are_not_shown_on_the_peer_node_either(site):
    nodes = []
    for index in (1, 2):
        node = site.node("node%d" % index, tb_sid="tibero%d" % index, cm_sid="cm_tibero%d" % index)
        node.ok("tbcm", "-b")
        node.ok("cmrctl", "add", "network", "--name", "inc%d" % index, "--nettype", "private",
                "--ipaddr", "172.19.0.1%d" % index, "--portno", "8640")
        node.ok("cmrctl", "add", "cluster", "--name", "cls_tibero", "--incnet", "inc%d" % index,
                "--cfile", SEED_HOME + "/cmfile/tibero/cmdata")
        node.ok("cmrctl", "start", "cluster", "--name", "cls_tibero")
        nodes.append(node)
    nodes[0].ok("cmrctl", "add", "service", "--name", "tsc_db", "--cname", "cls_tibero", *TSC_ADD)
    for out in (nodes[1].ok("cmrctl", "show"), nodes[0].ok("cmrctl", "show", "all")):
        assert detail_of(service_lines(out, "tsc_db")) == "Database, Active Cluster (auto-restart: OFF)"
        assert "tscid" not in out and "obsport" not in out


def test_reregistration_needs_the_db_resource_deleted_first(seed_node):
    """The seed's service has db tibero1: del service is refused until del db (instance down)."""
    refused = seed_node.run("cmrctl", "del", "service", "--name", "tibero")
    assert refused.returncode == 1 and "db resources still belong to it" in refused.stderr
    seed_node.ok("cmrctl", "del", "db", "--name", "tibero1")
    assert seed_node.ok("cmrctl", "del", "service", "--name", "tibero") == "Resource del success! (service, tibero)\n"
    seed_node.ok("cmrctl", "add", "service", "--name", "tibero", "--cname", "cls_tibero", "--type", "db",
                 "--mode", "AC", *TSC_ADD)
    seed_node.ok("cmrctl", "add", "db", "--name", "tibero1", "--svcname", "tibero", "--dbhome", SEED_HOME,
                 "--envfile", "/dev/null")
    out = seed_node.ok("cmrctl", "show")
    assert SEED_SERVICE_ROW in out.splitlines()
    assert " cls_tibero       db        tibero1     DOWN tibero, %s, failed retry cnt: 0" % SEED_HOME \
        in out.splitlines()
