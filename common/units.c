/* units.c - sizes for people (units.h). */
#include "common/units.h"

#include <stdio.h>

#include "common/banned.h"

const char *
units_bytes(uint64_t n, char out[UNITS_BYTES_LEN])
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB" };
	if (n < 1024) {
		snprintf(out, UNITS_BYTES_LEN, "%u B", (unsigned)n);
		return out;
	}
	/* Tenths of the unit, in integers: no rounding up past 1023.9. */
	int u = 0;
	while (u < 5 && n >= (uint64_t)1024 << (10 * (u + 1)))
		u++;
	uint64_t whole = n >> (10 * (u + 1));
	uint64_t rest = n & ((((uint64_t)1) << (10 * (u + 1))) - 1);
	uint64_t tenth = (rest * 10) >> (10 * (u + 1));
	snprintf(out, UNITS_BYTES_LEN, "%u.%u %s", (unsigned)whole,
		 (unsigned)tenth, unit[u]);
	return out;
}
