/* Fuzz target for the /proc/net/snmp parser: any bytes either parse into
 * "Proto.Name" figures or fail with a message naming the input. Never a
 * crash, never a figure without its dot. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protos[] = { "Udp", "Icmp", NULL };
	struct procnet_figures f;
	struct ctv_err err;
	FILE *in;

	if (size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		rewind(in);
		if (procnet_parse_snmp(in, "fuzz", pass ? protos : NULL, &f, &err) < 0) {
			if (strncmp(err.msg, "fuzz", 4) != 0 || f.n != 0)
				abort();
			continue;
		}
		for (size_t i = 0; i < f.n; i++)
			if (!strchr(f.v[i].name, '.'))
				abort();
		procnet_figures_free(&f);
	}
	fclose(in);
	return 0;
}
