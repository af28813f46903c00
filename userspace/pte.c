// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab tool - raw x86-64 page-table entries: their flags, their frame,
 * and the index of an address at each level.
 */
#include <stdio.h>
#include <string.h>

#include <linux/vmlab.h>

#include "pte.h"
#include "util.h"

bool level_folded(unsigned int level, unsigned int levels)
{
	return level == VMLAB_P4D && levels < 5;
}

unsigned int level_index(uint64_t addr, unsigned int level, unsigned int levels)
{
	static const unsigned int shift4[VMLAB_LEVELS] = { 39, 39, 30, 21, 12 };
	static const unsigned int shift5[VMLAB_LEVELS] = { 48, 39, 30, 21, 12 };
	const unsigned int *shift = levels >= 5 ? shift5 : shift4;

	if (level >= VMLAB_LEVELS || level_folded(level, levels))
		return 0;
	return (addr >> shift[level]) & 511;
}

static const struct {
	const char *name;
	uint64_t bit;
} pte_bits[] = {
	{ "P", VMLAB_PTE_P },
	{ "RW", VMLAB_PTE_RW },
	{ "US", VMLAB_PTE_US },
	{ "A", VMLAB_PTE_A },
	{ "D", VMLAB_PTE_D },
	{ "PS", VMLAB_PTE_PS },
	{ "G", VMLAB_PTE_G },
	{ "NX", VMLAB_PTE_NX },
};

/* Bit 7 is PS only in a PUD or PMD entry (in a PTE it is PAT) */
static bool bit_applies(uint64_t bit, unsigned int level)
{
	return bit != VMLAB_PTE_PS || level == VMLAB_PUD || level == VMLAB_PMD;
}

char *pte_flags_str(uint64_t entry, unsigned int level, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(pte_bits) && off < len; i++) {
		const char *name = pte_bits[i].name;
		bool set = (entry & pte_bits[i].bit) &&
			   bit_applies(pte_bits[i].bit, level);

		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				set ? name : (strlen(name) == 1 ? "-" : "--"));
	}
	return buf;
}

char *pte_flags_short(uint64_t entry, unsigned int level, char *buf,
			     size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(pte_bits) && off < len; i++) {
		if (!(entry & pte_bits[i].bit) ||
		    !bit_applies(pte_bits[i].bit, level))
			continue;
		off += snprintf(buf + off, len - off, "%s%s", off ? " " : "",
				pte_bits[i].name);
	}
	return buf;
}

void pte_flags_json(struct jw *w, const char *key, uint64_t entry,
		    unsigned int level)
{
	size_t i;

	jw_arr(w, key);
	for (i = 0; i < ARRAY_SIZE(pte_bits); i++)
		if ((entry & pte_bits[i].bit) &&
		    bit_applies(pte_bits[i].bit, level))
			jw_str(w, NULL, pte_bits[i].name);
	jw_end(w);
}

uint64_t pte_frame(uint64_t entry, unsigned int level)
{
	uint64_t mask = VMLAB_PTE_PFN_MASK;

	/* a huge leaf's frame is aligned; its bit 12 is PAT */
	if ((entry & VMLAB_PTE_PS) && level == VMLAB_PMD)
		mask &= ~((1ULL << 21) - 1);
	else if ((entry & VMLAB_PTE_PS) && level == VMLAB_PUD)
		mask &= ~((1ULL << 30) - 1);
	return (entry & mask) >> 12;
}
