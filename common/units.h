/* units.h - sizes for people: "512 B", "1.5 KiB", "16.0 MiB". */
#ifndef GRIDCASE_UNITS_H
#define GRIDCASE_UNITS_H

#include <stdint.h>

/* Room for any value units_bytes() writes ("1023.9 EiB": 11 bytes). */
#define UNITS_BYTES_LEN 32

/*
 * Writes n in bytes below 1 KiB, else in the largest binary unit that
 * keeps the number at or above 1, with one decimal.  Returns out.
 */
const char *units_bytes(uint64_t n, char out[UNITS_BYTES_LEN]);

#endif
