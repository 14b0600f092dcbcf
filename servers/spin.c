/* SPDX-License-Identifier: MIT */
/*
 * A program that runs until it is stopped: it yields in a loop, so that
 * threads of its priority on its hart share the hart with it. The demo's
 * prompt starts it in the background to have something for `threads` to
 * list (and `kill` to stop).
 */
#include "kestrel.h"

int main(void)
{
	for (;;)
		kestrel_yield();
}
