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
        nodes.append(block['title'])
        for row in block['rows']:
            resource = dict(row)
            resource['node'] = block['title']
            resources.append(resource)
    return dict(nodes=nodes, resources=resources)


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


def is_up(status):
    """True for ``UP`` and ``UP(...)`` statuses except ``UP(R)`` (running on another node)."""
    status = (status or '').strip().upper()
    return status == 'UP' or (status.startswith('UP(') and status != 'UP(R)')


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


def local_group_names(parsed):
    """Names of the groups the local node's table (the first one) of a ``parse_nodes`` result lists.

    An agent always belongs to a group its own node lists (cmrctl adds an agent only to a group of
    its node and refuses to delete a group that still has agents), so when this is one name, every
    agent of the local node is in that group: no ``cmrctl show group`` is needed to tell.
    """
    local = parsed['nodes'][0] if parsed['nodes'] else None
    return [r['name'] for r in parsed['resources'] if r['node'] == local and r['type'] == 'group']
