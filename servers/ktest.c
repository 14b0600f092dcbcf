/* SPDX-License-Identifier: MIT */
/* The in-system test suite (see ktest.h). */
#include <stdio.h>

#include "kestrel.h"
#include "ktest.h"
#include "object.h"
#include "process.h"

static unsigned cases, failed;

static void ok(bool pass, const char *what)
{
	cases++;
	failed += !pass;
	printf("%s - ktest: %s\n", pass ? "ok" : "not ok", what);
}

int main(void)
{
	ok(kestrel_print("", 0) == ERR_OK, "an empty debug print");
	ok(kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, 20, 1) ==
	       ERR_OK,
	   "retype an endpoint");
	ok(kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, 20, 1) ==
	       ERR_DELETE_FIRST,
	   "retype into an occupied slot");
	if (cases != KTEST_CASES)
		printf("not ok - ktest: ran %u cases, ktest.h announces %u\n", cases, KTEST_CASES);
	return failed ? 1 : 0;
}
