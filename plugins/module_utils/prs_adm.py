# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tibero.cm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parser of ``prs_adm`` ``status`` output (ProSync 4 admin console; the ProSync CM failover guide,
section 6; docs/vendor-facts.md PRS-1, PRS-2).

One parser for both ways of asking: ``prs_adm -c status`` prints the listing without a prompt; the
console fed from stdin (``status`` then ``exit``) prints the banner, then the prompt ``Admin> ``
before reading each command. The prompt has no newline after it, so a status line may follow a
prompt on the same line; prompts (and an echoed command) are stripped first. The banner and blank
lines carry nothing. The lines that matter::

    prs_agent ID: agent1, HOST: 172.19.0.11, PORT: 7600, CM_GROUP: CM1, CM_ID: 0 is running
    Instance ID: [TAC2TAC]
    TAC2TAC_ext1 (1) is running (prs_agent ID : agent1, HOST: 172.19.0.11, PORT: 7600)
    TAC2TAC_apply1 is running (prs_agent ID : agent3, HOST: 172.19.0.13, PORT: 7800)
    TAC2TAC_ext1 (1) is not running

Fields are read by name (``KEY: value`` pairs), so an agent line without CM fields (an agent not
under CM) or with extra fields still parses. A line that talks about "running" but cannot be read
is an error: misreading a status line would be worse than failing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

PROMPT_RE = re.compile(r'^(?:\s*Admin>\s?)+')
COMMAND_WORDS = frozenset(('status', 'exit', 'quit'))
AGENT_RE = re.compile(r'^prs_agent\s+(?P<fields>ID\s*:.*?)\s+is\s+(?P<not>not\s+)?running\s*$')
INSTANCE_RE = re.compile(r'^Instance ID:\s*\[(?P<id>[^\]]*)\]\s*$')
PROCESS_RE = re.compile(r'^(?P<name>\S+)(?:\s+\((?P<index>\d+)\))?\s+is\s+(?P<not>not\s+)?running'
                        r'(?:\s+\((?P<fields>[^)]*)\))?\s*$')
FIELD_RE = re.compile(r'^\s*(?P<key>[A-Za-z_][A-Za-z_ ]*?)\s*:\s*(?P<value>.*?)\s*$')
RUNNING_RE = re.compile(r'\brunning\b')


class PrsAdmParseError(Exception):
    """Output that is not a prs_adm status listing; ``raw`` holds the whole text."""

    def __init__(self, msg, raw):
        super(PrsAdmParseError, self).__init__(msg)
        self.raw = raw


def parse_fields(text):
    """``prs_agent ID : agent1, HOST: h, PORT: 7600`` -> {'ID': 'agent1', 'HOST': 'h', 'PORT': '7600'}.

    Keys are upper-cased with blanks removed and a leading ``prs_agent`` dropped, so the process
    line's ``prs_agent ID`` and the agent line's ``ID`` are the same key.
    """
    fields = {}
    for part in text.split(','):
        match = FIELD_RE.match(part)
        if not match:
            return None
        key = match.group('key').upper().replace(' ', '')
        if key.startswith('PRS_AGENT'):
            key = key[len('PRS_AGENT'):]
        fields[key] = match.group('value')
    return fields


def _int_or_none(value):
    if value is None or not re.match(r'^\d+$', value):
        return None
    return int(value)


def parse_agent(line):
    match = AGENT_RE.match(line)
    fields = parse_fields(match.group('fields')) if match else None
    if not fields or 'ID' not in fields:
        return None
    return dict(
        id=fields['ID'],
        host=fields.get('HOST'),
        port=_int_or_none(fields.get('PORT')),
        cm_group=fields.get('CM_GROUP'),
        cm_id=_int_or_none(fields.get('CM_ID')),
        running=not match.group('not'),
    )


def parse_process(line, instance_id):
    match = PROCESS_RE.match(line)
    if not match:
        return None
    fields = {}
    if match.group('fields') is not None:
        fields = parse_fields(match.group('fields'))
        if fields is None:
            return None
    return dict(
        name=match.group('name'),
        index=_int_or_none(match.group('index')),
        running=not match.group('not'),
        agent_id=fields.get('ID'),
        host=fields.get('HOST'),
        port=_int_or_none(fields.get('PORT')),
        instance_id=instance_id,
    )


def strip_prompt(line):
    """Drop leading ``Admin>`` prompts and a command echoed after one."""
    stripped = PROMPT_RE.sub('', line)
    if stripped != line and stripped.strip().lower() in COMMAND_WORDS:
        return ''
    return stripped.strip()


def parse_status(text):
    """Parse the stdout of ``prs_adm -c status``, or of ``prs_adm`` fed ``status``/``exit``.

    Returns {'agents': [...], 'instance_id': str or None, 'instances': [ids], 'processes': [...]}.
    Raises PrsAdmParseError when no agent line is found or a status line cannot be read.
    """
    agents, processes, instances = [], [], []
    for raw_line in (text or '').splitlines():
        line = strip_prompt(raw_line)
        if not line:
            continue
        if line.startswith('prs_agent'):
            agent = parse_agent(line)
            if agent is None:
                raise PrsAdmParseError('cannot read this prs_adm agent line: %r' % line, text)
            agents.append(agent)
            continue
        instance = INSTANCE_RE.match(line)
        if instance:
            instances.append(instance.group('id'))
            continue
        if RUNNING_RE.search(line):
            process = parse_process(line, instances[-1] if instances else None)
            if process is None:
                raise PrsAdmParseError('cannot read this prs_adm status line: %r' % line, text)
            processes.append(process)
        # Anything else is the banner, copyright or a blank: nothing to read.
    if not agents:
        raise PrsAdmParseError('prs_adm printed no "prs_agent ID: ..." line', text)
    return dict(agents=agents, instance_id=instances[0] if instances else None, instances=instances,
                processes=processes)
