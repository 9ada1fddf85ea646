#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The two shared libraries, as a program that links them sees them:
#  - libkexport.so.2 needs neither libgit2 nor SQLite (libkexport-history
#    brings them, to the programs that ask for history);
#  - each exports exactly what its .sym file lists, and every function its
#    public header declares;
#  - a program built against the installed-style headers and linked with
#    both libraries runs: a context, a tag comparison, and history's error for a directory that is no repository.
#
#   shared-libs.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

core=$build/libkexport.so.2 hist=$build/libkexport-history.so.2
[ -f "$core" ] || fail "$core: not built"
[ -f "$hist" ] || fail "$hist: not built"

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
needed "$core" > "$tmp/core.needed"
if grep -E 'git2|sqlite' "$tmp/core.needed"; then
	fail "libkexport.so.2 links libgit2 or SQLite"
fi
needed "$hist" > "$tmp/hist.needed"
grep -q git2 "$tmp/hist.needed" || fail "libkexport-history.so.2 does not link libgit2"
grep -q sqlite "$tmp/hist.needed" || fail "libkexport-history.so.2 does not link SQLite"

# exports == the .sym list; header declarations are a subset of it
check_exports() { # LIB SYMFILE HEADER
	nm -D --defined-only "$1" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u > "$tmp/exp"
	grep -oE '^[[:space:]]+kexport_[a-z0-9_]+;' "$2" | tr -d ' \t;' | sort -u > "$tmp/sym"
	[ -s "$tmp/sym" ] || fail "$2: no symbols read"
	diff -u "$tmp/sym" "$tmp/exp" > "$tmp/d" || { cat "$tmp/d" >&2; fail "$1 exports differ from $2"; }
	# a declaration: a line (not a comment) naming kexport_X( at a word start
	grep -vE '^[[:space:]]*(\*|/\*)' "$3" | grep -oE '\bkexport_[a-z0-9_]+\(' | tr -d '(' |
		sort -u > "$tmp/decl"
	comm -23 "$tmp/decl" "$tmp/exp" > "$tmp/missing"
	[ ! -s "$tmp/missing" ] || fail "$3 declares what $1 does not export: $(tr '\n' ' ' < "$tmp/missing")"
	echo "$1: $(wc -l < "$tmp/exp") functions, as $2 lists them"
}
check_exports "$core" "$src/lib/libkexport.sym" "$src/lib/libkexport.h"
check_exports "$hist" "$src/lib/history/libkexport-history.sym" "$src/lib/kexport-history.h"

cat > "$tmp/user.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <kexport-history.h>
static unsigned n_diag;
static char diag_path[64];
static void diag(void *data, const char *path, int err, const char *msg)
{
	(void)data, (void)err, (void)msg;
	n_diag++;
	snprintf(diag_path, sizeof(diag_path), "%s", path);
}
int main(void)
{
	struct kexport_ctx *ctx = NULL;
	if (kexport_ctx_new(&ctx) < 0)
		return 10;
	if (kexport_tag_version_cmp("v6.9", "v6.10") >= 0)
		return 11;
	/* libkexport-history reports through the context libkexport made:
	 * its message is the thread's last error, read with libkexport */
	struct kexport_history *h = NULL;
	int r = kexport_history_open(ctx, "/", NULL, &h);
	const char *err = kexport_ctx_last_error(ctx);
	if (r != -ENOENT || h || !err[0])
		return 12;
	printf("history: %s\n", err);
	/* and once to the callback, for the repository */
	kexport_ctx_set_diag(ctx, diag, NULL);
	r = kexport_history_open(ctx, "/", NULL, &h);
	if (r != -ENOENT || n_diag != 1 || strcmp(diag_path, "/") != 0 ||
	    kexport_ctx_bad_inputs(ctx) != 2)
		return 13;
	kexport_ctx_free(ctx);
	return 0;
}
C
mkdir "$tmp/include"
cp "$src/lib/libkexport.h" "$src/lib/kexport-history.h" "$tmp/include/"
$CC ${SANITIZE:-} -std=c11 -Wall -Wextra -Werror -I"$tmp/include" "$tmp/user.c" -o "$tmp/user" \
	-L"$build" -lkexport-history -lkexport -Wl,-rpath,"$build" || fail "a program using both headers does not build"
needed "$tmp/user" | grep -q '^libkexport.so.2$' || fail "the program does not need libkexport.so.2"
"$tmp/user" > "$tmp/user.out" || fail "the program exited $?"
grep -q "not a git repository" "$tmp/user.out" || fail "history open of / said: $(cat "$tmp/user.out")"
echo "a program linked with both libraries runs: $(cat "$tmp/user.out")"
echo "PASS"
