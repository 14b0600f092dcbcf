/* SPDX-License-Identifier: MIT */
/*
 * picolibc's stdin/stdout/stderr (its tinystdio wants the system to define
 * them): stdout and stderr are line-buffered onto the print system call;
 * stdin reads nothing yet (the console driver comes with the servers).
 */
#include <stdio.h>

#include "kestrel.h"

/* Most lines fit, so each is one print call the kernel writes as a unit. */
static char line[512];
static size_t line_length;

static int flush_line(FILE *file)
{
	(void)file;
	if (line_length && kestrel_print(line, line_length) != ERR_OK)
		return EOF;
	line_length = 0;
	return 0;
}

static int put_char(char c, FILE *file)
{
	line[line_length++] = c;
	if (c == '\n' || line_length == sizeof(line))
		return flush_line(file) == 0 ? (unsigned char)c : EOF;
	return (unsigned char)c;
}

static int get_char(FILE *file)
{
	(void)file;
	return EOF;
}

static FILE console = FDEV_SETUP_STREAM(put_char, get_char, flush_line, _FDEV_SETUP_RW);

FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;
