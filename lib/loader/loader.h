/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to lib/loader/: the simulated kernel and one load attempt on it.
 * loader.c holds the kernel (struct kexport_loader), checks.c the steps
 * before symbols, symbols.c the symbol steps, run.c what a run records
 * (log lines, problems, taints), verdict.c the run itself (load_module()'s
 * order) and the verdicts.
 */
#pragma once

#include <limits.h>
#include <stdarg.h>

#include "libkexport-internal.h"

#define BIT(n) (1ul << (n))

/* What init_module returns, as the kernel spells them (asm-generic/errno). */
enum {
	E_PERM = 1, E_NOENT = 2, E_NOEXEC = 8, E_NOMEM = 12, E_EXIST = 17, E_INVAL = 22,
	E_NODATA = 61, E_BADMSG = 74, E_NOPKG = 65, E_NOKEY = 126, E_KEYREJECTED = 129,
};

/* What changes from one init_module() call to the next. */
struct kstate {
	unsigned long taint;
	bool locks_debugged;   /* debug_locks: cleared by the first unreliable taint */
	bool once_unsigned;    /* pr_notice_once: module verification failed */
	bool once_livepatch;   /* pr_notice_once: tainting kernel with TAINT_LIVEPATCH */
	bool once_no_version;  /* pr_warn_once: no symbol version (mainline) */
};

struct loaded {
	const struct kexport_module *m;
	unsigned long taint;
};


struct kexport_loader {
	struct kexport_ctx *ctx;
	const struct kexport_kernel *kernel;
	const struct kexport_table *exports;
	struct kx_feature_set features;
	/* The configuration as the loader uses it (kernel.c, or assumed). */
	bool modversions, sig, sig_force, allow_missing_ns, force_load, livepatch, retpoline, x86;
	uint16_t machine;    /* elf_check_arch()'s e_machine; 0 when the configuration is unknown */
	const char *vermagic;
	enum kexport_sig_trust trust;
	kexport_owner_fn owner_fn;
	void *owner_data;
	struct kstate st;
	struct kx_vec loaded; /* struct loaded, in load order */
	/* Exports of loaded modules by name (base/index.h): the value is the
	 * export, the item its module's index in `loaded` + 1. */
	struct kx_index loaded_exports;
};

struct run {
	struct kexport_loader *l;
	struct kstate st;
	const struct kexport_module *m;
	const char *name;
	unsigned flags;
	unsigned long mtaint;
	bool using_gplonly;
	const char *first_gplonly;     /* for explanations */
	const char *taint_from;        /* why the module has P: "license", "name", "owner" */
	const char *taint_owner;       /* the proprietary owner it inherited P from */
	bool has_versions;             /* info->index.vers != 0 */
	bool sig_ok;
	const char *sig_note;          /* how the signature was judged (verdict->signature) */
	struct kx_vec log;             /* char * */
	struct kx_vec problems;        /* struct kexport_problem */
	struct kx_vec needs;           /* const char * (arena) */
	struct kx_arena arena;
	bool oom;
	/* The owners this module imports from, looked up once each. */
	struct owner_memo {
		const char *owner;   /* the table's string */
		const char *name;
		unsigned long taint;
		bool refused;
	} owners[16];
	size_t n_owners;
	const char *vmlinux;           /* the table's "vmlinux" string last seen */
};

/* A rule of this kernel's version (rules.c). */
static inline bool feature(const struct kexport_loader *l, enum kexport_feature f)
{
	return kx_feature_set_has(&l->features, f);
}

static inline bool test_taint(const struct run *r, int bit)
{
	return r->st.taint & BIT(bit);
}

/* Owned by the kernel itself?  The table shares one owner string among a
 * run of exports, so after the first this is a pointer comparison. */
static inline bool owned_by_vmlinux(struct run *r, const char *owner)
{
	if (owner == r->vmlinux)
		return true;
	if (owner[0] != 'v' || strcmp(owner, "vmlinux") != 0)
		return false;
	r->vmlinux = owner;
	return true;
}

/* loader.c */
int slots_put(struct kexport_loader *l, uint32_t loaded, const struct kexport_export *e);
/* The loaded export named name: its slot (val the export, item - 1 its module's
 * index in l->loaded), or NULL. */
const struct kx_index_slot *slots_find(const struct kexport_loader *l, const char *name);

/* checks.c */
KX_PRINTF(2, 3) void sig_note(struct run *r, const char *fmt, ...);
int check_signature(struct run *r);
int check_version(struct run *r, const char *sym, const uint32_t *crc, bool has_crc,
                  uint32_t mcrc, enum kexport_reason *why);
int check_layout(struct run *r);
int check_vermagic(struct run *r);
void taint_out_of_tree(struct run *r);
void warn_retpoline(struct run *r);
void taint_staging(struct run *r);
int check_livepatch(struct run *r, bool taint);
void taint_license(struct run *r);
void taint_test(struct run *r);
void taint_unsigned(struct run *r);
int taint_by_name(struct run *r, bool prev);

/* symbols.c (and the ELF and already-loaded checks) */
int simplify_symbols(struct run *r);
int check_duplicates(struct run *r);
bool already_loaded(const struct run *r);
int check_elf(struct run *r);

/* run.c */
__attribute__((format(printf, 2, 0))) char *run_vfmt(struct run *r, const char *fmt, va_list ap);
KX_PRINTF(2, 3) void klog(struct run *r, const char *fmt, ...);
/* fix.c: the fix of a problem, in the run's arena (NULL: out of memory). */
const char *kx_fix_text(struct run *r, const struct kexport_problem *p);
KX_PRINTF(5, 6) void problem(struct run *r, enum kexport_reason reason, bool fatal,
                             const char *sym, const char *fmt, ...);
void add_taint(struct run *r, int bit, bool lockdep_unreliable);
void add_taint_module(struct run *r, int bit, bool lockdep_unreliable);
int force_load(struct run *r, const char *reason);
const struct kexport_version *module_version_entry(const struct kexport_module *m, const char *name);
