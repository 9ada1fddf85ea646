/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Judging a whole corpus of modules against one loader, as modprobe would
 * load them (owners' refusals and taints carried to their importers), on
 * every CPU.  Used by audit, and twice by whatif: the second pass reuses
 * the first pass's verdicts of the modules an edit cannot have changed.
 */
#pragma once
#include "kexport.h"

/* A first-pass check of module `from` asked about owner `to`. */
struct cli_edge {
	size_t from, to;
};

struct cli_judge {
	/* set by the caller */
	struct kexport_loader *loader;
	struct kexport_module **mods;
	size_t n;
	const size_t *owner_idx;        /* cli_owner_index() of mods */
	unsigned flags;
	/*
	 * A second pass: `before` is the first pass (run with record_owners),
	 * `touched[i]` set for the modules importing or exporting an edited
	 * symbol.  Any other module is judged again only when a module owning
	 * one of its imports changed verdict (loads, or taint); otherwise it
	 * keeps the first pass's verdict.
	 */
	const struct cli_judge *before;
	const unsigned char *touched;
	/* set by the caller of a first pass: record which owners each module's
	 * verdict asked about (what a second pass needs) */
	bool record_owners;
	/* results */
	struct kexport_verdict **verdicts;
	unsigned char *state;           /* 0 not yet, 1 in progress, 2 judged, 3 reused */
	struct cli_edge *edges;          /* with record_owners: sorted by from */
	size_t n_edges;
	bool speculate;                 /* first pass, first round: every owner loads */
	bool oom;
};

/* Modules by owner name (for cli_find_owner); free() it; NULL on ENOMEM. */
size_t *cli_owner_index(struct kexport_module **mods, size_t n);
long cli_find_owner(struct kexport_module *const *mods, const size_t *idx, size_t n,
                   const char *owner);
/* Judge every module; sets the loader's owner callback.  < 0 on ENOMEM. */
int cli_judge_run(struct cli_judge *j);
/* Verdicts this pass computed itself (not reused). */
size_t cli_judge_checked(const struct cli_judge *j);
void cli_judge_free(struct cli_judge *j);
/* The kernel of a /lib/modules/RELEASE tree: its image, else
 * build/Module.symvers; malloc'd, NULL when there is none. */
char *cli_tree_kernel(const char *dir);
