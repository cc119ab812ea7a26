#!/usr/bin/env python3
"""src/lib's layers, enforced: a file in src/lib/LAYER/ may include headers of its own layer and of the
layers below it, never of one beside or above it (src/lib/README.md draws the picture). Also: no file
stays loose in src/lib, and every layer folder has a README.md.
Usage: layers.py SRCDIR. Exit 0 ok, 1 with one line per breach."""
import os, re, sys

# lower number = lower layer; equal numbers are neighbours and may not include each other
RANK = {'util': 0, 'syscalls': 1, 'unit': 2, 'elf': 2, 'manager': 2, 'filter': 3, 'assess': 4, 'sandbox': 4, 'check': 4,
        'learn': 5, 'explain': 5}
src = sys.argv[1] if len(sys.argv) > 1 else '.'
lib = os.path.join(src, 'src', 'lib')
inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
bad = []
for entry in sorted(os.listdir(lib)):
    path = os.path.join(lib, entry)
    if os.path.isfile(path):
        if entry.endswith(('.c', '.h')):
            bad.append(f'src/lib/{entry}: not in a layer folder')
        continue
    if entry not in RANK:
        bad.append(f'src/lib/{entry}/: a folder the layer table does not know (add it to tests/layers.py)')
        continue
    if not os.path.exists(os.path.join(path, 'README.md')):
        bad.append(f'src/lib/{entry}/: no README.md saying what it takes, gives and may include')
    for dp, _, files in os.walk(path):
        for f in sorted(files):
            if not f.endswith(('.c', '.h')) or f.endswith('.bpf.c'):
                continue  # the eBPF program is built for the kernel with its own -I
            fp = os.path.join(dp, f)
            text = open(fp, encoding='utf-8').read()
            for n, line in enumerate(text.splitlines(), 1):
                m = inc.match(line)
                if not m:
                    continue
                target = m.group(1)
                layer = target.split('/')[0]
                if '/' not in target:
                    if target in ('learn.lskel.h', 'vmlinux.h'):
                        continue  # generated in the build directory
                    bad.append(f'{os.path.relpath(fp, src)}:{n}: include "{target}" names no layer')
                    continue
                if layer not in RANK:
                    continue
                if layer != entry and RANK[layer] >= RANK[entry]:
                    bad.append(f'{os.path.relpath(fp, src)}:{n}: {entry}/ includes "{target}", '
                               f'which is {"beside" if RANK[layer] == RANK[entry] else "above"} it')
for b in bad:
    print(b)
print(f'layers: {len(bad)} breach(es)')
sys.exit(1 if bad else 0)
