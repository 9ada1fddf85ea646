/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What one load attempt records as it goes: the lines the kernel prints,
 * the problems found, the taints added (with add_taint()'s lock-debugging
 * side effect), and try_to_force_load().  Every step (checks.c,
 * symbols.c) writes through these; verdict.c turns them into a verdict.
 */
#include "loader.h"

__attribute__((format(printf, 2, 0)))
char *run_vfmt(struct run *r, const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0) {
		r->oom = true;
		return NULL;
	}
	const char *a = kx_arena_strdup(&r->arena, s);
	free(s);
	if (!a)
		r->oom = true;
	return (char *)a;
}

/* A line the kernel prints (the format's trailing newline dropped). */
KX_PRINTF(2, 3) void klog(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = run_vfmt(r, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	size_t n = strlen(s);
	if (n && s[n - 1] == '\n')
		s[n - 1] = '\0';
	const char **slot = kx_vec_push(&r->log);
	if (!slot)
		r->oom = true;
	else
		*slot = s;
}

KX_PRINTF(5, 6)
void problem(struct run *r, enum kexport_reason reason, bool fatal, const char *sym,
                    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = run_vfmt(r, fmt, ap);
	va_end(ap);
	struct kexport_problem *p = kx_vec_push(&r->problems);
	if (!p || !s) {
		r->oom = true;
		return;
	}
	p->reason = reason;
	p->fatal = fatal;
	p->symbol = sym ? kx_arena_strdup(&r->arena, sym) : NULL;
	p->explanation = s;
}

/* add_taint(): the first unreliable taint turns lock debugging off, loudly. */
void add_taint(struct run *r, int bit, bool lockdep_unreliable)
{
	if (lockdep_unreliable && r->st.locks_debugged) {
		r->st.locks_debugged = false;
		klog(r, "Disabling lock debugging due to kernel taint");
	}
	r->st.taint |= BIT(bit);
}

void add_taint_module(struct run *r, int bit, bool lockdep_unreliable)
{
	add_taint(r, bit, lockdep_unreliable);
	r->mtaint |= BIT(bit);
}

/* try_to_force_load(): 0, or -ENOEXEC without CONFIG_MODULE_FORCE_LOAD. */
int force_load(struct run *r, const char *reason)
{
	if (!r->l->force_load)
		return -E_NOEXEC;
	if (!test_taint(r, KEXPORT_TAINT_FORCED))
		klog(r, "%s: %s: kernel tainted.", r->name, reason);
	add_taint_module(r, KEXPORT_TAINT_FORCED, true);
	return 0;
}

/* Only ever asked for module_layout: a KEXPORT_MODEL_VERDICT module keeps
 * no other entry (module.c), so a check that wants another must keep it there. */
const struct kexport_version *module_version_entry(const struct kexport_module *m,
                                                  const char *name)
{
	for (size_t i = 0; i < m->n_versions; i++)
		if (!m->versions[i].extended && strcmp(m->versions[i].name, name) == 0)
			return &m->versions[i];
	return NULL;
}
