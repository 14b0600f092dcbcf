/* SPDX-License-Identifier: MIT */
/*
 * The user-interrupt objects of a host world (services and sender tables
 * made with host_object.h's make): their deletion, their typed views and
 * the kernel's wake-up hook, shared by the uintr_obj and uintr_claim
 * suites. Include after <cmocka.h>.
 */
#ifndef HOSTTEST_UINTR_OBJECTS_H
#define HOSTTEST_UINTR_OBJECTS_H

#include <stdlib.h>
#include <string.h>

#include "cte.h"
#include "host_object.h"
#include "uintr_obj.h"

/* Deleted through its cap, then its memory scribbled over as a reuse
 * would: nothing may read it afterwards. */
static inline void uintr_object_delete(struct obj *o)
{
	struct work_budget budget = { .left = 100 };
	assert_int_equal(cte_delete(&o->slot, &budget), ERR_OK);
	memset(o->mem, 0xa5, (size_t)1 << 10);
	free(o->mem);
	o->mem = NULL;
}

static inline struct uintr_service *service(struct obj *o)
{
	return (struct uintr_service *)cap_ptr(o->slot.cap);
}

static inline struct uintr_sender_table *table(struct obj *o)
{
	return (struct uintr_sender_table *)cap_ptr(o->slot.cap);
}

/* The kernel's wake-up: queue, as port_uintr_wake does. */
static inline void push_on_wake(void *r)
{
	(void)uintr_wake_push(r);
}

#endif
