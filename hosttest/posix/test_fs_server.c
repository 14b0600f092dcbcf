/* SPDX-License-Identifier: MIT */
/*
 * servers/fs/fs_server.c against a hostile client: requests crafted word
 * by word and handed to fs_server_dispatch (the decode and invoke step the
 * server loop runs for each taken request), on a fresh image with the real
 * ext2 engine. Every malformed opcode, inode number, handle, length, name
 * and buffer descriptor is refused with its status and changes nothing;
 * well-formed requests of every opcode work; detaching a client releases
 * the handles it left open; 20,000 random requests leave the server
 * consistent. The image is e2fsck-clean afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "posix_world.h"
#include "seed.h"

#define LINK 3u      /* the client link the crafted requests come from */
#define FREE_INO 40u /* in range, never allocated on a fresh image */

static struct posix_world world;
static struct channel_message request, reply;
static uint8_t *low; /* a page-aligned buffer below the channel's user limit */
static void *link_buffer;
static size_t link_size;
static struct channel_client link_client;
static struct channel_doorbell link_bell;

static int setup(void **state)
{
	(void)state;
	if (pw_make_image(&world, 8, 1024) != 0 || pw_mount(&world) != 0)
		return -1;
	low = mmap((void *)0x70000000u, 3 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (low == MAP_FAILED)
		return -1;
	/* The crafted requests' link is attached, as a taken request's is. */
	link_size = channel_buffer_size(4);
	link_buffer = aligned_alloc(4096, link_size);
	channel_doorbell_init(&link_bell);
	if (channel_client_init(&link_client, link_buffer, link_size, 4, &link_bell,
				&world.server_bell) != ERR_OK ||
	    fs_server_attach(world.server, LINK, link_buffer, link_size, &link_bell) != ERR_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(low, 3 * 4096);
	free(link_buffer);
	return pw_finish(&world);
}

static void craft(uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	memset(&request, 0, sizeof request);
	request.opcode = op;
	request.handle = channel_handle_naming_link(LINK);
	request.arg[0] = a0;
	request.arg[1] = a1;
	request.arg[2] = a2;
	request.arg[3] = a3;
}

static void payload(const void *bytes, size_t length)
{
	memcpy(request.payload, bytes, length);
	request.length = (uint32_t)length;
}

static void large(size_t length, bool writable)
{
	request.flags = CHANNEL_FLAG_LARGE | (writable ? CHANNEL_FLAG_LARGE_WRITABLE : 0);
	request.large.address = (uint64_t)(uintptr_t)low;
	request.large.length = length;
}

static int64_t send_unchecked(void)
{
	fs_server_dispatch(world.server, &request, &reply);
	return (int64_t)reply.arg[0];
}

static int64_t send(void)
{
	fs_server_dispatch(world.server, &request, &reply);
	assert_int_equal(fs_server_check_invariants(world.server), ERR_OK);
	assert_int_equal(reply.opcode, ERR_OK);
	assert_int_equal(reply.handle, request.handle);
	return (int64_t)reply.arg[0];
}

static int64_t named(uint32_t op, uint64_t dir, const char *name)
{
	craft(op, dir, 0755, 0, 0);
	payload(name, strlen(name));
	return send();
}

static void test_shape_refused(void **state)
{
	(void)state;
	craft(0, EXT2_ROOT_INO, 0, 0, 0);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_COUNT, EXT2_ROOT_INO, 0, 0, 0);
	assert_int_equal(send(), FS_EINVAL);
	craft(0x7fffffff, EXT2_ROOT_INO, 0, 0, 0);
	assert_int_equal(send(), FS_EINVAL);
	/* A large buffer where the opcode takes none. */
	craft(FS_OP_LOOKUP, EXT2_ROOT_INO, 0, 0, 0);
	payload("x", 1);
	large(4096, false);
	assert_int_equal(send(), FS_EINVAL);
	/* Inode numbers out of range. */
	assert_int_equal(named(FS_OP_LOOKUP, 0, "x"), FS_EINVAL);
	assert_int_equal(named(FS_OP_LOOKUP, 1u << 31, "x"), FS_EINVAL);
	assert_int_equal(named(FS_OP_LOOKUP, UINT64_MAX, "x"), FS_EINVAL);
	craft(FS_OP_GETATTR, world.server->max_ino + 1, 0, 0, 0);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_GETATTR, FREE_INO, 0, 0, 0);
	assert_true(send() < 0);
}

static void test_names_refused(void **state)
{
	(void)state;
	char long_name[300];
	memset(long_name, 'n', sizeof long_name);
	craft(FS_OP_CREATE, EXT2_ROOT_INO, 0644, 0, 0);
	payload(long_name, 256);
	assert_int_equal(send(), FS_ENAMETOOLONG);
	craft(FS_OP_CREATE, EXT2_ROOT_INO, 0644, 0, 0);
	assert_int_equal(send(), FS_EINVAL); /* empty */
	assert_int_equal(named(FS_OP_CREATE, EXT2_ROOT_INO, "a/b"), FS_EINVAL);
	craft(FS_OP_CREATE, EXT2_ROOT_INO, 0644, 0, 0);
	payload("a\0b", 3);
	assert_int_equal(send(), FS_EINVAL);
	assert_int_equal(named(FS_OP_CREATE, EXT2_ROOT_INO, "."), FS_EINVAL);
	assert_int_equal(named(FS_OP_MKDIR, EXT2_ROOT_INO, ".."), FS_EINVAL);
	assert_int_equal(named(FS_OP_UNLINK, EXT2_ROOT_INO, ""), FS_EINVAL);
	assert_int_equal(named(FS_OP_RMDIR, EXT2_ROOT_INO, "."), FS_EINVAL);
	assert_int_equal(named(FS_OP_LINK, EXT2_ROOT_INO, "x/"), FS_EINVAL);
	/* "." and ".." are for LOOKUP only, and "." must be a directory. */
	assert_int_equal(named(FS_OP_LOOKUP, EXT2_ROOT_INO, "."), EXT2_ROOT_INO);
	assert_int_equal(named(FS_OP_LOOKUP, EXT2_ROOT_INO, ".."), EXT2_ROOT_INO);
	int64_t file = named(FS_OP_CREATE, EXT2_ROOT_INO, "plain");
	assert_true(file > 0);
	assert_int_equal(named(FS_OP_LOOKUP, (uint64_t)file, "."), FS_ENOTDIR);
	assert_true(named(FS_OP_LOOKUP, FREE_INO, ".") < 0);
	assert_true(named(FS_OP_LOOKUP, FREE_INO, "x") < 0);
	assert_true(named(FS_OP_CREATE, FREE_INO, "x") < 0);
	assert_true(named(FS_OP_CREATE, (uint64_t)file, "x") < 0);
	assert_true(named(FS_OP_MKDIR, FREE_INO, "x") < 0);
	assert_int_equal(named(FS_OP_UNLINK, EXT2_ROOT_INO, "plain"), 0);
}

static void test_create_and_names(void **state)
{
	(void)state;
	int64_t ino = named(FS_OP_CREATE, EXT2_ROOT_INO, "c");
	assert_true(ino > 0);
	assert_int_equal(reply.arg[2], 1);
	assert_int_equal(named(FS_OP_CREATE, EXT2_ROOT_INO, "c"), ino); /* exists: returned */
	assert_int_equal(reply.arg[2], 0);
	craft(FS_OP_CREATE, EXT2_ROOT_INO, 0644, FS_CREATE_EXCL, 0);
	payload("c", 1);
	assert_int_equal(send(), FS_EEXIST);
	int64_t dir = named(FS_OP_MKDIR, EXT2_ROOT_INO, "dd");
	assert_true(dir > 0);
	/* LINK: the linked inode must be in range. */
	craft(FS_OP_LINK, EXT2_ROOT_INO, 0, 0, 0);
	payload("c2", 2);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_LINK, EXT2_ROOT_INO, (uint64_t)ino, 0, 0);
	payload("c2", 2);
	assert_int_equal(send(), 0);
	/* SYMLINK: the split must lie inside the bytes; a target, no NUL. */
	craft(FS_OP_SYMLINK, EXT2_ROOT_INO, 9, 0, 0);
	payload("s", 1);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_SYMLINK, EXT2_ROOT_INO, 1, 0, 0);
	payload("s", 1);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_SYMLINK, EXT2_ROOT_INO, 1, 0, 0);
	payload("sa\0b", 4);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_SYMLINK, EXT2_ROOT_INO, 2, 0, 0);
	payload("/x", 2);
	assert_int_equal(send(), FS_EINVAL); /* the name has a '/' */
	craft(FS_OP_SYMLINK, EXT2_ROOT_INO, 1, 0, 5000);
	large(4096, false);
	assert_int_equal(send(), FS_EINVAL); /* more bytes than the buffer */
	memcpy(low, "sc", 2);
	craft(FS_OP_SYMLINK, EXT2_ROOT_INO, 1, 0, 2);
	large(4096, false);
	int64_t link = send();
	assert_true(link > 0);
	/* READLINK inline and into a buffer; not a symlink. */
	craft(FS_OP_READLINK, (uint64_t)link, 0, 0, 0);
	assert_int_equal(send(), 1);
	assert_int_equal(reply.length, 1);
	assert_int_equal(reply.payload[0], 'c');
	craft(FS_OP_READLINK, (uint64_t)link, 0, 0, 0);
	large(4096, true);
	assert_int_equal(send(), 1);
	craft(FS_OP_READLINK, (uint64_t)ino, 0, 0, 0);
	assert_true(send() < 0);
	/* RENAME: both names checked, the target directory in range. */
	craft(FS_OP_RENAME, EXT2_ROOT_INO, 0, 1, 0);
	payload("cx", 2);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_RENAME, EXT2_ROOT_INO, (uint64_t)dir, 1, 0);
	payload("c/", 2);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_RENAME, EXT2_ROOT_INO, (uint64_t)dir, 3, 0);
	payload("c", 1);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_RENAME, EXT2_ROOT_INO, (uint64_t)dir, 0, 0);
	payload("cx", 2);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_RENAME, EXT2_ROOT_INO, (uint64_t)dir, 1, 0);
	payload("cx", 2);
	assert_int_equal(send(), 0);
	assert_int_equal(named(FS_OP_LOOKUP, (uint64_t)dir, "x"), ino);
	/* TRUNCATE and GETATTR of a free inode; STATFS. */
	craft(FS_OP_TRUNCATE, FREE_INO, 10, 0, 0);
	assert_true(send() < 0);
	craft(FS_OP_STATFS, 0, 0, 0, 0);
	assert_int_equal(send(), 0);
	assert_int_equal(reply.length, sizeof(struct fs_wire_statfs));
	assert_int_equal(named(FS_OP_UNLINK, (uint64_t)dir, "x"), 0);
	assert_int_equal(named(FS_OP_UNLINK, EXT2_ROOT_INO, "c2"), 0);
	assert_int_equal(named(FS_OP_UNLINK, EXT2_ROOT_INO, "s"), 0);
	assert_int_equal(named(FS_OP_RMDIR, EXT2_ROOT_INO, "dd"), 0);
}

static void test_handles(void **state)
{
	(void)state;
	int64_t ino = named(FS_OP_CREATE, EXT2_ROOT_INO, "h");
	assert_true(ino > 0);
	craft(FS_OP_OPEN, FREE_INO, 0, 0, 0);
	assert_true(send() < 0);
	craft(FS_OP_OPEN, (uint64_t)ino, 0, 0, 0);
	int64_t handle = send();
	assert_true(handle > 0);
	/* Forged handles: another slot, a wrong generation, high bits. */
	uint64_t forged[] = { (uint64_t)handle + 1, (uint64_t)handle ^ (1u << 16),
			      (uint64_t)handle | (1ull << 40), FS_HANDLES, 0xffff };
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		craft(FS_OP_FSYNC, forged[i], 0, 0, 0);
		assert_int_equal(send(), FS_EBADF);
	}
	/* Another client does not hold it either. */
	craft(FS_OP_FSYNC, (uint64_t)handle, 0, 0, 0);
	request.handle = channel_handle_naming_link(LINK + 1);
	assert_int_equal(send(), FS_EBADF);
	/* WRITE: inline length must match the payload; buffer bounds. */
	craft(FS_OP_WRITE, (uint64_t)handle, 0, 5, 0);
	payload("abc", 3);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_WRITE, (uint64_t)handle, 0, 3, 0);
	payload("abc", 3);
	assert_int_equal(send(), 3);
	assert_int_equal(reply.arg[1], 3);
	craft(FS_OP_WRITE, (uint64_t)handle, 0, 100, (uint64_t)4090 << 8);
	large(4096, false);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_WRITE, (uint64_t)handle, 0, 1, (uint64_t)5000 << 8);
	large(4096, false);
	assert_int_equal(send(), FS_EINVAL);
	memcpy(low + 8, "defg", 4);
	craft(FS_OP_WRITE, (uint64_t)handle, 0, 4, FS_WRITE_APPEND | (8u << 8));
	large(4096, false);
	assert_int_equal(send(), 4);
	assert_int_equal(reply.arg[1], 7);
	craft(FS_OP_WRITE, (uint64_t)handle, INT64_MAX, 3, 0);
	payload("abc", 3);
	assert_int_equal(send(), FS_EFBIG);
	/* READ: inline up to 256 bytes; a buffer must be writable and fit. */
	craft(FS_OP_READ, (uint64_t)handle, 0, 300, 0);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_READ, (uint64_t)handle, 0, 10, 0);
	large(4096, false);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_READ, (uint64_t)handle, 0, 10, 4090);
	large(4096, true);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_READ, (uint64_t)handle, 0, 10, 5000);
	large(4096, true);
	assert_int_equal(send(), FS_EINVAL);
	craft(FS_OP_READ, (uint64_t)handle, 0, 10, 0);
	assert_int_equal(send(), 7);
	assert_int_equal(reply.length, 7);
	assert_memory_equal(reply.payload, "abcdefg", 7);
	craft(FS_OP_READ, (uint64_t)handle, 1, 10, 100);
	large(4096, true);
	assert_int_equal(send(), 6);
	assert_memory_equal(low + 100, "bcdefg", 6);
	/* Released: the handle is dead, and so is a second release. */
	craft(FS_OP_RELEASE, (uint64_t)handle, 0, 0, 0);
	assert_int_equal(send(), 0);
	craft(FS_OP_RELEASE, (uint64_t)handle, 0, 0, 0);
	assert_int_equal(send(), FS_EBADF);
	craft(FS_OP_READ, (uint64_t)handle, 0, 10, 0);
	assert_int_equal(send(), FS_EBADF);
	/* A directory's handle reads nothing. */
	craft(FS_OP_OPEN, EXT2_ROOT_INO, 0, 0, 0);
	int64_t dir = send();
	assert_true(dir >= 0);
	craft(FS_OP_READ, (uint64_t)dir, 0, 10, 0);
	assert_true(send() < 0);
	/* Nor is a directory written or truncated as if it were data. */
	craft(FS_OP_WRITE, (uint64_t)dir, 0, 3, 0);
	payload("abc", 3);
	assert_true(send() < 0);
	craft(FS_OP_TRUNCATE, EXT2_ROOT_INO, 0, 0, 0);
	assert_true(send() < 0);
	int64_t link = named(FS_OP_LOOKUP, EXT2_ROOT_INO, "lost+found");
	craft(FS_OP_TRUNCATE, (uint64_t)link, 5000, 0, 0);
	assert_true(send() < 0);
	craft(FS_OP_RELEASE, (uint64_t)dir, 0, 0, 0);
	assert_int_equal(send(), 0);
	/* A full table: FS_ENOMEM; the generation of one slot wraps. */
	int64_t all[FS_HANDLES];
	for (unsigned i = 0; i < FS_HANDLES; i++) {
		craft(FS_OP_OPEN, (uint64_t)ino, 0, 0, 0);
		all[i] = send();
		assert_true(all[i] >= 0);
	}
	craft(FS_OP_OPEN, (uint64_t)ino, 0, 0, 0);
	assert_int_equal(send(), FS_ENOMEM);
	for (unsigned i = 0; i < FS_HANDLES; i++) {
		craft(FS_OP_RELEASE, (uint64_t)all[i], 0, 0, 0);
		assert_int_equal(send(), 0);
	}
	for (unsigned i = 0; i < 65537; i++) {
		craft(FS_OP_OPEN, (uint64_t)ino, 0, 0, 0);
		int64_t h = send_unchecked();
		assert_int_equal(fs_handle_slot((uint64_t)h), 0);
		assert_true(h >> 16 != 0);
		craft(FS_OP_RELEASE, (uint64_t)h, 0, 0, 0);
		assert_int_equal(send_unchecked(), 0);
	}
	assert_int_equal(fs_server_check_invariants(world.server), ERR_OK);
	assert_int_equal(named(FS_OP_UNLINK, EXT2_ROOT_INO, "h"), 0);
}

/* FS_OP_OPEN_NAME: open(2)'s last step in one request. */
static void open_name(const char *name, uint64_t how, uint64_t mode)
{
	craft(FS_OP_OPEN_NAME, EXT2_ROOT_INO, how, mode, 0);
	payload(name, strlen(name));
}

static void test_open_name(void **state)
{
	(void)state;
	struct fs_server_client *client = &world.server->client[LINK];
	uint32_t open_before = client->open_handles;
	open_name("on", 1u << 5, 0);
	assert_int_equal(send(), FS_EINVAL); /* an unknown flag */
	open_name(".", 0, 0);
	assert_int_equal(send(), FS_EINVAL);
	open_name("on", 0, 0);
	assert_int_equal(send(), FS_ENOENT);
	/* Created, opened: handle, mode, inode. */
	open_name("on", FS_OPEN_CREATE | FS_OPEN_WRITE, 0640);
	int64_t handle = send();
	assert_true(handle > 0);
	assert_int_equal(reply.arg[1], FS_TYPE_REGULAR | 0640);
	uint64_t ino = reply.arg[2];
	assert_int_equal(named(FS_OP_LOOKUP, EXT2_ROOT_INO, "on"), (int64_t)ino);
	open_name("on", FS_OPEN_CREATE | FS_OPEN_EXCL, 0640);
	assert_int_equal(send(), FS_EEXIST);
	assert_int_equal(client->open_handles, open_before + 1);
	/* Opened again and truncated. */
	craft(FS_OP_WRITE, (uint64_t)handle, 0, 3, 0);
	payload("abc", 3);
	assert_int_equal(send(), 3);
	open_name("on", FS_OPEN_WRITE | FS_OPEN_TRUNCATE, 0);
	int64_t again = send();
	assert_true(again > 0 && again != handle);
	craft(FS_OP_GETATTR, ino, 0, 0, 0);
	assert_int_equal(send(), 0);
	assert_int_equal(((struct fs_wire_stat *)(void *)reply.payload)->size, 0);
	open_name("on", FS_OPEN_DIRECTORY, 0);
	assert_int_equal(send(), FS_ENOTDIR);
	/* A directory: opened for reading only; the refusals give the
	 * handle back. */
	assert_true(named(FS_OP_MKDIR, EXT2_ROOT_INO, "od") > 0);
	open_name("od", FS_OPEN_WRITE, 0);
	assert_int_equal(send(), FS_EISDIR);
	open_name("od", FS_OPEN_CREATE, 0644);
	assert_int_equal(send(), FS_EISDIR);
	open_name("od", FS_OPEN_DIRECTORY, 0);
	int64_t dir = send();
	assert_true(dir > 0);
	assert_int_equal(reply.arg[1] & FS_TYPE_MASK, FS_TYPE_DIRECTORY);
	assert_int_equal(client->open_handles, open_before + 3);
	/* A symlink is not opened: the client resolves it. */
	craft(FS_OP_SYMLINK, EXT2_ROOT_INO, 2, 0, 0);
	payload("olon", 4);
	int64_t link = send();
	assert_true(link > 0);
	open_name("ol", FS_OPEN_CREATE, 0644);
	assert_int_equal(send(), 0);
	assert_int_equal(reply.arg[1] & FS_TYPE_MASK, FS_TYPE_SYMLINK);
	assert_int_equal(reply.arg[2], (uint64_t)link);
	assert_int_equal(client->open_handles, open_before + 3);
	/* A directory not in use: nothing found or created. */
	open_name("gone", FS_OPEN_CREATE, 0644);
	request.arg[0] = FREE_INO;
	assert_true(send() < 0);
	int64_t handles[] = { handle, again, dir };
	for (size_t i = 0; i < 3; i++) {
		craft(FS_OP_RELEASE, (uint64_t)handles[i], 0, 0, 0);
		assert_int_equal(send(), 0);
	}
	assert_int_equal(named(FS_OP_UNLINK, EXT2_ROOT_INO, "ol"), 0);
	assert_int_equal(named(FS_OP_UNLINK, EXT2_ROOT_INO, "on"), 0);
	assert_int_equal(named(FS_OP_RMDIR, EXT2_ROOT_INO, "od"), 0);
}

static void test_readdir(void **state)
{
	(void)state;
	int64_t dir = named(FS_OP_MKDIR, EXT2_ROOT_INO, "rd");
	assert_true(dir > 0);
	char name[256];
	memset(name, 'L', 255);
	name[255] = 0;
	assert_true(named(FS_OP_CREATE, (uint64_t)dir, name) > 0);
	for (int i = 0; i < 40; i++) {
		char short_name[16];
		snprintf(short_name, sizeof short_name, "entry%02d", i);
		assert_true(named(FS_OP_CREATE, (uint64_t)dir, short_name) > 0);
	}
	/* Inline: batches of what fits in 256 bytes; the long name never fits. */
	uint64_t cookie = 0;
	unsigned seen = 0, batches = 0;
	bool refused_long = false;
	for (;;) {
		craft(FS_OP_READDIR, (uint64_t)dir, cookie, 0, 0);
		int64_t count = send();
		if (count == FS_EINVAL) {
			refused_long = true;
			break;
		}
		assert_true(count > 0 || reply.arg[2] == 1);
		seen += (unsigned)count;
		batches++;
		cookie = reply.arg[1];
		if (reply.arg[2] == 1)
			break;
	}
	assert_true(refused_long); /* 8 + 255 bytes never fit inline */
	assert_true(batches >= 1);
	/* Into a buffer: everything in one or two batches. */
	cookie = 0;
	seen = 0;
	do {
		craft(FS_OP_READDIR, (uint64_t)dir, cookie, 0, 0);
		large(4096, true);
		int64_t count = send();
		assert_true(count >= 0);
		seen += (unsigned)count;
		cookie = reply.arg[1];
	} while (reply.arg[2] != 1);
	assert_int_equal(seen, 43); /* ".", "..", the long one and 40 */
	/* Not a directory; a free inode. */
	int64_t file = named(FS_OP_LOOKUP, (uint64_t)dir, "entry00");
	craft(FS_OP_READDIR, (uint64_t)file, 0, 0, 0);
	assert_true(send() < 0);
	craft(FS_OP_READDIR, FREE_INO, 0, 0, 0);
	assert_true(send() < 0);
}

static void test_detach_releases(void **state)
{
	(void)state;
	/* A client that opens a file, unlinks it and goes away: the file's
	 * inode is freed when the server releases what it left open. */
	assert_int_equal(fs_server_attach(world.server, LINK, link_buffer, link_size, &link_bell),
			 ERR_DELETE_FIRST);
	struct fs_wire_statfs before, after;
	craft(FS_OP_STATFS, 0, 0, 0, 0);
	send();
	memcpy(&before, reply.payload, sizeof before);
	int64_t ino = named(FS_OP_CREATE, EXT2_ROOT_INO, "gone");
	craft(FS_OP_OPEN, (uint64_t)ino, 0, 0, 0);
	int64_t handle = send();
	assert_true(handle >= 0);
	assert_int_equal(named(FS_OP_UNLINK, EXT2_ROOT_INO, "gone"), 0);
	craft(FS_OP_GETATTR, (uint64_t)ino, 0, 0, 0);
	assert_int_equal(send(), 0); /* open: still there */
	assert_int_equal(fs_server_detach(world.server, LINK), ERR_OK);
	assert_int_equal(fs_server_detach(world.server, LINK), ERR_ILLEGAL_OPERATION);
	craft(FS_OP_STATFS, 0, 0, 0, 0);
	send();
	memcpy(&after, reply.payload, sizeof after);
	assert_int_equal(after.free_inodes, before.free_inodes);
	/* Through the channel: a request served by the server loop. */
	assert_int_equal(fs_server_attach(world.server, LINK, link_buffer, link_size, &link_bell),
			 ERR_OK);
	struct channel_message m = { .opcode = FS_OP_STATFS }, r;
	uint32_t tag;
	assert_int_equal(channel_client_submit(&link_client, &m, &tag), ERR_OK);
	assert_true(fs_server_serve_one(world.server, 0));
	assert_false(fs_server_serve_one(world.server, 0));
	assert_int_equal(channel_client_wait(&link_client, tag, 0, &r), ERR_OK);
	assert_int_equal(r.arg[0], 0);
	assert_int_equal(fs_server_detach(world.server, LINK), ERR_OK);
}

/* A random name: short, from an alphabet with '/', '.', NUL and high bytes,
 * so that most are refused and some collide. */
static uint32_t random_name(struct seed_rng *rng, uint8_t *out)
{
	static const uint8_t alphabet[] = { 'a', 'b', 'c', '.', '/', 0, 0xff, 'd' };
	uint32_t length = (uint32_t)seed_below(rng, 5);
	if (seed_below(rng, 50) == 0)
		length = 250 + (uint32_t)seed_below(rng, 7); /* up to the whole payload */
	for (uint32_t i = 0; i < length; i++)
		out[i] = alphabet[seed_below(rng, length > 8 ? 4 : sizeof alphabet)];
	return length;
}

/* Random requests of every opcode, with arguments near and far from the
 * valid ones; the server must answer each, keep its invariants, and leave
 * the file system e2fsck-clean once the client is gone. */
static void test_random_requests(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("fs_server_random");
	if (channel_server_link_state(&world.server->channels, LINK) == CHANNEL_DETACHED)
		assert_int_equal(
		    fs_server_attach(world.server, LINK, link_buffer, link_size, &link_bell),
		    ERR_OK);
	uint64_t handles[16] = { 0 };
	uint32_t inos[16] = { EXT2_ROOT_INO, EXT2_ROOT_INO };
	unsigned refused = 0, done = 0;
	for (unsigned step = 0; step < 20000; step++) {
		uint32_t op = (uint32_t)seed_below(&rng, FS_OP_COUNT + 2);
		uint64_t arg[4];
		for (int i = 0; i < 4; i++) {
			switch (seed_below(&rng, 6)) {
			case 0: arg[i] = seed_next(&rng); break;
			case 1: arg[i] = seed_below(&rng, 64); break;
			case 2: arg[i] = handles[seed_below(&rng, 16)]; break;
			case 3: arg[i] = seed_below(&rng, 9000); break;
			default: arg[i] = inos[seed_below(&rng, 16)]; break;
			}
		}
		if (op == FS_OP_WRITE || op == FS_OP_READ) {
			arg[2] %= 600;
			arg[3] = seed_below(&rng, 2) ? 0 : arg[3] % 5000;
		}
		craft(op, arg[0], arg[1], arg[2], arg[3]);
		request.length = random_name(&rng, request.payload);
		if (op == FS_OP_WRITE && seed_below(&rng, 2) == 0) {
			request.length = (uint32_t)(arg[2] % 257);
			request.arg[2] = request.length;
		}
		if (seed_below(&rng, 4) == 0)
			large(4096 * (1 + seed_below(&rng, 3)), seed_below(&rng, 2) == 0);
		int64_t r = send();
		if (r < 0) {
			refused++;
			continue;
		}
		done++;
		if (op == FS_OP_OPEN)
			handles[seed_below(&rng, 16)] = (uint64_t)r;
		if ((op == FS_OP_LOOKUP || op == FS_OP_CREATE || op == FS_OP_MKDIR) && r > 0)
			inos[seed_below(&rng, 16)] = (uint32_t)r;
	}
	print_message("# %u requests done, %u refused\n", done, refused);
	/* The client goes: its handles are released. */
	assert_int_equal(fs_server_detach(world.server, LINK), ERR_OK);
	assert_int_equal(fs_server_attach(world.server, LINK, link_buffer, link_size, &link_bell),
			 ERR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_refused),    cmocka_unit_test(test_names_refused),
		cmocka_unit_test(test_create_and_names), cmocka_unit_test(test_handles),
		cmocka_unit_test(test_open_name),        cmocka_unit_test(test_readdir),
		cmocka_unit_test(test_detach_releases),  cmocka_unit_test(test_random_requests),
	};
	return cmocka_run_group_tests_name("fs_server", tests, setup, teardown);
}
