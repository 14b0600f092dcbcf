/* SPDX-License-Identifier: MIT */
/* Names for the error enum, for kernel logs and test messages. */
#include "error.h"

const char *error_name(enum error err)
{
	switch (err) {
	case ERR_OK: return "ERR_OK";
	case ERR_INVALID_ARGUMENT: return "ERR_INVALID_ARGUMENT";
	case ERR_INVALID_CAPABILITY: return "ERR_INVALID_CAPABILITY";
	case ERR_ILLEGAL_OPERATION: return "ERR_ILLEGAL_OPERATION";
	case ERR_RANGE: return "ERR_RANGE";
	case ERR_ALIGNMENT: return "ERR_ALIGNMENT";
	case ERR_FAILED_LOOKUP: return "ERR_FAILED_LOOKUP";
	case ERR_TRUNCATED_MESSAGE: return "ERR_TRUNCATED_MESSAGE";
	case ERR_DELETE_FIRST: return "ERR_DELETE_FIRST";
	case ERR_REVOKE_FIRST: return "ERR_REVOKE_FIRST";
	case ERR_NOT_ENOUGH_MEMORY: return "ERR_NOT_ENOUGH_MEMORY";
	case ERR_PREEMPTED: return "ERR_PREEMPTED";
	}
	return "ERR_UNKNOWN"; /* a value from outside the enum, e.g. a user's number */
}
