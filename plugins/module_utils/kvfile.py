# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One editor for KEY=VALUE files: Tibero tip files and ProSync ``prs_agent_<id>.cfg``.

A file is parsed into a list of lines that keep every byte: comments, blank lines, order, indentation,
the spacing around ``=`` (tip ``KEY=VALUE``, ProSync ``KEY = VALUE<tabs># comment``), quoting, inline
comments, each line's own ending (LF or CRLF) and a missing final newline. Rendering an unedited file
gives back the exact input; an edit touches only the value of the line it changes (or adds / removes
one line). Keys are matched case-insensitively (Tibero parameter names are); a key that appears more
than once is reported, never guessed.

The first half of this file is pure (no Ansible); the second half reads and writes files for the
modules ``tip_param`` and ``prs_agent_cfg``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import tempfile

ENTRY_RE = re.compile(r'^(?P<indent>[ \t]*)(?P<key>[A-Za-z_][A-Za-z0-9_.]*)(?P<sep>[ \t]*=[ \t]*)(?P<rest>.*)$')
# What may follow a closing quote: blanks and an optional comment.
QUOTED_TRAILER_RE = re.compile(r'^[ \t]*(#.*)?$')
# An inline comment starts at a '#' at the start of the value or after a blank ('a#b' is a value).
INLINE_COMMENT_RE = re.compile(r'(^|[ \t])#')
KEY_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_.]*\Z')
INSERT_RE = re.compile(r'^(?:(?P<where>top|bottom)|(?P<rel>after|before):(?P<anchor>[A-Za-z_][A-Za-z0-9_.]*))\Z')

QUOTES = ('"', "'")
BOOLEAN_WORDS = frozenset(('Y', 'N', 'YES', 'NO', 'TRUE', 'FALSE', 'ON', 'OFF'))
SIZE_RE = re.compile(r'^(?P<number>\d+)(?P<unit>[KMGT])B?$', re.IGNORECASE)
SIZE_FACTORS = {'K': 1024, 'M': 1024 ** 2, 'G': 1024 ** 3, 'T': 1024 ** 4}
INT_RE = re.compile(r'^[+-]?\d+\Z')
# Bytes that never occur in a text configuration file (tab, LF, CR and form feed do).
BINARY_BYTES_RE = re.compile(b'[\x00-\x08\x0b\x0e-\x1f]')


class KvFileError(Exception):
    """A problem the module reports with fail_json (message only, never a traceback)."""


class DuplicateKey(KvFileError):
    """A key the task must act on appears on several lines."""

    def __init__(self, key, line_numbers):
        self.key = key
        self.line_numbers = line_numbers
        super(DuplicateKey, self).__init__(
            '%s is set %d times (lines %s); fix the file by hand: the module does not guess which '
            'line is read' % (key, len(line_numbers), ', '.join(str(n) for n in line_numbers)))


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

def unquote(value):
    """``"abc"`` / ``'abc'`` -> ``abc``; anything else unchanged."""
    if len(value) >= 2 and value[0] in QUOTES and value[-1] == value[0]:
        return value[1:-1]
    return value


def is_quoted(value):
    return unquote(value) != value


def normalize_value(value):
    """The form two values are compared in.

    Surrounding blanks and quotes are dropped; Y/N and boolean words compare case-insensitively;
    sizes compare in bytes (``1G`` = ``1024M`` = ``1048576K`` = ``1073741824``); integers by value
    (``010`` = ``10``). Anything else (paths, names) compares exactly.
    """
    text = unquote(value.strip()).strip()
    if text.upper() in BOOLEAN_WORDS:
        return text.upper()
    size = SIZE_RE.match(text)
    if size:
        return str(int(size.group('number')) * SIZE_FACTORS[size.group('unit').upper()])
    if INT_RE.match(text):
        return str(int(text))
    return text


def values_equal(left, right):
    return normalize_value(left) == normalize_value(right)


def split_value(rest):
    """Split what follows ``KEY =`` into (value, trailer).

    The trailer is whatever follows the value on the line: blanks and an optional ``# comment``.
    A quoted value runs to its closing quote, so ``"a # b"`` is one value.
    """
    if rest[:1] in QUOTES:
        end = rest.find(rest[0], 1)
        if end != -1 and QUOTED_TRAILER_RE.match(rest[end + 1:]):
            return rest[:end + 1], rest[end + 1:]
    comment = INLINE_COMMENT_RE.search(rest)
    body = rest[:comment.start()] if comment else rest
    value = body.rstrip(' \t')
    return value, rest[len(value):]


def check_writable(key, value):
    """Raise KvFileError unless ``value`` reads back exactly as written after ``KEY=``."""
    if '\n' in value or '\r' in value:
        raise KvFileError('the value for %s spans several lines; a KEY=VALUE file holds one line per key' % key)
    read_back = Line.parse('%s=%s' % (key, value), '')
    if (read_back.value, read_back.trailer) != (value, ''):
        raise KvFileError('the value for %s (%r) would not read back as written (a " #", a leading "#" or '
                          'blanks at either end are taken as comment or layout): quote it' % (key, value))


# ---------------------------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------------------------

class Line(object):
    """One physical line. ``key`` is None for comments, blank lines and lines we do not understand."""

    __slots__ = ('text', 'eol', 'key', 'indent', 'sep', 'value', 'trailer')

    def __init__(self, text, eol, key=None, indent='', sep='', value='', trailer=''):
        self.text = text
        self.eol = eol
        self.key = key
        self.indent = indent
        self.sep = sep
        self.value = value
        self.trailer = trailer

    @classmethod
    def parse(cls, text, eol):
        match = None if text.lstrip(' \t').startswith('#') else ENTRY_RE.match(text)
        if not match:
            return cls(text, eol)
        value, trailer = split_value(match.group('rest'))
        return cls(text, eol, match.group('key'), match.group('indent'), match.group('sep'), value, trailer)

    @classmethod
    def entry(cls, key, sep, value, eol):
        return cls(key + sep + value, eol, key, '', sep, value, '')

    @property
    def is_comment(self):
        return self.key is None and self.text.lstrip(' \t').startswith('#')

    def set_value(self, value):
        self.value = value
        self.text = self.indent + self.key + self.sep + value + self.trailer

    def render(self):
        return self.text + self.eol


def split_lines(text):
    """Yield (text, eol) per physical line; eol is '\\r\\n', '\\n' or '' (last line, no newline)."""
    for chunk in re.findall(r'[^\n]*\n|[^\n]+$', text):
        if chunk.endswith('\r\n'):
            yield chunk[:-2], '\r\n'
        elif chunk.endswith('\n'):
            yield chunk[:-1], '\n'
        else:
            yield chunk, ''


class Change(object):
    """One edit: ``action`` is added, changed or removed; ``line`` is 1-based (in the new file for
    added/changed, in the old file for removed)."""

    def __init__(self, action, key, before, after, line):
        self.action = action
        self.key = key
        self.before = before
        self.after = after
        self.line = line

    def as_dict(self):
        return dict(action=self.action, key=self.key, before=self.before, after=self.after, line=self.line)


def parse_insert(spec):
    """``top`` / ``bottom`` / ``after:KEY`` / ``before:KEY`` -> (where, anchor)."""
    match = INSERT_RE.match(spec or '')
    if not match:
        raise KvFileError('insert must be top, bottom, after:<KEY> or before:<KEY>, not %r' % (spec,))
    if match.group('where'):
        return match.group('where'), None
    return match.group('rel'), match.group('anchor')


class KvFile(object):
    """The line model of one KEY=VALUE file.

    ``separator`` is how a new key is written when the file has no entry to copy the style from
    (tip files ``=``, ProSync ``' = '``); otherwise new keys use the file's most common separator.
    """

    def __init__(self, text='', separator='='):
        self.lines = [Line.parse(body, eol) for body, eol in split_lines(text)]
        self.default_separator = separator
        # Last line inserted per position, so several new keys keep the order they were given in.
        self._cursors = {}

    def render(self):
        return ''.join(line.render() for line in self.lines)

    # -- reading ------------------------------------------------------------------------------

    def indexes(self, key):
        wanted = key.upper()
        return [i for i, line in enumerate(self.lines) if line.key is not None and line.key.upper() == wanted]

    def duplicates(self):
        """{key: [line numbers]} for every key set more than once (in file order)."""
        seen = {}
        for number, line in enumerate(self.lines, 1):
            if line.key is not None:
                seen.setdefault(line.key.upper(), (line.key, []))[1].append(number)
        return dict((name, numbers) for name, numbers in seen.values() if len(numbers) > 1)

    def _single_index(self, key):
        """Index of the one line setting ``key``, None when absent; DuplicateKey when ambiguous."""
        found = self.indexes(key)
        if len(found) > 1:
            raise DuplicateKey(self.lines[found[0]].key, [i + 1 for i in found])
        return found[0] if found else None

    def get(self, key):
        """The raw value (as written, quotes included) or None when the key is not set."""
        index = self._single_index(key)
        return None if index is None else self.lines[index].value

    def items(self):
        """(key, raw value) for every entry, in file order."""
        return [(line.key, line.value) for line in self.lines if line.key is not None]

    @property
    def eol(self):
        """The file's dominant line ending; LF for a file without any."""
        crlf = sum(1 for line in self.lines if line.eol == '\r\n')
        lf = sum(1 for line in self.lines if line.eol == '\n')
        return '\r\n' if crlf > lf else '\n'

    @property
    def separator(self):
        counts = {}
        for line in self.lines:
            if line.key is not None:
                counts[line.sep] = counts.get(line.sep, 0) + 1
        if not counts:
            return self.default_separator
        best = max(counts.values())
        return next(line.sep for line in self.lines if line.key is not None and counts[line.sep] == best)

    # -- editing ------------------------------------------------------------------------------

    def set(self, key, value, insert='bottom', uncomment=False):
        """Make ``key`` equal ``value``; return a Change, or None when it already does.

        With ``uncomment``, a key that is not set but has a commented-out line (``#KEY = 10  # note``)
        is set on that line, the way an operator edits the template, instead of on a new one.
        """
        check_writable(key, value)
        index = self._single_index(key)
        if index is None:
            commented = self._commented_index(key) if uncomment else None
            if commented is not None:
                self.lines[commented] = self._uncommented(self.lines[commented], key, value)
                return Change('added', key, None, value, commented + 1)
            line = Line.entry(key, self.separator, value, self.eol)
            number = self._insert(line, insert) + 1
            return Change('added', key, None, value, number)
        line = self.lines[index]
        if values_equal(line.value, value):
            return None
        before = line.value
        if is_quoted(before) and not is_quoted(value):
            # Keep the file's quoting: "old" -> "new".
            value = before[0] + value + before[0]
        line.set_value(value)
        return Change('changed', line.key, before, value, index + 1)

    def _commented_index(self, key):
        """Index of the first comment line that is ``#KEY`` or ``#KEY = ...``, None without one."""
        pattern = re.compile(r'^[ \t]*#[ \t]*%s(?:[ \t]*=.*)?$' % re.escape(key), re.IGNORECASE)
        return next((i for i, line in enumerate(self.lines) if line.is_comment and pattern.match(line.text)), None)

    def _uncommented(self, line, key, value):
        """The entry a commented-out line becomes: its own spacing and inline comment, the new value."""
        entry = Line.parse(line.text.lstrip(' \t')[1:].lstrip(' \t'), line.eol)
        if entry.key is None:  # '#KEY' alone: no '=' to copy
            return Line.entry(key, self.separator, value, line.eol)
        entry.set_value(value)
        return entry

    def remove(self, key):
        """Remove ``key``'s line; return a Change, or None when it is not set."""
        index = self._single_index(key)
        if index is None:
            return None
        line = self.lines.pop(index)
        if index == len(self.lines) and line.eol == '' and self.lines:
            # The removed line was the last one and had no newline: neither has the new last line.
            self.lines[-1].eol = ''
        return Change('removed', line.key, line.value, None, index + 1)

    def _insert(self, line, insert):
        where, anchor = parse_insert(insert)
        index = self._insert_index(where, anchor)
        if index == len(self.lines) and self.lines and self.lines[-1].eol == '':
            # Appending to a file without a final newline: end the old last line, keep the new one
            # without, so the file keeps its shape.
            self.lines[-1].eol = line.eol
            line.eol = ''
        self.lines.insert(index, line)
        if where != 'before':
            self._cursors[(where, anchor)] = line
        return index

    def _insert_index(self, where, anchor):
        cursor = self._cursors.get((where, anchor))
        if cursor is not None and where != 'bottom':
            return self._index_of(cursor) + 1
        if where == 'bottom':
            return len(self.lines)
        if where == 'top':
            return self._header_end()
        found = self._single_index(anchor)
        if found is None:
            raise KvFileError('insert=%s:%s but %s is not set in the file' % (where, anchor, anchor))
        return found + 1 if where == 'after' else found

    def _index_of(self, line):
        return next(i for i, candidate in enumerate(self.lines) if candidate is line)

    def _header_end(self):
        """Index just after the leading run of comment lines (0 when the file starts otherwise).

        This is where the ProSync CM failover guide puts ``CM_ID`` in the CM tip: under the generated header, above
        ``CM_NAME``.
        """
        index = 0
        while index < len(self.lines) and self.lines[index].is_comment:
            index += 1
        return index


# ---------------------------------------------------------------------------------------------
# Module side: options, files, the shared body of tip_param and prs_agent_cfg
# ---------------------------------------------------------------------------------------------

def edit_argument_spec():
    """The options tip_param and prs_agent_cfg share (each adds how to find its file)."""
    return dict(
        name=dict(type='str', aliases=['key']),
        value=dict(type='raw'),
        params=dict(type='dict'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        insert=dict(type='str', default='bottom'),
        uncomment=dict(type='bool', default=True),
        create=dict(type='bool', default=False),
        backup=dict(type='bool', default=False),
    )


def value_text(value):
    """A value as written in the file: booleans Y/N, numbers as str."""
    if isinstance(value, bool):
        return 'Y' if value else 'N'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise KvFileError('values must be strings, numbers or booleans, not %r' % (value,))


def wanted_from_params(params):
    """{NAME: value text} from the name/value or params options (values are '' for state=absent)."""
    if params['name'] is not None:
        if params['state'] == 'present' and params['value'] is None:
            raise KvFileError('value is required with name when state=present')
        raw = {params['name']: params['value']}
    else:
        raw = params['params']
        if not raw:
            raise KvFileError('params is empty')
    if params['state'] == 'absent':
        return dict((key, '') for key in raw)
    missing = [key for key, value in raw.items() if value is None]
    if missing:
        raise KvFileError('no value given for %s' % ', '.join(missing))
    return dict((key, value_text(value)) for key, value in raw.items())


def decode(data):
    """Bytes -> text that round-trips any byte (legacy EUC-KR comments survive an edit)."""
    return data.decode('utf-8', 'surrogateescape')


def encode(text):
    return text.encode('utf-8', 'surrogateescape')


def displayable(text):
    """Text safe to return as JSON (undecodable bytes shown as U+FFFD)."""
    return encode(text).decode('utf-8', 'replace')


def read_text(path, create=False):
    """Return (text, existed). Raises KvFileError for a missing, unreadable or binary file."""
    if not os.path.lexists(path):
        if create:
            return '', False
        raise KvFileError('%s does not exist (set create=true to create it)' % path)
    if os.path.isdir(path):
        raise KvFileError('%s is a directory, not a KEY=VALUE file' % path)
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise KvFileError('cannot read %s: %s' % (path, exc.strerror or exc))
    binary = BINARY_BYTES_RE.search(data)
    if binary:
        raise KvFileError('%s is not a text KEY=VALUE file (control byte 0x%02x at offset %d); refusing to edit it'
                          % (path, ord(binary.group(0)), binary.start()))
    return decode(data), True


def replace_file(path, text, place):
    """Write ``text`` to a temporary file of ``path``'s directory (created 0600 by mkstemp, fsync'ed), then
    ``place(tmp)`` puts it over ``path``; the temporary file is removed when anything fails."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=directory)
    except (IOError, OSError) as exc:
        raise KvFileError('cannot write in %s: %s' % (directory, exc.strerror or exc))
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(encode(text))
            handle.flush()
            os.fsync(handle.fileno())
        place(tmp)
    except Exception as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise KvFileError('cannot replace %s: %s' % (path, getattr(exc, 'strerror', None) or exc))


def write_file(path, text, mode):
    """Replace ``path`` with ``text`` and ``mode``: the temporary file (replace_file, created 0600) gets ``mode``
    before it is renamed over ``path``, so a file with secrets is never readable by others, not even for a moment."""
    replace_file(path, text, lambda tmp: (os.chmod(tmp, mode), os.rename(tmp, path)))


STATE_FILE_LIMIT = 65536


def read_state_file(path):
    """A small state file of a run written by write_state_file: its text, or None when it does not exist. One
    that cannot be read or is over STATE_FILE_LIMIT bytes (not a file of this collection) raises KvFileError;
    bytes that are not UTF-8 are replaced, never an error."""
    if not os.path.lexists(path):
        return None
    try:
        with open(path, 'rb') as handle:
            data = handle.read(STATE_FILE_LIMIT + 1)
    except (IOError, OSError) as exc:
        raise KvFileError('cannot read the state file %s: %s' % (path, exc.strerror or exc))
    if len(data) > STATE_FILE_LIMIT:
        raise KvFileError('the state file %s is over %d bytes: not a file of this collection'
                          % (path, STATE_FILE_LIMIT))
    return data.decode('utf-8', 'replace')


def write_state_file(path, text):
    """A small state file of a run (a restart marker, an install or retry_cnt record): its directory created
    (0755) when missing, the file replaced whole (write_file), mode 0644."""
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    write_file(path, text, 0o644)


def write_atomic(module, path, text):
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never a part.

    The temporary file (replace_file) is renamed over ``path`` by AnsibleModule.atomic_move, which keeps
    the old file's owner, group, mode and SELinux context (a new file gets the umask's mode and the
    directory's group when it is setgid).
    """
    replace_file(path, text, lambda tmp: module.atomic_move(tmp, path))


def plan_edit(text, wanted, state, insert='bottom', separator='=', uncomment=False):
    """Apply ``wanted`` ({key: value}; values ignored for absent) to ``text``.

    Returns (KvFile, [Change]). Pure: the caller decides whether to write.
    """
    model = KvFile(text, separator=separator)
    changes = []
    for key, value in wanted.items():
        change = model.remove(key) if state == 'absent' else model.set(key, value, insert, uncomment)
        if change is not None:
            changes.append(change)
    return model, changes


def effective_values(model, keys):
    """{key: value without quotes, or None when not set} after the edit."""
    result = {}
    for key in keys:
        value = model.get(key)
        result[key] = None if value is None else displayable(unquote(value))
    return result


def untouched_duplicates(model, keys):
    """Warnings for keys set twice that the task does not act on (those fail in plan_edit)."""
    acted_on = set(key.upper() for key in keys)
    return ['%s is set more than once (lines %s); Tibero reads one of them'
            % (key, ', '.join(str(n) for n in numbers))
            for key, numbers in sorted(model.duplicates().items()) if key.upper() not in acted_on]


def check_keys(keys):
    """Raise KvFileError for a malformed key or one given twice (keys are case-insensitive)."""
    seen = {}
    for key in keys:
        if not KEY_RE.match(key):
            raise KvFileError('%r is not a parameter name (letters, digits, "_" and ".", not starting with a digit)'
                              % (key,))
        if key.upper() in seen:
            raise KvFileError('%s and %s name the same parameter (names are case-insensitive)' % (seen[key.upper()], key))
        seen[key.upper()] = key


def edit_file(module, path, wanted, state, insert='bottom', create=False, backup=False, separator='=',
              uncomment=False):
    """The shared body of tip_param and prs_agent_cfg.

    Returns (result dict for exit_json, edited KvFile). Raises KvFileError; the caller fails with it.
    Nothing is written (and no backup made) in check mode or when nothing changes.
    """
    check_keys(wanted)
    before, existed = read_text(path, create=create)
    try:
        model, changes = plan_edit(before, wanted, state, insert, separator, uncomment)
    except KvFileError as exc:
        raise KvFileError('%s: %s' % (path, exc))
    after = model.render()
    changed = after != before
    result = dict(
        changed=changed,
        path=path,
        restart_required=bool(changes),
        changes=[displayable_change(change) for change in changes],
        params=effective_values(model, wanted),
        commands=[],
    )
    if module._diff:
        result['diff'] = dict(before=displayable(before), after=displayable(after),
                              before_header=path if existed else '%s (absent)' % path, after_header=path)
    if changed and not module.check_mode:
        if backup and existed:
            result['backup_file'] = module.backup_local(path)
        write_atomic(module, path, after)
    for warning in untouched_duplicates(model, wanted):
        module.warn('%s: %s' % (path, warning))
    return result, model


def displayable_change(change):
    data = change.as_dict()
    for field in ('before', 'after'):
        if data[field] is not None:
            data[field] = displayable(data[field])
    return data
