/* SPDX-License-Identifier: MIT */
/*
 * The in-system test suite's contract with the root task: how many TAP
 * lines ktest prints (the root task adds them to its plan). ktest checks
 * at its end that it printed exactly this many.
 */
#ifndef SERVERS_KTEST_H
#define SERVERS_KTEST_H

#define KTEST_CASES 598

#endif
