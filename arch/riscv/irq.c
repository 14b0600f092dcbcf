/* SPDX-License-Identifier: MIT */
/*
 * The PLIC (see irq.h), by the memory map of the RISC-V PLIC specification
 * 1.0.0: a priority word per source, then per context an enable bit per
 * source, a threshold and the claim/complete register.
 */
#include "irq.h"

#include "barrier.h"
#include "config.h"
#include "console.h"
#include "csr.h"
#include "dtb_riscv.h"
#include "hart.h"
#include "spinlock.h"

#define PLIC_MAX_SOURCES 1023
#define PLIC_MAX_CONTEXTS 15872
#define PLIC_PRIORITY 0x0
#define PLIC_ENABLE 0x2000
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT 0x200000
#define PLIC_CONTEXT_STRIDE 0x1000
#define PLIC_CLAIM 4
#define PLIC_MAX_PRIORITY 7 /* virt's PLIC implements 3 priority bits */
#define RISCV_S_EXTERNAL 9  /* the cpu-intc's interrupt number */
#define NO_CONTEXT UINT16_MAX

static volatile uint8_t *plic;
static unsigned source_count;
static unsigned context_count;
static const char *controller_name = "none";
/* The S-mode context of each cpu index, or NO_CONTEXT. */
static uint16_t hart_context[CONFIG_MAX_HARTS];
/* The context that claimed each source and has not completed it (32-bit
 * words: RV64A has no 16-bit atomics). */
static uint32_t claimed_by[PLIC_MAX_SOURCES + 1];
static struct spinlock enable_lock;
static void (*irq_handler)(unsigned source);

static volatile void *reg(uint64_t offset)
{
	return plic + offset;
}

static volatile void *enable_word(unsigned context, unsigned source)
{
	return reg(PLIC_ENABLE + (uint64_t)context * PLIC_ENABLE_STRIDE + source / 32 * 4);
}

static volatile void *context_reg(unsigned context, unsigned offset)
{
	return reg(PLIC_CONTEXT + (uint64_t)context * PLIC_CONTEXT_STRIDE + offset);
}

/* The cpu index of the hart whose /cpus node is `cpu`, or CONFIG_MAX_HARTS. */
static unsigned cpu_index_of(const struct dtb *dtb, struct dtb_node cpu)
{
	struct dtb_range hart_id;
	if (dtb_reg(dtb, cpu, 0, &hart_id) != ERR_OK)
		return CONFIG_MAX_HARTS;
	for (unsigned i = 0; i < CONFIG_MAX_HARTS; i++)
		if (harts[i].kernel_stack_top != 0 && harts[i].hart_id == hart_id.base)
			return i;
	return CONFIG_MAX_HARTS;
}

/* Which harts' S-mode external interrupt each context is. Untrusted: the
 * PLIC's interrupts-extended and the nodes it names. */
static enum error find_contexts(const struct dtb *dtb, struct dtb_node node, unsigned *contexts)
{
	struct dtb_irq irq;
	enum error err;
	unsigned context = 0;

	for (; (err = dtb_interrupt(dtb, node, context, &irq)) == ERR_OK; context++) {
		struct dtb_prop compatible;
		struct dtb_node cpu;
		if (context >= PLIC_MAX_CONTEXTS)
			return ERR_INVALID_ARGUMENT;
		if (irq.cells != 1 || irq.spec[0] != RISCV_S_EXTERNAL ||
		    dtb_get_prop(dtb, irq.controller, "compatible", &compatible) != ERR_OK ||
		    !dtb_prop_has_string(&compatible, "riscv,cpu-intc") ||
		    dtb_parent(dtb, irq.controller, &cpu) != ERR_OK)
			continue; /* an M-mode context, or not a hart's */
		unsigned index = cpu_index_of(dtb, cpu);
		if (index < CONFIG_MAX_HARTS && hart_context[index] == NO_CONTEXT)
			hart_context[index] = (uint16_t)context;
	}
	*contexts = context;
	return err == ERR_RANGE ? ERR_OK : ERR_INVALID_ARGUMENT;
}

static bool find_plic(const struct dtb *dtb, struct dtb_node *node)
{
	return dtb_find_compatible(dtb, NULL, "sifive,plic-1.0.0", node) == ERR_OK ||
	       dtb_find_compatible(dtb, NULL, "riscv,plic0", node) == ERR_OK;
}

/* Untrusted: the DTB. */
enum error arch_irq_init(const struct dtb *dtb, arch_map_device_fn map_device)
{
	struct dtb_node node;
	struct dtb_prop prop;
	struct dtb_range range;
	uint32_t ndev;
	unsigned contexts;

	for (unsigned i = 0; i < CONFIG_MAX_HARTS; i++)
		hart_context[i] = NO_CONTEXT;
	for (unsigned i = 0; i <= PLIC_MAX_SOURCES; i++)
		claimed_by[i] = NO_CONTEXT;
	if (!find_plic(dtb, &node)) {
		if (dtb_find_compatible(dtb, NULL, "riscv,aplic", &node) == ERR_OK)
			controller_name = "riscv,aplic (AIA: not driven)";
		return ERR_FAILED_LOOKUP;
	}
	if (dtb_get_prop(dtb, node, "riscv,ndev", &prop) != ERR_OK ||
	    dtb_prop_u32(&prop, 0, &ndev) != ERR_OK || ndev == 0 || ndev > PLIC_MAX_SOURCES ||
	    dtb_reg(dtb, node, 0, &range) != ERR_OK ||
	    find_contexts(dtb, node, &contexts) != ERR_OK)
		return ERR_INVALID_ARGUMENT;
	/* Every register the driver may touch lies inside reg. */
	if (contexts == 0 || range.size < PLIC_CONTEXT + (uint64_t)contexts * PLIC_CONTEXT_STRIDE)
		return ERR_INVALID_ARGUMENT;
	plic = map_device(range.base, range.size);
	source_count = ndev;
	context_count = 0;
	for (unsigned i = 0; i < CONFIG_MAX_HARTS; i++)
		context_count += hart_context[i] != NO_CONTEXT;
	controller_name = "PLIC";
	for (unsigned source = 1; source <= source_count; source++)
		mmio_write32(reg(PLIC_PRIORITY + source * 4), 0);
	for (unsigned context = 0; context < contexts; context++)
		for (unsigned word = 0; word <= source_count / 32; word++)
			mmio_write32(enable_word(context, word * 32), 0);
	return ERR_OK;
}

void arch_irq_init_hart(void)
{
	uint16_t context = hart_context[hart_current()->cpu_index];
	if (!plic || context == NO_CONTEXT)
		return;
	mmio_write32(context_reg(context, 0), 0);
	csr_set_sie(SIE_SEIE);
}

bool arch_irq_available(void)
{
	return plic != NULL;
}

unsigned arch_irq_sources(void)
{
	return source_count;
}

unsigned arch_irq_contexts(void)
{
	return context_count;
}

const char *arch_irq_controller_name(void)
{
	return controller_name;
}

static enum error check_source(unsigned source)
{
	if (!plic)
		return ERR_ILLEGAL_OPERATION;
	return source >= 1 && source <= source_count ? ERR_OK : ERR_RANGE;
}

enum error arch_irq_set_priority(unsigned source, unsigned priority)
{
	enum error err = check_source(source);
	if (err == ERR_OK && priority > PLIC_MAX_PRIORITY)
		err = ERR_RANGE;
	if (err == ERR_OK)
		mmio_write32(reg(PLIC_PRIORITY + source * 4), priority);
	return err;
}

static enum error set_enable(unsigned source, unsigned cpu, bool on)
{
	enum error err = check_source(source);
	if (err == ERR_OK && (cpu >= CONFIG_MAX_HARTS || hart_context[cpu] == NO_CONTEXT))
		err = ERR_RANGE;
	if (err != ERR_OK)
		return err;
	volatile void *word = enable_word(hart_context[cpu], source);
	uint32_t bit = 1u << (source % 32);
	spinlock_acquire(&enable_lock);
	uint32_t value = mmio_read32(word);
	mmio_write32(word, on ? value | bit : value & ~bit);
	spinlock_release(&enable_lock);
	return ERR_OK;
}

enum error arch_irq_enable(unsigned source, unsigned cpu)
{
	return set_enable(source, cpu, true);
}

enum error arch_irq_disable(unsigned source, unsigned cpu)
{
	return set_enable(source, cpu, false);
}

enum error arch_irq_set_threshold(unsigned threshold)
{
	uint16_t context = hart_context[hart_current()->cpu_index];
	if (!plic || context == NO_CONTEXT)
		return ERR_ILLEGAL_OPERATION;
	if (threshold > PLIC_MAX_PRIORITY)
		return ERR_RANGE;
	mmio_write32(context_reg(context, 0), threshold);
	return ERR_OK;
}

void arch_irq_set_handler(void (*handler)(unsigned source))
{
	__atomic_store_n(&irq_handler, handler, __ATOMIC_RELEASE);
}

enum error arch_irq_complete(unsigned source)
{
	enum error err = check_source(source);
	if (err != ERR_OK)
		return err;
	uint32_t context = __atomic_exchange_n(&claimed_by[source], NO_CONTEXT, __ATOMIC_ACQ_REL);
	if (context == NO_CONTEXT)
		return ERR_ILLEGAL_OPERATION;
	mmio_write32(context_reg(context, PLIC_CLAIM), source);
	return ERR_OK;
}

void arch_irq_interrupt(void)
{
	uint16_t context = hart_context[hart_current()->cpu_index];
	if (!plic || context == NO_CONTEXT)
		return;
	void (*handler)(unsigned) = __atomic_load_n(&irq_handler, __ATOMIC_ACQUIRE);
	for (;;) {
		uint32_t source = mmio_read32(context_reg(context, PLIC_CLAIM));
		if (source == 0)
			return; /* nothing (left), or another hart claimed it first */
		if (source > source_count || !handler) {
			mmio_write32(context_reg(context, PLIC_CLAIM), source);
			continue;
		}
		__atomic_store_n(&claimed_by[source], context, __ATOMIC_RELEASE);
		handler(source);
	}
}
