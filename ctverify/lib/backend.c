/* backend.c - which firewall backends this program has. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"

/* The one place naming the backends. The iptables backend lands here as
 * &backend_iptables (ctverify/lib/ipt_backend.c); until then it is absent
 * and asking for it says so. */
const struct backend *const backend_list[] = {
	&backend_nft,
	NULL,
};

void ctv_counters_free(struct ctv_counters *c)
{
	free(c->c);
	c->c = NULL;
	c->n = 0;
}

const struct backend *backend_find(const char *name, struct ctv_err *err)
{
	for (size_t i = 0; backend_list[i]; i++)
		if (!strcmp(backend_list[i]->name, name))
			return backend_list[i];
	if (!strcmp(name, "iptables"))
		ctv_err_set(err, "the iptables backend is not built into this version of ctverify yet; use --backend nft");
	else
		ctv_err_set(err, "unknown backend '%s' (expected auto, nft or iptables)", name);
	return NULL;
}
