#!/bin/sh
# Differential: the effective settings `harden show --systemd=252 --unit FILE` computes for every corpus
# unit must give the same answers as systemd-analyze security 252 gave for that unit
# ($SHARED/corpus/expected-systemd252/*.json): each SystemCallFilter=~@GROUP check (allow/deny list,
# group included or not, and the exact offending syscall systemd names "e.g. X is allowed", found in
# systemd's own group order from `systemd-analyze syscall-filter`), each RestrictNamespaces=~NS check,
# SystemCallArchitectures= and the RestrictAddressFamilies= checks.
set -u
: "${HARDEN:?}" "${SHARED:?}"
for tool in python3 systemd-analyze scmp_sys_resolver; do
	command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool not installed" >&2; exit 77; }
done
. "$(dirname "$0")/corpus-common.sh"
need_corpus "$SHARED/corpus/units" "$SHARED/corpus/expected-systemd252"
# the group order comes from the installed systemd-analyze: it must be the 252 that recorded the corpus
systemd-analyze --version | grep -q '^systemd 252' || { echo "skip: systemd-analyze is not 252" >&2; exit 77; }
[ "$(uname -m)" = x86_64 ] || { echo "skip: the expected output was recorded on x86-64" >&2; exit 77; }
exec python3 - <<'PY'
import glob, json, os, subprocess, sys

H = os.environ['HARDEN']
C = os.environ['SHARED'] + '/corpus'
groups = {}
def group(g):
    """g's syscalls in systemd 252's order (nested groups expanded in place), from systemd itself."""
    if g not in groups:
        lines = subprocess.run(['systemd-analyze', 'syscall-filter', g], capture_output=True, text=True,
                               check=True).stdout.splitlines()[1:]
        names = []
        for l in (l.strip() for l in lines):
            if l and not l.startswith('#'):
                names += group(l) if l.startswith('@') else [l]
        groups[g] = names
    return groups[g]
native = {}
def on_native(n):
    if n not in native:
        r = subprocess.run(['scmp_sys_resolver', n], capture_output=True, text=True).stdout.strip()
        native[n] = r.isdigit()
    return native[n]
def show(u, *extra):
    return subprocess.run([H, 'show', '--systemd=252', *extra, '--unit', u], capture_output=True, text=True)

bad = checks = units = 0
def differ(base, name, systemd, harden):
    global bad
    bad += 1
    print(f'FAIL {base}: {name}: systemd: "{systemd}", harden: "{harden}"', file=sys.stderr)

for j in sorted(glob.glob(C + '/expected-systemd252/*.json')):
    base = os.path.basename(j)[:-5]
    u = next((d + base for d in (C + '/units/', C + '/units-edge/') if os.path.exists(d + base)), None)
    try:
        expected = json.load(open(j))
    except ValueError:
        continue  # systemd refused the unit: nothing to compare
    if u is None:
        continue
    p = show(u)
    if p.returncode != 0:
        differ(base, 'harden show', 'loaded', p.stderr.strip())
        continue
    units += 1
    props = dict(l.split('=', 1) for l in p.stdout.splitlines() if '=' in l)
    f = props['SystemCallFilter']
    allow = not f.startswith('~')
    names = {w.split(':')[0] for w in f.lstrip('~').split()}
    for e in expected:
        n, desc = e['name'], e['description']
        if n.startswith('SystemCallFilter=~@'):
            g = n.split('~', 1)[1]
            if not allow and not names:
                want = 'Service does not filter system calls'
            else:
                off = next((s for s in group(g) if on_native(s) and (s in names) == allow), None)
                lst = 'allow' if allow else 'deny'
                if allow:
                    tail = f'included (e.g. {off} is allowed)' if off else 'not included'
                else:
                    tail = f'not included (e.g. {off} is allowed)' if off else 'included'
                want = f'System call {lst} list defined for service, and {g} is {tail}'
        elif n.startswith('RestrictNamespaces=~'):
            ns, cur = n.split('~', 1)[1], props['RestrictNamespaces']
            allowed = cur == 'no' or (cur != 'yes' and ns in cur.split())
            want = desc if allowed == ('may' in desc) else f'(harden: RestrictNamespaces={cur})'
        elif n == 'SystemCallArchitectures=':
            a = props['SystemCallArchitectures'].split()
            want = ('Service may execute system calls with all ABIs' if not a else
                    'Service may execute system calls only with native ABI' if a == ['native'] else
                    'Service may execute system calls with multiple ABIs')
        elif n.startswith('RestrictAddressFamilies=~'):
            v = props['RestrictAddressFamilies']
            deny, fams = v.startswith('~'), set(v.lstrip('~').split())
            which = {'AF_PACKET': {'AF_PACKET'}, 'AF_NETLINK': {'AF_NETLINK'}, 'AF_UNIX': {'AF_UNIX'},
                     'AF_(INET|INET6)': {'AF_INET', 'AF_INET6'}}.get(n.split('~', 1)[1])
            named = {'AF_PACKET', 'AF_NETLINK', 'AF_UNIX', 'AF_INET', 'AF_INET6'}
            if deny:  # a deny list restricts what it names; "exotic" families it cannot know
                restricted = which is not None and which <= fams
            else:     # an allow list (RestrictAddressFamilies=none included) restricts the rest
                restricted = not (fams & which) if which is not None else not (fams - named)
            want = desc if restricted == ('cannot' in desc) else f'(harden: RestrictAddressFamilies={v})'
        else:
            continue
        checks += 1
        if want != desc:
            differ(base, n, desc, want)
print(f'{units} units, {checks} checks against systemd-analyze security 252, {bad} differ')
sys.exit(1 if bad or units < 100 else 0)
PY
