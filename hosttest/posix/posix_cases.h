/* SPDX-License-Identifier: MIT */
/*
 * The differential POSIX suite's shared part: cases (posix_cases.c) are
 * written once against the POSIX API and compiled twice, against the
 * host's C library (the oracle, POSIX_CASES_VARIANT 0) and against libos
 * (POSIX_CASES_VARIANT 1, every call renamed by posix_rename.h). Each case
 * records what each call returned and the errno of each failure into a
 * text log; posix_diff.c runs both and compares the logs case by case.
 */
#ifndef HOSTTEST_POSIX_CASES_H
#define HOSTTEST_POSIX_CASES_H

#include <stddef.h>

#define POSIX_CASES_MAX 400

struct posix_case {
	const char *name;
	int line;
	void (*run)(void);
};

/* The cases of one variant, in source order. */
struct posix_case_table {
	struct posix_case cases[POSIX_CASES_MAX];
	int count;
};
extern struct posix_case_table posix_cases_oracle, posix_cases_libos;
void posix_case_register(struct posix_case_table *table, const char *name, int line,
			 void (*run)(void));

/* The log of the running case. */
void case_log(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* A record of one call: its line, its text, its result, and errno when it
 * failed. Each returns the result. */
long case_int(int line, const char *text, long result, int error);
int case_fd(int line, const char *text, int fd, int error);
void *case_ptr(int line, const char *text, void *pointer, int error);
/* The absolute path of the directory the cases run in ("" for libos's "/"),
 * stripped from what getcwd returns. */
extern const char *case_base;

#endif
