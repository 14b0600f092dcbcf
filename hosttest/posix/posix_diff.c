/* SPDX-License-Identifier: MIT */
/*
 * The differential POSIX suite's runner: every case of posix_cases.c runs
 * once on Linux (the host's C library, in a fresh temporary directory) and
 * once on libos + the file server + the ext2 engine (a fresh mke2fs image);
 * each case's two logs must be equal. TAP: one test per case (a failure
 * prints the first differing line of each log), then one for e2fsck -fn on
 * the image afterwards. POSIX_CASE=name runs one case only; POSIX_BLOCK_SIZE
 * chooses the image's block size (1024 unless set).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_cases.h"
#include "posix_world.h"

struct posix_case_table posix_cases_oracle, posix_cases_libos;
const char *case_base = "";

static char *log_text;
static size_t log_used, log_room;

void posix_case_register(struct posix_case_table *table, const char *name, int line,
			 void (*run)(void))
{
	if (table->count == POSIX_CASES_MAX) {
		fprintf(stderr, "posix_diff: more than %d cases\n", POSIX_CASES_MAX);
		exit(2);
	}
	table->cases[table->count++] = (struct posix_case){ name, line, run };
}

void case_log(const char *format, ...)
{
	char line[1024];
	va_list args;
	va_start(args, format);
	int n = vsnprintf(line, sizeof line, format, args);
	va_end(args);
	if (n < 0)
		return;
	size_t length = strlen(line);
	if (log_used + length + 2 > log_room) {
		log_room = (log_used + length + 2) * 2;
		log_text = realloc(log_text, log_room);
	}
	memcpy(log_text + log_used, line, length);
	log_used += length;
	log_text[log_used++] = '\n';
	log_text[log_used] = 0;
}

long case_int(int line, const char *text, long result, int error)
{
	if (result < 0)
		case_log("L%d %s = %ld errno %d (%s)", line, text, result, error,
			 strerrorname_np(error));
	else
		case_log("L%d %s = %ld", line, text, result);
	return result;
}

int case_fd(int line, const char *text, int fd, int error)
{
	if (fd < 0)
		case_log("L%d %s = %d errno %d (%s)", line, text, fd, error,
			 strerrorname_np(error));
	else
		case_log("L%d %s = fd", line, text);
	return fd;
}

void *case_ptr(int line, const char *text, void *pointer, int error)
{
	if (pointer == NULL)
		case_log("L%d %s = NULL errno %d (%s)", line, text, error, strerrorname_np(error));
	else
		case_log("L%d %s = ptr", line, text);
	return pointer;
}

static int by_line(const void *a, const void *b)
{
	return ((const struct posix_case *)a)->line - ((const struct posix_case *)b)->line;
}

static char *take_log(void)
{
	char *text = log_text != NULL ? strdup(log_text) : strdup("");
	log_used = 0;
	if (log_text != NULL)
		log_text[0] = 0;
	return text;
}

static bool selected(const struct posix_case *c)
{
	const char *only = getenv("POSIX_CASE");
	return only == NULL || strcmp(only, c->name) == 0;
}

/* The first line where two logs differ, printed as TAP diagnostics. */
static void show_difference(const char *a, const char *b)
{
	while (*a != 0 || *b != 0) {
		const char *ea = strchrnul(a, '\n'), *eb = strchrnul(b, '\n');
		if (ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)) != 0) {
			printf("#   linux: %.*s\n#   libos: %.*s\n", (int)(ea - a), a,
			       (int)(eb - b), b);
			return;
		}
		a = *ea ? ea + 1 : ea;
		b = *eb ? eb + 1 : eb;
	}
}

int main(void)
{
	struct posix_case_table *o = &posix_cases_oracle, *l = &posix_cases_libos;
	qsort(o->cases, (size_t)o->count, sizeof o->cases[0], by_line);
	qsort(l->cases, (size_t)l->count, sizeof l->cases[0], by_line);
	if (o->count != l->count) {
		printf("Bail out! %d oracle cases, %d libos cases\n", o->count, l->count);
		return 1;
	}
	int n = o->count;
	char **linux_logs = calloc((size_t)n, sizeof *linux_logs);
	char **libos_logs = calloc((size_t)n, sizeof *libos_logs);

	/* Linux, in a fresh temporary directory. */
	char base[] = "/tmp/kestrel-oracle-XXXXXX";
	if (mkdtemp(base) == NULL || chdir(base) != 0) {
		printf("Bail out! no temporary directory\n");
		return 1;
	}
	case_base = base;
	umask(022);
	for (int i = 0; i < n; i++) {
		if (!selected(&o->cases[i]))
			continue;
		char dir[16];
		snprintf(dir, sizeof dir, "c%03d", i);
		if (mkdir(dir, 0755) != 0 || chdir(dir) != 0)
			return 1;
		o->cases[i].run();
		linux_logs[i] = take_log();
		if (chdir(base) != 0)
			return 1;
	}
	char command[128];
	snprintf(command, sizeof command, "rm -rf %s", base);
	if (chdir("/") != 0 || pw_run(command) != 0)
		return 1;

	/* libos + server + ext2 on a fresh image. */
	static struct posix_world world;
	const char *block_size = getenv("POSIX_BLOCK_SIZE");
	unsigned block = block_size != NULL ? (unsigned)strtoul(block_size, NULL, 10) : 1024;
	if (pw_make_image(&world, 64, block) != 0 || pw_mount(&world) != 0) {
		printf("Bail out! no image\n");
		return 1;
	}
	struct posix_proc *proc = pw_client(&world, 0);
	if (proc == NULL) {
		printf("Bail out! no client\n");
		return 1;
	}
	posix_proc_use(proc);
	case_base = "";
	kos_umask(022);
	int leaks = 0;
	for (int i = 0; i < n; i++) {
		if (!selected(&l->cases[i]))
			continue;
		char dir[16];
		snprintf(dir, sizeof dir, "c%03d", i);
		if (kos_mkdir(dir, 0755) != 0 || kos_chdir(dir) != 0) {
			printf("Bail out! mkdir %s on libos: errno %d\n", dir, errno);
			return 1;
		}
		l->cases[i].run();
		/* Broken invariants show as a difference in the case's log. */
		if (!posix_proc_check_invariants(proc))
			case_log("libos: posix_proc_check_invariants failed");
		if (fs_server_check_invariants(world.server) != ERR_OK)
			case_log("libos: fs_server_check_invariants failed");
		libos_logs[i] = take_log();
		for (unsigned fd = 3; fd < POSIX_FD_MAX; fd++) {
			if (proc->fd[fd] != NULL) {
				leaks++;
				kos_close((int)fd);
			}
		}
		if (kos_chdir("/") != 0)
			return 1;
	}

	printf("1..%d\n", n + 1);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		if (!selected(&o->cases[i])) {
			printf("ok %d - %s # SKIP not selected\n", i + 1, o->cases[i].name);
			continue;
		}
		bool same = strcmp(linux_logs[i], libos_logs[i]) == 0;
		printf("%s %d - %s\n", same ? "ok" : "not ok", i + 1, o->cases[i].name);
		if (!same) {
			failed++;
			show_difference(linux_logs[i], libos_logs[i]);
		}
		if (getenv("POSIX_VERBOSE") != NULL)
			printf("# --- linux\n%s# --- libos\n%s", linux_logs[i], libos_logs[i]);
		free(linux_logs[i]);
		free(libos_logs[i]);
	}
	int fsck = pw_unmount(&world, true);
	printf("%s %d - e2fsck -fn clean after the cases (%d descriptors leaked by cases)\n",
	       fsck == 0 ? "ok" : "not ok", n + 1, leaks);
	if (fsck == 0)
		pw_remove(&world);
	else
		printf("# image kept in %s\n", world.dir);
	free(linux_logs);
	free(libos_logs);
	free(log_text);
	return failed != 0 || fsck != 0;
}
