#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build the git repository `kexport history` is tested on, and its record.

    history-repo.py SRC OUT

SRC is an unpacked linux-source-6.1 tree.  OUT/repo becomes a git
repository: SRC committed as tag v6.1, then a scripted series of commits
and tags (v6.2 ... v6.12, so that version order and name order differ) that
add, remove, retype, namespace and move exports, with multi-line macros,
a file's own #define DEFAULT_SYMBOL_NAMESPACE and a Makefile's ccflags-y,
and untagged commits around every change so that --commits has to bisect.

OUT/expected.json is the record, written as the edits are made, from the
edits themselves (not from kexport):
  tags:    [{name, commit}]
  symbols: {name: {"before": [site...] (its sites at v6.1, [] when new),
                   "events": [{tag, changes: [class...], sites: [site...], commit}]}}
  a site is {path, kind ("plain" or "gpl"), ns ("" when none)}.
Every edit checks that the text it replaces is there exactly once, so a
different source tree makes this script fail, not the test pass.
"""
import json
import os
import re
import shutil
import subprocess
import sys

src, out = sys.argv[1], sys.argv[2]
repo = os.path.join(out, 'repo')
env = dict(os.environ, GIT_AUTHOR_NAME='kexport test', GIT_AUTHOR_EMAIL='test@kexport',
           GIT_COMMITTER_NAME='kexport test', GIT_COMMITTER_EMAIL='test@kexport',
           GIT_CONFIG_GLOBAL='/dev/null', GIT_CONFIG_NOSYSTEM='1')
stamp = [1672000000]


def git(*args, capture=False):
    stamp[0] += 3600
    e = dict(env, GIT_AUTHOR_DATE=f'{stamp[0]} +0000', GIT_COMMITTER_DATE=f'{stamp[0]} +0000')
    r = subprocess.run(['git', '-C', repo] + list(args), env=e, check=True,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return r.stdout.decode().strip() if capture else None


def path(p):
    return os.path.join(repo, p)


def write(p, text):
    """Replace the file (never write through: the tree is hard-linked to SRC)."""
    full = path(p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tmp = full + '.kx-tmp'
    with open(tmp, 'w', encoding='utf-8', errors='surrogateescape') as f:
        f.write(text)
    os.replace(tmp, full)


def read(p):
    with open(path(p), encoding='utf-8', errors='surrogateescape') as f:
        return f.read()


def replace(p, old, new):
    text = read(p)
    n = text.count(old)
    if n != 1:
        sys.exit(f'history-repo: {p}: expected exactly one "{old}", found {n}')
    write(p, text.replace(old, new))


record = {'tags': [], 'symbols': {}}
pending = []        # events made since the last tag: (name, changes, sites, commit)
touched_now = set()  # symbols changed since the last tag (one change per tag each)


def site(p, kind, ns=''):
    return {'path': p, 'kind': kind, 'ns': ns}


def sym(name, before):
    """Declare a symbol the script changes, with its sites at v6.1."""
    if name not in record['symbols']:
        record['symbols'][name] = {'before': before, 'events': []}


def commit(msg, changes=()):
    """Commit everything; `changes` are (name, [class...], [site...]) it makes."""
    git('add', '-A', '-f')
    git('commit', '-q', '--allow-empty', '-m', msg)
    head = git('rev-parse', 'HEAD', capture=True)
    for name, classes, sites in changes:
        if name in touched_now:
            sys.exit(f'history-repo: {name} changed twice before one tag (script error)')
        touched_now.add(name)
        pending.append((name, classes, sites, head))
    return head


def tag(name, annotated=False):
    if annotated:
        git('tag', '-a', '-m', name, name)
    else:
        git('tag', name)
    record['tags'].append({'name': name, 'commit': git('rev-parse', 'HEAD', capture=True)})
    for n, classes, sites, head in pending:
        record['symbols'][n]['events'].append(
            {'tag': name, 'changes': sorted(classes), 'sites': sites, 'commit': head})
    pending.clear()
    touched_now.clear()


def filler(n):
    """An untagged commit that changes no export (a comment line in a file
    that has exports, so its blob changes and its lines move)."""
    replace('mm/util.c', '#include <linux/mm.h>\n', f'#include <linux/mm.h>\n/* filler {n} */\n')
    commit(f'filler {n}')


# --- v6.1: the tree as it is ---------------------------------------------
if os.path.exists(out):
    shutil.rmtree(out)
os.makedirs(out)
subprocess.run(['cp', '-al', src, repo], check=True)
subprocess.run(['git', 'init', '-q', repo], check=True, env=env)
git('config', 'core.autocrlf', 'false')
git('config', 'gc.auto', '0')
commit('v6.1 as Debian ships it')
tag('v6.1', annotated=True)

usb_dir = 'drivers/usb/storage'
usb = {}
for f in sorted(os.listdir(path(usb_dir))):
    if f.endswith('.c'):
        for m in re.finditer(r'^EXPORT_SYMBOL(_GPL)?\((\w+)\);', read(f'{usb_dir}/{f}'), re.M):
            usb[m.group(2)] = site(f'{usb_dir}/{f}', 'gpl' if m.group(1) else 'plain', 'USB_STORAGE')
if len(usb) < 20:
    sys.exit(f'history-repo: only {len(usb)} exports found in {usb_dir}')

# --- v6.2: retype plain -> GPL, a new file with a multi-line macro --------
sym('unmap_mapping_range', [site('mm/memory.c', 'plain')])
filler(1)
replace('mm/memory.c', 'EXPORT_SYMBOL(unmap_mapping_range);', 'EXPORT_SYMBOL_GPL(unmap_mapping_range);')
commit('mm: unmap_mapping_range GPL-only',
       [('unmap_mapping_range', ['kind_tightened'], [site('mm/memory.c', 'gpl')])])
filler(2)
sym('kx_hist_a', [])
sym('kx_hist_b', [])
write('lib/kx_hist.c', '// SPDX-License-Identifier: GPL-2.0\n#include <linux/export.h>\n\n'
      'int kx_hist_a(void) { return 1; }\nEXPORT_SYMBOL(kx_hist_a);\n\n'
      'int kx_hist_b(void) { return 2; }\nEXPORT_SYMBOL_GPL(\n\tkx_hist_b\n);\n'
      '/* EXPORT_SYMBOL(kx_hist_not_an_export) is only a comment */\n')
commit('lib: kx_hist', [('kx_hist_a', ['added'], [site('lib/kx_hist.c', 'plain')]),
                        ('kx_hist_b', ['added'], [site('lib/kx_hist.c', 'gpl')])])
filler(3)
tag('v6.2')

# --- v6.3: removal, GPL -> plain inside a namespace ------------------------
sym('__rcu_read_lock', [site('kernel/rcu/tree_plugin.h', 'gpl')])
sym('dma_buf_get', [site('drivers/dma-buf/dma-buf.c', 'gpl', 'DMA_BUF')])
replace('kernel/rcu/tree_plugin.h', 'EXPORT_SYMBOL_GPL(__rcu_read_lock);\n', '')
commit('rcu: stop exporting __rcu_read_lock', [('__rcu_read_lock', ['removed'], [])])
filler(4)
replace('drivers/dma-buf/dma-buf.c', 'EXPORT_SYMBOL_NS_GPL(dma_buf_get, DMA_BUF);',
        'EXPORT_SYMBOL_NS(dma_buf_get, DMA_BUF);')
commit('dma-buf: dma_buf_get for everyone',
       [('dma_buf_get', ['kind_loosened'], [site('drivers/dma-buf/dma-buf.c', 'plain', 'DMA_BUF')])])
tag('v6.3', annotated=True)

# --- v6.4: namespace added, namespace changed (multi-line) -----------------
sym('kstrdup', [site('mm/util.c', 'plain')])
sym('dma_buf_put', [site('drivers/dma-buf/dma-buf.c', 'gpl', 'DMA_BUF')])
filler(5)
replace('mm/util.c', 'EXPORT_SYMBOL(kstrdup);', 'EXPORT_SYMBOL_NS(kstrdup, KX_STR);')
commit('mm: kstrdup in a namespace', [('kstrdup', ['ns_added'], [site('mm/util.c', 'plain', 'KX_STR')])])
filler(6)
replace('drivers/dma-buf/dma-buf.c', 'EXPORT_SYMBOL_NS_GPL(dma_buf_put, DMA_BUF);',
        'EXPORT_SYMBOL_NS_GPL(dma_buf_put,\n\t\t     DMA_BUF_CORE);')
commit('dma-buf: dma_buf_put in DMA_BUF_CORE',
       [('dma_buf_put', ['ns_changed'], [site('drivers/dma-buf/dma-buf.c', 'gpl', 'DMA_BUF_CORE')])])
tag('v6.4')

# --- v6.5: a file moves ------------------------------------------------------
filler(7)
os.makedirs(path('lib/kx'), exist_ok=True)
os.rename(path('lib/kx_hist.c'), path('lib/kx/kx_hist.c'))
commit('lib: kx_hist moves', [('kx_hist_a', ['moved'], [site('lib/kx/kx_hist.c', 'plain')]),
                              ('kx_hist_b', ['moved'], [site('lib/kx/kx_hist.c', 'gpl')])])
filler(8)
tag('v6.5')

# --- v6.6: #define DEFAULT_SYMBOL_NAMESPACE in the file ---------------------
replace('lib/kx/kx_hist.c', '#include <linux/export.h>\n',
        '#define DEFAULT_SYMBOL_NAMESPACE KX_FILE\n#include <linux/export.h>\n')
commit('lib: kx_hist in a namespace of its own',
       [('kx_hist_a', ['ns_added'], [site('lib/kx/kx_hist.c', 'plain', 'KX_FILE')]),
        ('kx_hist_b', ['ns_added'], [site('lib/kx/kx_hist.c', 'gpl', 'KX_FILE')])])
filler(9)
filler(10)
tag('v6.6')

# --- v6.7: Makefile ccflags-y: a new directory, and usb-storage renamed ------
sym('kx_mk_one', [])
write('lib/kxmk/Makefile', '# SPDX-License-Identifier: GPL-2.0\nobj-y += one.o\n'
      'ccflags-y += -DDEFAULT_SYMBOL_NAMESPACE=KX_MK\n')
write('lib/kxmk/one.c', '#include <linux/export.h>\nvoid kx_mk_one(void) {}\nEXPORT_SYMBOL_GPL(kx_mk_one);\n')
commit('lib: kxmk', [('kx_mk_one', ['added'], [site('lib/kxmk/one.c', 'gpl', 'KX_MK')])])
filler(11)
for n, s in usb.items():
    sym(n, [s])
replace(f'{usb_dir}/Makefile', 'ccflags-y += -DDEFAULT_SYMBOL_NAMESPACE=USB_STORAGE',
        'ccflags-y += -DDEFAULT_SYMBOL_NAMESPACE=USB_MASS_STORAGE')
commit('usb-storage: namespace USB_MASS_STORAGE',
       [(n, ['ns_changed'], [dict(s, ns='USB_MASS_STORAGE')]) for n, s in usb.items()])
tag('v6.7', annotated=True)

# --- v6.8: the file's #define goes, a removed export comes back --------------
replace('lib/kx/kx_hist.c', '#define DEFAULT_SYMBOL_NAMESPACE KX_FILE\n', '')
commit('lib: kx_hist out of its namespace',
       [('kx_hist_a', ['ns_removed'], [site('lib/kx/kx_hist.c', 'plain')]),
        ('kx_hist_b', ['ns_removed'], [site('lib/kx/kx_hist.c', 'gpl')])])
filler(12)
replace('kernel/rcu/tree_plugin.h', 'void __rcu_read_lock(void)\n{',
        'EXPORT_SYMBOL_GPL(__rcu_read_lock);\nvoid __rcu_read_lock(void)\n{')
commit('rcu: export __rcu_read_lock again',
       [('__rcu_read_lock', ['added'], [site('kernel/rcu/tree_plugin.h', 'gpl')])])
tag('v6.8')

# --- v6.9: multi-line GPL -> plain; one of two sites retyped (mixed) ---------
sym('vmalloc_to_page', [site('mm/nommu.c', 'plain'), site('mm/vmalloc.c', 'plain')])
filler(13)
replace('lib/kx/kx_hist.c', 'EXPORT_SYMBOL_GPL(\n\tkx_hist_b\n);', 'EXPORT_SYMBOL(\n\tkx_hist_b\n);')
commit('lib: kx_hist_b for everyone',
       [('kx_hist_b', ['kind_loosened'], [site('lib/kx/kx_hist.c', 'plain')])])
replace('mm/vmalloc.c', 'EXPORT_SYMBOL(vmalloc_to_page);', 'EXPORT_SYMBOL_GPL(vmalloc_to_page);')
commit('mm: vmalloc_to_page GPL-only with MMU',
       [('vmalloc_to_page', ['kind_changed'], [site('mm/nommu.c', 'plain'), site('mm/vmalloc.c', 'gpl')])])
tag('v6.9')

# --- v6.10: a GPL flip deep in a run of commits; an assembler export ---------
sym('kmalloc_large', [site('mm/slab_common.c', 'plain')])
sym('kx_asm_sym', [])
for i in range(14, 20):
    filler(i)
replace('mm/slab_common.c', 'EXPORT_SYMBOL(kmalloc_large);', 'EXPORT_SYMBOL_GPL(kmalloc_large);')
commit('mm: kmalloc_large GPL-only',
       [('kmalloc_large', ['kind_tightened'], [site('mm/slab_common.c', 'gpl')])])
for i in range(20, 23):
    filler(i)
write('arch/x86/lib/kx_asm.S', '#include <linux/linkage.h>\n#include <linux/export.h>\n'
      'SYM_FUNC_START(kx_asm_sym)\n\tRET\nSYM_FUNC_END(kx_asm_sym)\nEXPORT_SYMBOL(kx_asm_sym)\n')
commit('x86: kx_asm_sym', [('kx_asm_sym', ['added'], [site('arch/x86/lib/kx_asm.S', 'plain')])])
tag('v6.10')

# --- v6.11: a whole exporting file deleted; retype and move at once ----------
os.remove(path('lib/kxmk/one.c'))
commit('lib: kxmk gone', [('kx_mk_one', ['removed'], [])])
filler(23)
replace('lib/kx/kx_hist.c', 'int kx_hist_a(void) { return 1; }\nEXPORT_SYMBOL(kx_hist_a);\n', '')
write('lib/kx_hist_a.c', '#include <linux/export.h>\nint kx_hist_a(void) { return 1; }\n'
      'EXPORT_SYMBOL_GPL(kx_hist_a);\n')
commit('lib: kx_hist_a on its own, GPL-only',
       [('kx_hist_a', ['kind_tightened', 'moved'], [site('lib/kx_hist_a.c', 'gpl')])])
tag('v6.11')

# --- v6.12: only fillers (no change at all) ----------------------------------
filler(24)
tag('v6.12')

# Tags that the default selection leaves out.
git('tag', 'v6.13-rc1')
git('tag', 'not-a-version')

# One pack, as a real clone has (deltas included).
git('repack', '-a', '-d', '-q')
with open(os.path.join(out, 'expected.json'), 'w') as f:
    json.dump(record, f, indent=1, sort_keys=True)
print(out)
