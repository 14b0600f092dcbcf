/* SPDX-License-Identifier: MIT */
/* RISC-V and interrupt bindings over the generic reader (see dtb_riscv.h). */
#include "dtb_riscv.h"

/* Longer chains than this are taken for cycles: real trees nest a few
 * levels (device, bus, controller). */
#define MAX_INTERRUPT_HOPS 64

/* Cell `index` of a property, big-endian. Assumes index < prop->len / 4
 * (every caller checks the length first). */
static uint32_t cell(const struct dtb_prop *prop, uint32_t index)
{
	const uint8_t *p = prop->value + 4 * index;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static uint32_t cstr_length(const char *s)
{
	uint32_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

/* Whether the multi-letter token [token, token + len) names `name`: equal
 * up to an optional version suffix ("zicsr2p0"). */
static bool token_is(const char *token, uint32_t len, const char *name, uint32_t name_len)
{
	if (len < name_len)
		return false;
	for (uint32_t i = 0; i < name_len; i++)
		if (lower(token[i]) != name[i])
			return false;
	return len == name_len || is_digit(token[name_len]);
}

/* The single-letter part of the first token: letters, each possibly with
 * a version ("i2p1"), up to the first multi-letter name (which starts with
 * s, x or z) or the token's end. Returns where the letters stop. */
static uint32_t single_letters_end(const char *isa, uint32_t len)
{
	uint32_t i = 4; /* after "rv64" */

	while (i < len) {
		char c = lower(isa[i]);

		if (c == 's' || c == 'x' || c == 'z' || c < 'a' || c > 'z')
			break;
		i++;
		while (i < len &&
		       (is_digit(isa[i]) || (lower(isa[i]) == 'p' && i + 1 < len &&
					     is_digit(isa[i + 1]) && is_digit(isa[i - 1]))))
			i++;
	}
	return i;
}

/* Untrusted: isa (terminated, any content). Assumes name is lower case. */
static bool isa_string_has(const char *isa, const char *name)
{
	uint32_t len = cstr_length(isa), name_len = cstr_length(name);

	if (len < 4 || lower(isa[0]) != 'r' || lower(isa[1]) != 'v' || name_len == 0)
		return false;
	if (!((isa[2] == '6' && isa[3] == '4') || (isa[2] == '3' && isa[3] == '2')))
		return false;
	uint32_t letters_end = single_letters_end(isa, len);
	bool has_g = false;

	for (uint32_t i = 4; i < letters_end; i++) {
		char c = lower(isa[i]);

		has_g |= c == 'g';
		if (name_len == 1 && c == name[0])
			return true;
	}
	if (has_g) {
		static const char *const implied[] = {
			"i", "m", "a", "f", "d", "zicsr", "zifencei"
		};

		for (uint32_t i = 0; i < sizeof(implied) / sizeof(implied[0]); i++)
			if (token_is(implied[i], cstr_length(implied[i]), name, name_len))
				return true;
	}
	if (name_len == 1)
		return false;
	/* Multi-letter names: the rest of the first token, then each '_' token. */
	for (uint32_t start = letters_end; start < len;) {
		uint32_t end = start;

		while (end < len && isa[end] != '_')
			end++;
		if (token_is(isa + start, end - start, name, name_len))
			return true;
		start = end + 1;
	}
	return false;
}

/* Untrusted: the cpu node's properties. Assumes name is terminated. */
bool dtb_cpu_has_extension(const struct dtb *dtb, struct dtb_node cpu, const char *name)
{
	struct dtb_prop prop;
	const char *isa;

	CORE_ASSERT(dtb != NULL && name != NULL);
	if (dtb_get_prop(dtb, cpu, "riscv,isa-extensions", &prop) == ERR_OK)
		return dtb_prop_has_string(&prop, name);
	if (dtb_get_prop(dtb, cpu, "riscv,isa", &prop) != ERR_OK ||
	    dtb_prop_string(&prop, 0, &isa) != ERR_OK)
		return false;
	return isa_string_has(isa, name);
}

static MUST_CHECK enum error node_phandle(const struct dtb *dtb, struct dtb_node node,
					  uint32_t *phandle)
{
	struct dtb_prop prop;
	enum error err = dtb_get_prop(dtb, node, "phandle", &prop);

	if (err == ERR_FAILED_LOOKUP)
		err = dtb_get_prop(dtb, node, "linux,phandle", &prop);
	if (err != ERR_OK || prop.len != 4)
		return ERR_INVALID_ARGUMENT;
	*phandle = cell(&prop, 0);
	return ERR_OK;
}

/* Untrusted: every node's phandle property. */
enum error dtb_node_by_phandle(const struct dtb *dtb, uint32_t phandle, struct dtb_node *node)
{
	struct dtb_node current;
	enum error err = ERR_OK;

	CORE_ASSERT(dtb != NULL && node != NULL);
	if (phandle == 0 || phandle == UINT32_MAX)
		return ERR_INVALID_ARGUMENT;
	for (current = dtb_root(dtb); err == ERR_OK; err = dtb_next_node(dtb, current, &current)) {
		uint32_t value;

		if (node_phandle(dtb, current, &value) == ERR_OK && value == phandle) {
			*node = current;
			return ERR_OK;
		}
	}
	return err;
}

/* The controller's #interrupt-cells, checked against DTB_IRQ_MAX_CELLS. */
static MUST_CHECK enum error interrupt_cells(const struct dtb *dtb, struct dtb_node controller,
					     uint32_t *cells)
{
	struct dtb_prop prop;

	if (dtb_get_prop(dtb, controller, "#interrupt-cells", &prop) != ERR_OK || prop.len != 4)
		return ERR_INVALID_ARGUMENT;
	*cells = cell(&prop, 0);
	return *cells > DTB_IRQ_MAX_CELLS ? ERR_INVALID_ARGUMENT : ERR_OK;
}

static bool has_prop(const struct dtb *dtb, struct dtb_node node, const char *name)
{
	struct dtb_prop prop;

	return dtb_get_prop(dtb, node, name, &prop) == ERR_OK;
}

/* Untrusted: interrupt-parent links (may dangle or loop). */
enum error dtb_interrupt_parent(const struct dtb *dtb, struct dtb_node node,
				struct dtb_node *controller)
{
	CORE_ASSERT(dtb != NULL && controller != NULL);
	for (unsigned hop = 0; hop < MAX_INTERRUPT_HOPS; hop++) {
		struct dtb_prop prop;

		if (dtb_get_prop(dtb, node, "interrupt-parent", &prop) == ERR_OK) {
			if (prop.len != 4 ||
			    dtb_node_by_phandle(dtb, cell(&prop, 0), &node) != ERR_OK)
				return ERR_INVALID_ARGUMENT;
		} else if (dtb_parent(dtb, node, &node) != ERR_OK) {
			return ERR_FAILED_LOOKUP; /* up to the root: no controller */
		}
		if (has_prop(dtb, node, "#interrupt-cells")) {
			*controller = node;
			return ERR_OK;
		}
	}
	return ERR_INVALID_ARGUMENT;
}

/* Fill out->spec from cells [first, first + out->cells) of prop, which the
 * caller has checked exist. */
static enum error read_spec(const struct dtb_prop *prop, uint32_t first, struct dtb_irq *out)
{
	for (uint32_t i = 0; i < DTB_IRQ_MAX_CELLS; i++)
		out->spec[i] = i < out->cells ? cell(prop, first + i) : 0;
	return ERR_OK;
}

/* Untrusted: the properties, phandles and every controller's cell count. */
static MUST_CHECK enum error extended_entry(const struct dtb *dtb, const struct dtb_prop *prop,
					    uint32_t index, struct dtb_irq *out)
{
	uint32_t words = prop->len / 4;

	if (prop->len % 4 != 0)
		return ERR_INVALID_ARGUMENT;
	for (uint32_t at = 0, entry = 0; at < words; entry++) {
		if (dtb_node_by_phandle(dtb, cell(prop, at), &out->controller) != ERR_OK ||
		    interrupt_cells(dtb, out->controller, &out->cells) != ERR_OK ||
		    out->cells > words - at - 1)
			return ERR_INVALID_ARGUMENT;
		if (entry == index)
			return read_spec(prop, at + 1, out);
		at += 1 + out->cells;
	}
	return ERR_RANGE;
}

/* Untrusted: everything in the blob. */
enum error dtb_interrupt(const struct dtb *dtb, struct dtb_node node, uint32_t index,
			 struct dtb_irq *out)
{
	struct dtb_prop prop;

	CORE_ASSERT(dtb != NULL && out != NULL);
	if (dtb_get_prop(dtb, node, "interrupts-extended", &prop) == ERR_OK)
		return extended_entry(dtb, &prop, index, out);
	if (dtb_get_prop(dtb, node, "interrupts", &prop) != ERR_OK)
		return ERR_FAILED_LOOKUP;
	if (dtb_interrupt_parent(dtb, node, &out->controller) != ERR_OK ||
	    interrupt_cells(dtb, out->controller, &out->cells) != ERR_OK || out->cells == 0 ||
	    prop.len % (4 * out->cells) != 0)
		return ERR_INVALID_ARGUMENT;
	if (index >= prop.len / (4 * out->cells))
		return ERR_RANGE;
	return read_spec(&prop, index * out->cells, out);
}
