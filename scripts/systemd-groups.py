#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Read systemd's syscall groups, as facts, from one tag of a git mirror of systemd (issue 29).

    systemd-groups.py extract GITDIR TAG REPO   -> the groups of TAG, in the format below
    systemd-groups.py table GROUPS_TABLE_C DATADIR
                                                -> rewrites the since/until of groups_table.c's rows from
                                                   DATADIR/N.txt for every N but 252, 257, 262 (the
                                                   versions with real outputs, kept as the table has them)
    systemd-groups.py check HARDEN DATADIR CORPUS [GITDIR...]
                                                -> the test systemd-groups-tags (see check())
    systemd-groups.py listing FILE              -> the same format from a `syscall-filter` listing
                                                   (systemd-analyze's or harden's)

Format: '# ' comment lines (where the facts came from), then one line per group, in the table's order:
    @name<TAB>member member ...
members in the table's order. @known's members are the table's own include of syscall-list.txt (the
names systemd knows at that tag). Nothing of systemd's code is kept: only the names.
"""
import re
import subprocess
import sys

MEMBER = re.compile(r'"([^"\\]*)\\0"')
NAME = re.compile(r'\.name\s*=\s*"([^"]*)"')


def git_show(gitdir, tag, path):
    r = subprocess.run(['git', '--git-dir', gitdir, 'show', f'{tag}:{path}'],
                       capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def syscall_list(gitdir, tag):
    for path in ('src/basic/syscall-list.txt', 'src/include/override/sys/syscall-list.txt'):
        t = git_show(gitdir, tag, path)
        if t is not None:
            return [line.strip() for line in t.splitlines() if line.strip()], path
    sys.exit(f'{tag}: no syscall-list.txt')


def extract(gitdir, tag, repo):
    src = git_show(gitdir, tag, 'src/shared/seccomp-util.c')
    if src is None:
        sys.exit(f'{tag}: no src/shared/seccomp-util.c')
    commit = subprocess.run(['git', '--git-dir', gitdir, 'rev-parse', f'{tag}^{{commit}}'],
                            capture_output=True, text=True, check=True).stdout.strip()
    lines = src.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith('const SyscallFilterSet syscall_filter_sets'))
    groups = []  # [name, [members]]
    in_value = False
    known_from = None
    for l in lines[start + 1:]:
        if l.startswith('};'):
            break
        m = NAME.search(l)
        if m:
            groups.append([m.group(1), []])
            in_value = False
            continue
        if '.value' in l:
            in_value = True
        if l.startswith('#include') and 'syscall-list' in l:
            names, known_from = syscall_list(gitdir, tag)
            groups[-1][1].extend(names)
            continue
        if in_value:
            # a comment may follow the name on its line: only the literals before it count
            code = l.split('/*')[0]
            groups[-1][1].extend(MEMBER.findall(code))
    out = [f'# systemd syscall groups at tag {tag} of github:{repo}, commit {commit}',
           '# read from src/shared/seccomp-util.c (syscall_filter_sets)'
           + (f' and {known_from} (@known)' if known_from else '')
           + ' by scripts/systemd-groups.py']
    for name, members in groups:
        out.append(name + '\t' + ' '.join(members))
    return out


def listing(path):
    out, cur = [], None
    with open(path) as f:
        for l in f:
            l = l.rstrip('\n')
            if not l.strip():
                continue
            if l.startswith('@'):
                cur = [l.strip(), []]
                out.append(cur)
            elif l.lstrip().startswith('#'):
                continue
            elif cur is not None and l.startswith(' '):
                cur[1].append(l.strip())
    return [n + '\t' + ' '.join(m) for n, m in out]


def load(path):
    """A file in the format above -> {group: [members]}."""
    with open(path) as f:
        return {l.split('\t')[0]: l.rstrip('\n').split('\t')[1].split()
                for l in f if l.strip() and not l.startswith('#')}


ROW = re.compile(r'^(\s*)\{ \.name = "([^"]+)"(?:, \.since = (\d+))?(?:, \.until = (\d+))? \},$')
ARRAY = re.compile(r'^static const struct hd_group_member (\w+)\[\] = \{$')
TABLE = re.compile(r'\{ \.name = "(@[^"]+)",.*\.members = (\w+)')
FIRST, LAST = 252, 262


def table(path, datadir):
    """Rewrite the since/until of groups_table.c's member rows: 252, 257 and 262 as the table has them
    (their real outputs), every other version from DATADIR/N.txt (extracted above)."""
    import os
    with open(path) as f:
        lines = f.read().split('\n')
    arrays = {m.group(2): m.group(1) for m in (TABLE.search(l) for l in lines) if m}
    data = {}
    for v in range(FIRST, LAST + 1):
        p = os.path.join(datadir, f'{v}.txt')
        if v not in (252, 257, 262):
            data[v] = load(p)
    out, group, done = [], None, {}
    for l in lines:
        m = ARRAY.match(l)
        if m:
            group = arrays.get(m.group(1))
            done = {}
            out.append(l)
            continue
        m = ROW.match(l)
        if not m or group is None:
            if l.startswith('};'):
                if group is not None:
                    for v, d in data.items():
                        for name in d.get(group, []):
                            if name not in done:
                                sys.exit(f'{group}: {name} (systemd {v}) has no row in the table: add one')
                group = None
            out.append(l)
            continue
        indent, name = m.group(1), m.group(2)
        since, until = int(m.group(3) or 0), int(m.group(4) or 0)
        if name in done:  # a further row of the same member: already merged into the first
            continue
        present = set()
        for v in range(FIRST, LAST + 1):
            if v in data and group in data[v]:
                if name in data[v][group]:
                    present.add(v)
            elif v in data:  # no such group in v (@sandbox before 254): the group's own bounds decide
                present.add(v)
            elif (not since or v >= since) and (not until or v <= until):
                present.add(v)
        # the other rows of this member in this array (a member that left and came back)
        done[name] = True
        ranges, start = [], None
        for v in range(FIRST, LAST + 2):
            if v in present and start is None:
                start = v
            elif v not in present and start is not None:
                ranges.append((start, v - 1))
                start = None
        if not ranges:
            sys.exit(f'{group}: {name} is in no modelled version')
        for a, b in ranges:
            row = f'{indent}{{ .name = "{name}"'
            if a != FIRST:
                row += f', .since = {a}'
            if b != LAST:
                row += f', .until = {b}'
            out.append(row + ' },')
    with open(path, 'w') as f:
        f.write('\n'.join(out))


def check(harden, datadir, corpus, gitdirs):
    """The test systemd-groups-tags: harden's listing of every version read from a tag equals the
    tag's groups; 257's extraction equals the real 257's listing (the script reads the source right);
    and between consecutive versions a group changes in harden only where it changes in the source."""
    import os
    import tempfile
    fails = []

    def harden_groups(v):
        with tempfile.NamedTemporaryFile('w+') as f:
            r = subprocess.run([harden, 'syscall-filter', f'--systemd={v}'], stdout=f,
                               stderr=subprocess.DEVNULL)
            if r.returncode != 0:
                fails.append(f'harden syscall-filter --systemd={v}: exit {r.returncode}')
            f.flush()
            return {l.split('\t')[0]: l.split('\t')[1].split() for l in listing(f.name)}

    got, src = {}, {}
    for v in range(FIRST, LAST + 1):
        got[v] = harden_groups(v)
        p = os.path.join(datadir, f'{v}.txt')
        if os.path.exists(p):
            with open(p) as f:
                head = f.readline()
            m = re.match(r'# systemd syscall groups at tag (\S+) of github:(\S+), commit ([0-9a-f]{40})$', head)
            if not m:
                fails.append(f'{p}: the first line does not name the tag, repository and commit')
            elif gitdirs:
                # re-read the tag where a mirror of that repository is at hand
                for g in gitdirs:
                    if subprocess.run(['git', '--git-dir', g, 'cat-file', '-e', m.group(3)],
                                      capture_output=True).returncode == 0:
                        again = extract(g, m.group(3), m.group(2))
                        with open(p) as f:
                            stored = [l for l in f.read().splitlines() if not l.startswith('#')]
                        if [l for l in again if not l.startswith('#')] != stored:
                            fails.append(f'{p}: differs from what {m.group(3)} holds')
                        break
            src[v] = load(p)
        elif v in (257, 262):
            src[v] = {l.split('\t')[0]: l.split('\t')[1].split()
                      for l in listing(os.path.join(corpus, f'expected-systemd{v}', 'syscall-filter.txt'))}
    for v in range(FIRST, LAST + 1):
        if v not in src:
            continue
        for g in sorted(set(src[v]) | set(got[v])):
            if src[v].get(g) != got[v].get(g):
                a, b = set(src[v].get(g, [])), set(got[v].get(g, []))
                fails.append(f'systemd {v} {g}: harden differs from the source '
                             f'(missing {sorted(a - b)}, extra {sorted(b - a)}, or the order)')
    # 257 and 262: the stored extraction equals the real program's listing
    for v in (257, 262):
        p = os.path.join(datadir, f'{v}.txt')
        if os.path.exists(p):
            real = {l.split('\t')[0]: l.split('\t')[1].split()
                    for l in listing(os.path.join(corpus, f'expected-systemd{v}', 'syscall-filter.txt'))}
            if load(p) != real:
                fails.append(f'{p}: the extraction differs from the real systemd {v} listing')
    changes = 0
    for v in range(FIRST + 1, LAST + 1):
        a = src.get(v - 1, got[v - 1]) if v - 1 != FIRST else got[FIRST]
        for g in sorted(set(got[v]) | set(got[v - 1])):
            if got[v].get(g) != got[v - 1].get(g):
                changes += 1
                if a.get(g) == src.get(v, got[v]).get(g):
                    fails.append(f'{g} changes from {v - 1} to {v} in harden but not in the source')
    for f in fails:
        print('FAIL:', f, file=sys.stderr)
    print(f'{LAST - FIRST + 1} versions, {len(src)} with source, {changes} group changes between versions')
    return 1 if fails else 0


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == 'check':
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
    if len(sys.argv) == 5 and sys.argv[1] == 'extract':
        print('\n'.join(extract(sys.argv[2], sys.argv[3], sys.argv[4])))
    elif len(sys.argv) == 4 and sys.argv[1] == 'table':
        table(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == 'listing':
        print('\n'.join(listing(sys.argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
