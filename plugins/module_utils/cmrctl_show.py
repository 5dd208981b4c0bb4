# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for every ``cmrctl show`` output.

Three kinds of block, each a title, a ``=`` ruler, a header row, a ``-`` ruler, rows, a ``=`` ruler:

* ``Resource List of Node <cm_name>`` (``cmrctl show`` / ``cmrctl show all``): columns
  ``CLUSTER TYPE NAME STATUS DETAIL``; DETAIL is free text and may wrap onto continuation lines that
  only have the DETAIL column.
* ``Resource List of Observer <name>`` (``cmrctl show`` on an observer): columns
  ``TSC_ID CLS_ID CM_NAME NID CM_STAT INST_STAT PRI/TAR``; leading cells left blank repeat the row above.
* ``TSC(ID: <id>) Information`` (``cmrctl show --tscid <id>``): columns
  ``FAILOVER MODE CLS_ID CM_NAME CONN LOG Heartbeat RCVD.TSN``; FAILOVER and MODE on the first row only.

``cmrctl show <type> --name <name>`` prints something else (``parse_resource_info``): a
``<Type> Resource Info`` block of ``key : value`` lines between ``=`` rulers, then a boxed list
(``| INSTANCE LIST |``, a header, a ``-`` ruler, rows, a closing ``=`` ruler). The service form is
public (vendor-facts CMR-6); the group form (``Group Resource Info`` + ``AGENT LIST``) is derived
from it and unverified (CMR-7), so a module reads only the columns it needs and fails on any other.

A node table's CLUSTER cell is checked against ``COMMON`` and the NAMEs of the ``cluster`` rows of
the same table: a name longer than the 11-wide column (vendor-facts CMR-4) that a version truncates
would otherwise be taken for another cluster silently.

Columns are found from the header names and the ``-`` ruler of the output itself, never from offsets
copied from one sample, so other versions' widths and alignments parse. A cell value is placed by the
ruler column it overlaps; when values overflow their column (or whitespace was collapsed) and the
placement is ambiguous, the row is split on whitespace in header order instead (cells never contain
blanks, only the last free-text column does). Anything else raises ``ShowParseError`` carrying the raw
text, so that a module fails loudly instead of guessing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


class ShowParseError(Exception):
    """``cmrctl show`` printed something these parsers do not understand."""

    def __init__(self, msg, text):
        super(ShowParseError, self).__init__(msg)
        self.msg = msg
        self.text = text

    def __str__(self):
        return '%s; raw output:\n%s' % (self.msg, self.text)


class _TableSpec(object):
    """What one kind of block looks like and how its header names map to result keys."""

    def __init__(self, kind, title_re, keys, required, free_text=None):
        self.kind = kind
        self.title_re = re.compile(title_re)
        self.keys = keys                # header name (upper case) -> result key
        self.required = required        # keys every data row must have (after carrying blanks down)
        self.free_text = free_text      # key of a last column that may hold blanks and wrap


NODE = _TableSpec(
    'node', r'^\s*Resource List of Node\s+(?P<title>\S+)\s*$',
    {'CLUSTER': 'cluster', 'TYPE': 'type', 'NAME': 'name', 'STATUS': 'status', 'DETAIL': 'detail'},
    required=('cluster', 'type', 'name', 'status'), free_text='detail')

OBSERVER = _TableSpec(
    'observer', r'^\s*Resource List of Observer\s+(?P<title>\S+)\s*$',
    {'TSC_ID': 'tsc_id', 'CLS_ID': 'cls_id', 'CM_NAME': 'cm_name', 'NID': 'nid', 'CM_STAT': 'cm_stat',
     'INST_STAT': 'inst_stat', 'PRI/TAR': 'role'},
    required=('tsc_id', 'cls_id', 'cm_name'))

TSC = _TableSpec(
    'tsc', r'^\s*TSC\s*\(\s*ID\s*:\s*(?P<title>\d+)\s*\)\s*Information\s*$',
    {'FAILOVER': 'failover', 'MODE': 'mode', 'CLS_ID': 'cls_id', 'CM_NAME': 'cm_name', 'CONN': 'conn',
     'LOG': 'log', 'HEARTBEAT': 'heartbeat', 'RCVD.TSN': 'rcvd_tsn'},
    required=('cls_id', 'cm_name'))

_SPECS = (NODE, OBSERVER, TSC)

# Leading cells a continuation row leaves blank repeat the value of the row above.
_CARRIED = {'observer': ('tsc_id', 'cls_id'), 'tsc': ('failover', 'mode', 'cls_id')}

# Width at which the lab wraps DETAIL (DESIGN.md). A wrapped chunk of exactly this length without a
# blank was cut through a word (e.g. a long script path) and is joined back without a space.
DETAIL_WRAP_WIDTH = 56

_EQ_RULER = re.compile(r'^\s*=+\s*$')
_DASH_RULER = re.compile(r'^\s*-+(\s+-+)*\s*$')

# MODE as printed by different Tibero versions -> the value `cmrctl set --mode` takes.
_MODES = {'PROTECTIVE': 'protective', 'PROTECT': 'protective',
          'DISASTER_PLAN': 'disaster_plan', 'DIS_PLAN': 'disaster_plan', 'DISASTER': 'disaster_plan'}

_GROUP_DETAIL = re.compile(r'^\s*type:\s*(?P<grptype>\S+)\s*\(\s*failover:\s*(?P<failover>ON|OFF)\s*\)',
                           re.IGNORECASE)
_AGENT_DETAIL = re.compile(r'^\s*(?P<script>.*?)\s*,\s*start retry cnt:\s*(?P<cnt>\d+)\s*$', re.IGNORECASE)
_SERVICE_KINDS = {'DATABASE': 'db', 'ACTIVE STORAGE': 'as'}
_SERVICE_MODES = {'ACTIVE CLUSTER': 'AC', 'HIGH AVAILABILITY': 'HA'}


class _Column(object):
    def __init__(self, key, start, end):
        self.key = key
        self.start = start
        self.end = end


# ---------------------------------------------------------------------------------------------------
# generic table reading


def _tokens(line):
    return [(m.start(), m.end(), m.group()) for m in re.finditer(r'\S+', line)]


def _columns(spec, header, ruler, text):
    """Columns (key, span) from a header row and the ``-`` ruler under it."""
    names = header.split()
    spans = [(s, e) for s, e, _t in _tokens(ruler)]
    if len(names) != len(spans):
        raise ShowParseError('%s table: header %r has %d names but the ruler has %d columns'
                             % (spec.kind, header.strip(), len(names), len(spans)), text)
    columns = []
    for name, (start, end) in zip(names, spans):
        key = spec.keys.get(name.upper(), name.lower())
        columns.append(_Column(key, start, end))
    missing = [k for k in spec.keys.values() if k not in [c.key for c in columns]]
    if missing:
        raise ShowParseError('%s table: header %r lacks %s' % (spec.kind, header.strip(), ', '.join(missing)),
                             text)
    return columns


def _best_column(columns, start, end):
    """Index of the column a token at [start, end) overlaps most (nearest one if it overlaps none)."""
    best, best_overlap = None, 0
    for index, col in enumerate(columns):
        overlap = min(end, col.end) - max(start, col.start)
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    if best is not None:
        return best
    distances = [min(abs(start - col.end), abs(col.start - end)) for col in columns]
    return distances.index(min(distances))


def _place_by_position(line, tokens, columns, free_text):
    """Cells by ruler position, or None when two values land in one column (overflow)."""
    cells = {}
    for index, (start, end, value) in enumerate(tokens):
        col = columns[_best_column(columns, start, end)]
        if col.key == free_text:
            cells[col.key] = line[start:].strip()
            return cells
        if col.key in cells:
            return None
        cells[col.key] = value
    return cells


def _place_in_order(line, tokens, columns, free_text):
    """Cells by whitespace split in header order; a short row has its blanks on the left."""
    fixed = [c for c in columns if c.key != free_text]
    cells = {}
    if free_text and len(tokens) >= len(fixed):
        for col, (_s, _e, value) in zip(fixed, tokens):
            cells[col.key] = value
        if len(tokens) > len(fixed):
            cells[free_text] = line[tokens[len(fixed)][0]:].strip()
        return cells
    if not free_text and len(tokens) <= len(columns):
        for col, (_s, _e, value) in zip(columns[len(columns) - len(tokens):], tokens):
            cells[col.key] = value
        return cells
    return None


def _split_row(spec, line, columns, text):
    """Cells of one data row: {key: value} for the non-blank ones."""
    tokens = _tokens(line)
    cells = _place_by_position(line, tokens, columns, spec.free_text)
    fixed_keys = [c.key for c in columns if c.key != spec.free_text]
    if cells is not None and spec.free_text and not any(k in cells for k in fixed_keys):
        return cells                                    # a continuation line of the free text
    complete = cells is not None and (spec.free_text is None or all(k in cells for k in fixed_keys))
    if not complete:
        cells = _place_in_order(line, tokens, columns, spec.free_text)
    if cells is None:
        raise ShowParseError('%s table: cannot split row %r into the columns %s'
                             % (spec.kind, line.rstrip(), ' '.join(c.key for c in columns)), text)
    return cells


def _read_rows(spec, lines, pos, columns, text):
    """Data rows from ``lines[pos]`` up to the closing ``=`` ruler; return (rows, next pos)."""
    rows = []
    last_chunk = ''
    while pos < len(lines):
        line = lines[pos]
        pos += 1
        if _EQ_RULER.match(line):
            return rows, pos
        if not line.strip():
            continue
        cells = _split_row(spec, line, columns, text)
        if spec.free_text and set(cells) == set([spec.free_text]):
            if not rows:
                raise ShowParseError('%s table: continuation line %r before any row' % (spec.kind, line.strip()),
                                     text)
            row = rows[-1]
            row[spec.free_text] = _join_wrapped(row.get(spec.free_text, ''), last_chunk, cells[spec.free_text])
            last_chunk = cells[spec.free_text]
            continue
        rows.append(cells)
        last_chunk = cells.get(spec.free_text, '')
    raise ShowParseError('%s table is not closed by a "=" ruler (truncated output?)' % spec.kind, text)


def _join_wrapped(head, last_chunk, tail):
    """Join a continuation chunk to a wrapped free-text cell.

    Wraps happen at a blank, which the printer drops (so a space is put back), unless the previous
    chunk filled the whole wrap width with no blank: then a word was cut and is glued back.
    """
    if len(last_chunk) == DETAIL_WRAP_WIDTH and ' ' not in last_chunk:
        return head + tail
    return ('%s %s' % (head, tail)).strip()


def _complete_rows(spec, rows, text):
    """Carry blank leading cells down from the row above; check every row has its required cells."""
    carried = _CARRIED.get(spec.kind, ())
    previous = {}
    for row in rows:
        for key in carried:
            if key not in row and key in previous:
                row[key] = previous[key]
        missing = [k for k in spec.required if not row.get(k)]
        if missing:
            raise ShowParseError('%s table: a row lacks %s: %r' % (spec.kind, ', '.join(missing), row), text)
        for col_key in spec.keys.values():
            row.setdefault(col_key, '')
        previous = row
    return rows


def _read_block(spec, title, lines, pos, text):
    """One block after its title line; return ({kind, title, rows}, next pos)."""
    def next_line(p):
        while p < len(lines) and not lines[p].strip():
            p += 1
        if p >= len(lines):
            raise ShowParseError('%s table "%s" ends early' % (spec.kind, title), text)
        return lines[p], p + 1

    line, pos = next_line(pos)
    if not _EQ_RULER.match(line):
        raise ShowParseError('%s table "%s": expected a "=" ruler, got %r' % (spec.kind, title, line), text)
    header, pos = next_line(pos)
    ruler, pos = next_line(pos)
    if not _DASH_RULER.match(ruler):
        raise ShowParseError('%s table "%s": expected a "-" ruler under the header, got %r'
                             % (spec.kind, title, ruler), text)
    columns = _columns(spec, header, ruler, text)
    rows, pos = _read_rows(spec, lines, pos, columns, text)
    return dict(kind=spec.kind, title=title, rows=_complete_rows(spec, rows, text)), pos


def parse_blocks(text):
    """Every block of a ``cmrctl show`` output, in order: [{kind, title, rows}].

    Only blank lines may stand between blocks; an output with no block at all is unknown output.
    """
    text = text or ''
    lines = text.splitlines()
    blocks = []
    pos = 0
    while pos < len(lines):
        line = lines[pos]
        pos += 1
        if not line.strip():
            continue
        for spec in _SPECS:
            match = spec.title_re.match(line)
            if match:
                block, pos = _read_block(spec, match.group('title'), lines, pos, text)
                blocks.append(block)
                break
        else:
            raise ShowParseError('unexpected line %r in cmrctl show output' % line.strip(), text)
    if not blocks:
        raise ShowParseError('no resource table in cmrctl show output', text)
    return blocks


# ---------------------------------------------------------------------------------------------------
# one function per output kind


def _blocks_of(text, kind):
    blocks = [b for b in parse_blocks(text) if b['kind'] == kind]
    if not blocks:
        raise ShowParseError('no %s table in cmrctl show output' % kind, text)
    return blocks


def parse_nodes(text):
    """``cmrctl show`` / ``show all`` -> {nodes: [cm_name], resources: [{node, cluster, type, name, status, detail}]}."""
    nodes, resources = [], []
    for block in _blocks_of(text, 'node'):
        _check_cluster_cells(block, text)
        nodes.append(block['title'])
        for row in block['rows']:
            resource = dict(row)
            resource['node'] = block['title']
            resources.append(resource)
    return dict(nodes=nodes, resources=resources)


def _check_cluster_cells(block, text):
    """Every CLUSTER cell is ``COMMON`` or the NAME of a ``cluster`` row of the same table.

    How a cluster name longer than the CLUSTER column prints is not public (vendor-facts CMR-4): a
    truncated cell would name another cluster, so an unknown one stops the read.
    """
    known = set(r['name'] for r in block['rows'] if r['type'].lower() == 'cluster')
    for row in block['rows']:
        if row['cluster'] != 'COMMON' and row['cluster'] not in known:
            raise ShowParseError('node table %s: CLUSTER %r of %s %s is neither COMMON nor the NAME of a cluster '
                                 'row of the table (%s): truncated or shifted cell?'
                                 % (block['title'], row['cluster'], row['type'], row['name'],
                                    ', '.join(sorted(known)) or 'none'), text)


def parse_local(text):
    """``cmrctl show`` (without ``all``): ``parse_nodes`` of exactly one node table, the local node's.

    No public source says in which order ``show all`` prints its nodes (vendor-facts CMR-5), so the
    local node is read from ``cmrctl show`` alone, and any other number of tables is unknown output.
    """
    parsed = parse_nodes(text)
    if len(parsed['nodes']) != 1:
        raise ShowParseError('cmrctl show printed %d node tables (%s), expected only the local node\'s'
                             % (len(parsed['nodes']), ', '.join(parsed['nodes'])), text)
    return parsed


def parse_observer(text):
    """An observer's ``cmrctl show`` -> {name, members: [{tsc_id, cls_id, cm_name, nid, cm_stat, inst_stat, role}]}."""
    block = _blocks_of(text, 'observer')[0]
    return dict(name=block['title'], members=block['rows'])


def parse_tsc(text):
    """``cmrctl show --tscid N`` -> {id, failover, mode, mode_normalized, members: [...]}.

    ``mode`` is the MODE cell as printed; ``mode_normalized`` is ``protective`` / ``disaster_plan``
    (the values ``cmrctl set --mode`` takes), or None for a MODE this parser does not know.
    """
    block = _blocks_of(text, 'tsc')[0]
    rows = block['rows']
    if not rows:
        raise ShowParseError('TSC %s table has no member row' % block['title'], text)
    failover, mode = rows[0].get('failover', ''), rows[0].get('mode', '')
    members = []
    for row in rows:
        member = dict((k, v) for k, v in row.items() if k not in ('failover', 'mode'))
        members.append(member)
    return dict(id=int(block['title']), failover=failover, mode=mode, mode_normalized=normalize_mode(mode),
                members=members)


def parse_show(text):
    """Whatever ``cmrctl show`` printed: {nodes, resources} and, on an observer, ``observer``."""
    blocks = parse_blocks(text)
    result = dict(nodes=[], resources=[])
    if any(b['kind'] == 'node' for b in blocks):
        result.update(parse_nodes(text))
    if any(b['kind'] == 'observer' for b in blocks):
        result['observer'] = parse_observer(text)
    return result


# ---------------------------------------------------------------------------------------------------
# helpers on parsed results


def normalize_mode(raw):
    """``PROTECTIVE``/``PROTECT`` -> ``protective``, ``DISASTER_PLAN``/``DIS_PLAN`` -> ``disaster_plan``."""
    return _MODES.get((raw or '').strip().upper())


def is_up(status, on_any_node=False):
    """The one rule for "up": ``UP`` and ``UP(...)`` statuses, except ``UP(R)`` (running on another node).

    ``on_any_node``: any status starting with ``UP``, ``UP(R)`` included - a group or an agent row is
    started in the cluster wherever it runs (cmrctl_group, cmrctl_agent); a db row is up here only.
    """
    status = (status or '').strip().upper()
    if on_any_node:
        return status.startswith('UP')
    return status == 'UP' or (status.startswith('UP(') and status != 'UP(R)')


def local_node(parsed):
    """This node's CM name in a ``parse_nodes`` result of ``cmrctl show`` (its one table), or None."""
    return parsed['nodes'][0] if parsed['nodes'] else None


def find_resource(resources, rtype, name, node=None):
    """The resource row of type ``rtype`` named ``name`` (on ``node`` if given), or None."""
    for res in resources:
        if res['type'] == rtype and res['name'] == name and (node is None or res['node'] == node):
            return res
    return None


def parse_group_detail(detail):
    """Group DETAIL ``type: prosync (failover: ON)`` -> {grptype, failover (bool)}, or None."""
    match = _GROUP_DETAIL.match(detail or '')
    if not match:
        return None
    return dict(grptype=match.group('grptype'), failover=match.group('failover').upper() == 'ON')


def parse_agent_detail(detail):
    """Agent DETAIL ``<script>, start retry cnt: <n>`` -> {script, start_retry_cnt (int)}, or None.

    ``start retry cnt`` counts failed starts so far; it is not the configured ``--retry_cnt``.
    """
    match = _AGENT_DETAIL.match(detail or '')
    if not match:
        return None
    return dict(script=match.group('script'), start_retry_cnt=int(match.group('cnt')))


def parse_service_detail(detail):
    """Service DETAIL ``<kind>, <mode words> (auto-restart: OFF)`` -> {type, mode}; unknown parts are None.

    The ProSync CM failover guide, aws-ia gen_db_p.sh. A service added with --tscid/--obsip/--obsport shows the same DETAIL
    (vendor facts TSC-1): no TSC attribute is read from it.
    """
    parts = [p.strip() for p in (detail or '').split(',')]
    kind = parts[0].upper() if parts else ''
    mode_words = parts[1].split('(')[0].strip().upper() if len(parts) > 1 else ''
    return dict(type=_SERVICE_KINDS.get(kind, kind.lower() or None),
                mode=_SERVICE_MODES.get(mode_words, mode_words or None))


def db_resources(parsed, service):
    """Every node's db rows whose DETAIL (``<service>, <dbhome>, failed retry cnt: <n>``) names ``service``:
    [{name, node, status, dbhome}]."""
    found = []
    for row in parsed['resources']:
        if row['type'] != 'db':
            continue
        parts = [p.strip() for p in (row.get('detail') or '').split(',')]
        if parts and parts[0] == service:
            found.append(dict(name=row['name'], node=row['node'], status=row['status'],
                              dbhome=parts[1] if len(parts) > 1 else ''))
    return found


def local_group_names(parsed, cluster=None):
    """Names of the groups (of ``cluster`` if given) a ``parse_local`` result lists.

    An agent always belongs to a group its own node lists, of the agent's own cluster (cmrctl adds
    an agent only to a group of its node and refuses to delete a group that still has agents), so
    when this is one name for the agent's cluster, the agent is in that group: no per-resource
    ``cmrctl show group`` is needed to tell. Raises ValueError for a result of several node tables.
    """
    if len(parsed['nodes']) > 1:
        raise ValueError('local_group_names needs the local node\'s table only (parse_local)')
    return [r['name'] for r in parsed['resources']
            if r['type'] == 'group' and (cluster is None or r['cluster'] == cluster)]


# ---------------------------------------------------------------------------------------------------
# `cmrctl show <type> --name <name>`: key/value block and boxed list

_INFO_TITLE = re.compile(r'^\s*(?P<type>[A-Za-z]+)\s+Resource\s+Info\s*$')
_INFO_LINE = re.compile(r'^\s*(?P<key>[^:]*?\S)\s*:\s?(?P<value>.*?)\s*$')
_BOX_LINE = re.compile(r'^\s*\|(?P<inner>.*)\|\s*$')
_BOX_RULER = re.compile(r'^-+$')


def _key(label):
    """``Inst. Auto Start`` -> ``inst_auto_start``, ``ACK No.`` -> ``ack_no``."""
    return re.sub(r'[^a-z0-9]+', '_', label.lower()).strip('_')


def _box_inner(line, text):
    match = _BOX_LINE.match(line)
    if not match:
        raise ShowParseError('resource info: expected a boxed line "| ... |", got %r' % line.rstrip(), text)
    return ' ' + match.group('inner') + ' '


def _box_columns(header, ruler, text):
    """(key, start, end) per column: the ruler's dash runs, named by the header text above each run.

    Header names may hold blanks (``Intr Stat``, ``ACK No.``), so the header is cut at the ruler's
    column starts, and a cut that falls inside a word is unknown output.
    """
    spans = [(s, e) for s, e, _t in _tokens(ruler)]
    if not spans or not _DASH_RULER.match(ruler):
        raise ShowParseError('resource info: expected a "-" ruler under the list header, got %r' % ruler.strip(),
                             text)
    columns = []
    for index, (start, end) in enumerate(spans):
        stop = spans[index + 1][0] if index + 1 < len(spans) else len(header)
        if index and not header[start - 1].isspace() and not header[start:start + 1].isspace():
            raise ShowParseError('resource info: list header %r does not line up with its ruler' % header.strip(),
                                 text)
        name = header[start if index else 0:stop].strip()
        if not name:
            raise ShowParseError('resource info: list column %d has no header name' % (index + 1), text)
        columns.append(_Column(_key(name), start, end))
    return columns


def _box_row(line, columns, text):
    """Cells of one list row by ruler position; whitespace order when values overflow their column."""
    tokens = _tokens(line)
    cells = _place_by_position(line, tokens, columns, None)
    if cells is None and len(tokens) == len(columns):
        cells = dict((col.key, value) for col, (_s, _e, value) in zip(columns, tokens))
    if cells is None:
        raise ShowParseError('resource info: cannot split list row %r into the columns %s'
                             % (line.strip(), ' '.join(c.key for c in columns)), text)
    return cells


def parse_resource_info(text):
    """``cmrctl show <type> --name <name>`` -> {type, info: {key: value}, list: title, columns, rows}.

    ``type`` is the title's first word in lower case (``service``); ``info`` keys are the labels in
    lower case with ``_`` for other characters (``Inst. Auto Start`` -> ``inst_auto_start``); ``rows``
    are dicts keyed the same way from the list header (``Intr Stat`` -> ``intr_stat``). Every line
    must be one of that shape, else ShowParseError with the raw text.
    """
    text = text or ''
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not _INFO_TITLE.match(lines[0]):
        raise ShowParseError('no "<Type> Resource Info" title in cmrctl show output', text)
    rtype = _INFO_TITLE.match(lines[0]).group('type').lower()
    if len(lines) < 2 or not _EQ_RULER.match(lines[1]):
        raise ShowParseError('resource info: expected a "=" ruler under the title', text)
    info, pos = {}, 2
    while pos < len(lines) and not _EQ_RULER.match(lines[pos]):
        match = _INFO_LINE.match(lines[pos])
        if not match or not match.group('key').strip():
            raise ShowParseError('resource info: expected "key : value", got %r' % lines[pos].strip(), text)
        info[_key(match.group('key'))] = match.group('value')
        pos += 1
    if pos + 5 > len(lines):
        raise ShowParseError('resource info: no boxed list after the key/value block (truncated output?)', text)
    title = _box_inner(lines[pos + 1], text).strip()
    if not title or not _BOX_RULER.match(_box_inner(lines[pos + 2], text).strip()):
        raise ShowParseError('resource info: expected a list title and a "|---|" line, got %r / %r'
                             % (lines[pos + 1].strip(), lines[pos + 2].strip()), text)
    columns = _box_columns(_box_inner(lines[pos + 3], text), _box_inner(lines[pos + 4], text), text)
    rows, pos = [], pos + 5
    while pos < len(lines) and not _EQ_RULER.match(lines[pos]):
        rows.append(_box_row(_box_inner(lines[pos], text), columns, text))
        pos += 1
    if pos != len(lines) - 1:
        raise ShowParseError('resource info: the list is not closed by a "=" ruler, or text follows it', text)
    return dict(type=rtype, info=info, list=title, columns=[c.key for c in columns], rows=rows)


def _info_of(text, rtype, list_title, needed):
    parsed = parse_resource_info(text)
    if parsed['type'] != rtype or parsed['list'].upper() != list_title:
        raise ShowParseError('expected "%s Resource Info" with a %s, got "%s" with %s'
                             % (rtype.capitalize(), list_title, parsed['type'], parsed['list']), text)
    missing = [k for k in needed if k not in parsed['columns']]
    if missing:
        raise ShowParseError('%s lacks the column(s) %s' % (list_title, ', '.join(missing)), text)
    for row in parsed['rows']:
        if any(not row.get(k) for k in needed):
            raise ShowParseError('%s row %r lacks one of %s' % (list_title, row, ', '.join(needed)), text)
    return parsed


def parse_service_info(text):
    """``cmrctl show service --name S`` (public sample, vendor-facts CMR-6): INSTANCE LIST rows have
    ``nid``, ``name`` (the CM name), ``status``, ``intr_stat``, ``ack_no``, ``sched``."""
    return _info_of(text, 'service', 'INSTANCE LIST', ('nid', 'name', 'status'))


def parse_group_info(text):
    """``cmrctl show group --name G``: the service form with an ``AGENT LIST`` whose rows name the
    node's CM (``name``) and the agent (``agent``). Derived from the service form, unverified
    (vendor-facts CMR-7): any other shape raises ShowParseError."""
    return _info_of(text, 'group', 'AGENT LIST', ('name', 'agent'))


def group_agents_of_node(parsed_group, cm_name):
    """Names of the agents ``parse_group_info`` lists for the node whose CM is ``cm_name``."""
    return [row['agent'] for row in parsed_group['rows'] if row['name'] == cm_name]
