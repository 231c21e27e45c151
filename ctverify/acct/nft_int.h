/* nft_int.h - what the files of the nft backend share (private to it).
 *
 *   nft_backend.c  the backend's table of functions
 *   nft_present.c  what of ours is in the kernel now (names)
 *   nft_model.c    what a spec becomes: chains, rules, sets, counters
 *   nft_install.c  install and remove: one batch each
 *   nft_read.c     the counters, in one dump
 *   nft_check.c    the kernel's objects compared with the model
 *   nft_quick.c    other tables: in use, and their input/output counters
 *   nft_describe.c the model as text (rules, --dry-run)
 */
#ifndef CTV_NFT_INT_H
#define CTV_NFT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <linux/netfilter.h>

#include "backend.h"
#include "nfnl.h"

struct nftnl_rule;
struct nftnl_set;

#define NFTB_TABLE "ctverify"
#define NFTB_FAMILY NFPROTO_INET
#define NFTB_PRIO_IN (-150)
#define NFTB_PRIO_OUT 300
#define NFTB_PRIO_MARK (-150)

enum dir { DIR_IN, DIR_OUT };
extern const char *const nftb_dir_name[2]; /* "in", "out" */

/* Lists of names are struct nfnl_names (nfnl.h). */

/* What of ours the kernel has now. */
struct present {
	int table;
	struct nfnl_names chains, sets, counters;
};

/* Lists our table, chains, sets and counters. Returns 0 (p->table 0 when
 * the table is absent), or -1 with err. */
int nftb_present_read(struct nfnl *nl, struct present *p, struct ctv_err *err);
void nftb_present_free(struct present *p);

/* What a spec becomes. */
struct model_chain {
	const char *name;
	uint32_t hook;
	int prio;
	struct nftnl_rule **rules;
	size_t n;
};

struct model {
	struct model_chain chains[3]; /* in, out, owner_mark */
	size_t n_chains;
	struct nftnl_set **sets;
	size_t n_sets;
	struct nfnl_names counters;
	uint32_t set_id;
	int with_ids; /* batch-local ids (install) or not (compare with a dump) */
	int failed;   /* an allocation failed: the model is not used */
};

/* The named counter of class cls in direction d: "class_N_in" or
 * "class_N_out" (service counters all start with in_ or out_). */
void nftb_class_counter_name(int cls, enum dir d, char *buf, size_t len);

/* For a class counter name: the bucket ("class:N") into buf and 1 for in,
 * 0 for out; -1 for any other name. */
int nftb_class_counter(const char *name, char *buf, size_t len);

/* Builds everything the spec needs. Returns 0, or -1 with err. */
int nftb_model_build(const struct svcspec *spec, int with_ids, struct model *m,
		     struct ctv_err *err);
void nftb_model_free(struct model *m);

/* A rule as comparable text: its expressions, nothing else (no handle).
 * malloc'ed, or NULL without memory. */
char *nftb_rule_text(struct nftnl_rule *r);
const char *nftb_hook_name(uint32_t hook);

/* The backend's functions (backend.h says what each does). */
int nftb_in_use(struct ctv_err *err);
int nftb_install(const struct svcspec *spec, struct ctv_err *err);
int nftb_remove(struct ctv_err *err);
int nftb_read(struct ctv_counters *out, struct ctv_err *err);
int nftb_check(const struct svcspec *spec, char **diff, struct ctv_err *err);
int nftb_quick(struct ctv_quick *q, struct ctv_err *err);
char *nftb_describe(const struct svcspec *spec, struct ctv_err *err);

#endif
