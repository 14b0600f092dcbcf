/* SPDX-License-Identifier: MIT */
/*
 * Kernel console output (see console.h). Formatting goes into a buffer on
 * the caller's stack first, so the lock is held only while bytes go out.
 */
#include "console.h"

#include <stdbool.h>
#include <stdint.h>

#include "sbi.h"
#include "shutdown.h"
#include "spinlock.h"

#define LINE_BYTES 256

static struct spinlock console_lock;
/* The last byte out was not a newline (guarded by console_lock): a user
 * program's line printed in two calls, or a kprintf without one. */
static bool mid_line;

struct buffer {
	char bytes[LINE_BYTES];
	size_t length;
};

static void put(struct buffer *buffer, char c)
{
	if (buffer->length < sizeof(buffer->bytes))
		buffer->bytes[buffer->length++] = c;
}

static void put_string(struct buffer *buffer, const char *s)
{
	if (!s)
		s = "(null)";
	while (*s)
		put(buffer, *s++);
}

static void put_number(struct buffer *buffer, uint64_t value, unsigned base, bool negative,
		       unsigned width, char pad)
{
	char digits[24];
	unsigned count = 0;
	do {
		digits[count++] = "0123456789abcdef"[value % base];
		value /= base;
	} while (value);
	if (negative)
		digits[count++] = '-';
	while (width > count) {
		put(buffer, pad);
		width--;
	}
	while (count)
		put(buffer, digits[--count]);
}

static void format(struct buffer *buffer, const char *f, va_list args)
{
	for (; *f; f++) {
		if (*f != '%') {
			put(buffer, *f);
			continue;
		}
		f++;
		char pad = ' ';
		unsigned width = 0;
		if (*f == '0') {
			pad = '0';
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (unsigned)(*f++ - '0');
		unsigned longs = 0;
		while (*f == 'l' || *f == 'z') {
			longs += *f == 'z' ? 2 : 1;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(args, int64_t) : va_arg(args, int);
			put_number(buffer, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width,
				   pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(args, uint64_t) : va_arg(args, unsigned);
			put_number(buffer, v, *f == 'u' ? 10 : 16, false, width, pad);
			break;
		}
		case 'p':
			put_string(buffer, "0x");
			put_number(buffer, (uintptr_t)va_arg(args, void *), 16, false, width, pad);
			break;
		case 's': put_string(buffer, va_arg(args, const char *)); break;
		case 'c': put(buffer, (char)va_arg(args, int)); break;
		case '%': put(buffer, '%'); break;
		case '\0': return;
		default:
			put(buffer, '%');
			put(buffer, *f);
			break;
		}
	}
}

/* Assumes console_lock is held. */
static void write_locked(const char *bytes, size_t length)
{
	for (size_t i = 0; i < length; i++)
		sbi_console_putchar(bytes[i]);
	if (length > 0)
		mid_line = bytes[length - 1] != '\n';
}

void console_write(const char *bytes, size_t length)
{
	spinlock_acquire(&console_lock);
	write_locked(bytes, length);
	spinlock_release(&console_lock);
}

void console_hold(void)
{
	spinlock_acquire(&console_lock);
}

void console_write_held(const char *bytes, size_t length)
{
	write_locked(bytes, length);
}

void console_release(void)
{
	spinlock_release(&console_lock);
}

void kvprintf(const char *f, va_list args)
{
	struct buffer buffer = { .length = 0 };
	format(&buffer, f, args);
	console_write(buffer.bytes, buffer.length);
}

void console_print_line(const char *prefix, const char *f, va_list args)
{
	struct buffer buffer = { .length = 0 };
	put_string(&buffer, prefix);
	format(&buffer, f, args);
	if (buffer.length == sizeof(buffer.bytes))
		buffer.length--; /* keep room for the newline that ends the line */
	put(&buffer, '\n');
	/* A whole line of its own, even when another hart's output stopped
	 * mid-line: a TAP result that does not start a line is not counted. */
	spinlock_acquire(&console_lock);
	if (mid_line)
		write_locked("\n", 1);
	write_locked(buffer.bytes, buffer.length);
	spinlock_release(&console_lock);
}

void kprintf(const char *f, ...)
{
	va_list args;
	va_start(args, f);
	kvprintf(f, args);
	va_end(args);
}

_Noreturn void panic(const char *f, ...)
{
	va_list args;
	va_start(args, f);
	kprintf("Bail out! kernel panic: ");
	kvprintf(f, args);
	va_end(args);
	kprintf("\n");
	system_shutdown(false);
}
