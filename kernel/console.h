/* SPDX-License-Identifier: MIT */
/*
 * The kernel console: formatted output to the SBI legacy console, one whole
 * line at a time under a lock so that lines from different harts never mix
 * (the QEMU test runner parses them as TAP).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

/* printf subset: %s %c %d %u %x %p with l/ll/z, '0' flag and width. */
void kprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *format, va_list args);
/* Print prefix, the formatted text and a newline as one unit: a whole line
 * no other hart's output can split. */
void console_print_line(const char *prefix, const char *format, va_list args);
/* Write raw bytes (a user's print) as one unit. */
void console_write(const char *bytes, size_t length);
/* Several writes as one unit (a user buffer read page by page): between
 * begin and end only console_write_held may print on this hart. */
void console_hold(void);
void console_write_held(const char *bytes, size_t length);
void console_release(void);
/* Print and stop the system with a failure status. */
_Noreturn void panic(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
