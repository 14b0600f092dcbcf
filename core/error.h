/* SPDX-License-Identifier: MIT */
/*
 * The one error type of core/ and of the system-call ABI (STYLE.md item 8).
 * Values and meanings follow seL4's error codes so that the model is one
 * people already know; the numbers are ABI and never change. A function that
 * returns `enum error` changes nothing when it returns anything but ERR_OK.
 */
#ifndef CORE_ERROR_H
#define CORE_ERROR_H

enum error {
	ERR_OK = 0,
	ERR_INVALID_ARGUMENT = 1,   /* an argument is malformed or out of its domain */
	ERR_INVALID_CAPABILITY = 2, /* a capability is of the wrong type or lacks rights */
	ERR_ILLEGAL_OPERATION = 3,  /* the operation is not allowed on this object now */
	ERR_RANGE = 4,              /* a number is outside the allowed range */
	ERR_ALIGNMENT = 5,          /* an address or size is misaligned */
	ERR_FAILED_LOOKUP = 6,      /* a capability (or a named thing) was not found */
	ERR_TRUNCATED_MESSAGE = 7,  /* input is shorter than its own header says */
	ERR_DELETE_FIRST = 8,       /* the destination slot is occupied */
	ERR_REVOKE_FIRST = 9,       /* the object still has derived capabilities */
	ERR_NOT_ENOUGH_MEMORY = 10, /* untyped (or caller-supplied) memory ran out */
	/*
	 * Kernel-internal, never returned to a user: a preemptible operation
	 * (delete, revoke) used its work budget; its progress is recorded in the
	 * objects, and the kernel restarts the same system call after taking
	 * pending interrupts (docs/capabilities.md).
	 */
	ERR_PREEMPTED = 11,
};

#define ERROR_COUNT 12

/* A short stable name for logs and test output ("ERR_RANGE"). */
const char *error_name(enum error err);

#endif
