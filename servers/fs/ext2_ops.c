/* SPDX-License-Identifier: MIT */
/*
 * The calls of ext2.h. Each one first checks its arguments and the state it
 * depends on (decode), then changes the cache; a failure after the first
 * change is undone (a new inode freed again) so that "fails, changes
 * nothing" holds for everything but FS_EIO. Callers: the server's dispatch
 * (fs_server.c) and the host tests.
 */
#include "ext2_impl.h"

#define LINK_WALK_LIMIT 65536u

static bool is_directory(const struct ext2_inode *inode)
{
	return (inode->mode & FS_TYPE_MASK) == FS_TYPE_DIRECTORY;
}

static bool is_dot_name(const char *name, size_t length)
{
	return (length == 1 && name[0] == '.') || (length == 2 && name[0] == '.' && name[1] == '.');
}

/* A name as ext2.h defines it; "." and ".." only where `dots` allows. */
static int check_name(const char *name, size_t length, bool dots)
{
	if (length == 0 || name == NULL)
		return FS_EINVAL;
	if (length > EXT2_NAME_MAX)
		return FS_ENAMETOOLONG;
	for (size_t i = 0; i < length; i++)
		if (name[i] == '/' || name[i] == 0)
			return FS_EINVAL;
	if (!dots && is_dot_name(name, length))
		return FS_EINVAL;
	return FS_OK;
}

/* A live directory, and a valid name in it. */
static int get_dir(struct ext2_fs *fs, uint32_t ino, const char *name, size_t length, bool dots,
		   struct ext2_inode *dir)
{
	int status = check_name(name, length, dots);
	if (status != FS_OK)
		return status;
	status = ext2_inode_get_live(fs, ino, dir);
	if (status != FS_OK)
		return status;
	return is_directory(dir) ? FS_OK : FS_ENOTDIR;
}

static void stamp(const struct ext2_fs *fs, struct ext2_inode *inode, bool modified)
{
	uint32_t t = ext2_now(fs);
	inode->ctime = t;
	if (modified)
		inode->mtime = t;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir_ino, const char *name, size_t length,
		uint32_t *ino)
{
	struct ext2_inode dir;
	int status = get_dir(fs, dir_ino, name, length, true, &dir);
	if (status != FS_OK)
		return status;
	if (dir.links == 0)
		return FS_ENOENT; /* removed while open */
	struct ext2_dir_slot slot;
	status = ext2_dir_find(fs, &dir, name, length, &slot);
	if (status == FS_OK)
		*ino = slot.ino;
	return status;
}

/* The parent checks of every call that adds a name: writable, a live
 * directory that still has a name, the name not taken. */
static int prepare_add(struct ext2_fs *fs, uint32_t dir_ino, const char *name, size_t length,
		       struct ext2_inode *dir)
{
	int status = ext2_writable(fs);
	if (status == FS_OK)
		status = get_dir(fs, dir_ino, name, length, false, dir);
	if (status != FS_OK)
		return status;
	if (dir->links == 0)
		return FS_ENOENT;
	struct ext2_dir_slot slot;
	status = ext2_dir_find(fs, dir, name, length, &slot);
	if (status == FS_OK)
		return FS_EEXIST;
	return status == FS_ENOENT ? FS_OK : status;
}

/* The body of create, mkdir and symlink: a new inode of `mode`, filled by
 * its kind, then named in `dir`. */
static int make_node(struct ext2_fs *fs, uint32_t dir_ino, const char *name, size_t length,
		     uint32_t mode, uint32_t uid, uint32_t gid, const char *target,
		     size_t target_length, uint32_t *out)
{
	struct ext2_inode dir;
	int status = prepare_add(fs, dir_ino, name, length, &dir);
	if (status != FS_OK)
		return status;
	bool directory = (mode & FS_TYPE_MASK) == FS_TYPE_DIRECTORY;
	if (directory && dir.links >= EXT2_LINK_MAX)
		return FS_EMLINK;
	struct ext2_inode node;
	ext2_zero(&node, sizeof(node));
	status = ext2_inode_alloc(fs, dir_ino, directory, &node.ino);
	if (status != FS_OK)
		return status;
	node.mode = mode;
	node.uid = uid;
	node.gid = gid;
	node.links = directory ? 2 : 1;
	node.atime = node.ctime = node.mtime = ext2_now(fs);
	status = ext2_inode_init(fs, &node);
	if (status == FS_OK && directory)
		status = ext2_dir_init(fs, &node, dir_ino);
	if (status == FS_OK && target != NULL) {
		node.size = target_length;
		if (target_length <= EXT2_FAST_SYMLINK_MAX) {
			uint8_t bytes[4 * EXT2_N_BLOCKS] = { 0 };
			ext2_copy(bytes, target, target_length);
			for (uint32_t i = 0; i < EXT2_N_BLOCKS; i++)
				node.block[i] = get32(bytes + 4 * i);
		} else {
			uint32_t block;
			uint8_t *b;
			status = ext2_bmap(fs, &node, 0, true, &block);
			if (status == FS_OK)
				status = cache_get(fs, block, false, &b);
			if (status == FS_OK) {
				ext2_copy(b, target, target_length);
				cache_dirty(fs, b, CLASS_DATA);
			}
		}
	}
	if (status == FS_OK)
		status = ext2_inode_write(fs, &node);
	if (status == FS_OK)
		status = ext2_dir_add(fs, &dir, name, length, node.ino, ext2_mode_to_ft(mode));
	if (status != FS_OK) {
		if (status != FS_EIO) {
			node.links = 0;
			(void)ext2_inode_delete(fs, &node);
		}
		return status;
	}
	if (directory)
		dir.links++;
	stamp(fs, &dir, true);
	status = ext2_inode_write(fs, &dir);
	if (status == FS_OK)
		*out = node.ino;
	return status;
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length, uint32_t mode,
		uint32_t uid, uint32_t gid, uint32_t *ino)
{
	return make_node(fs, dir, name, length, FS_TYPE_REGULAR | (mode & 07777), uid, gid, NULL, 0,
			 ino);
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length, uint32_t mode,
	       uint32_t uid, uint32_t gid, uint32_t *ino)
{
	return make_node(fs, dir, name, length, FS_TYPE_DIRECTORY | (mode & 07777), uid, gid, NULL,
			 0, ino);
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length,
		 const char *target, size_t target_length, uint32_t uid, uint32_t gid,
		 uint32_t *ino)
{
	if (target == NULL || target_length == 0)
		return FS_ENOENT;
	if (target_length >= fs->block_size)
		return FS_ENAMETOOLONG;
	return make_node(fs, dir, name, length, FS_TYPE_SYMLINK | 0777, uid, gid, target,
			 target_length, ino);
}

int ext2_link(struct ext2_fs *fs, uint32_t dir_ino, const char *name, size_t length, uint32_t ino)
{
	struct ext2_inode dir, target;
	int status = prepare_add(fs, dir_ino, name, length, &dir);
	if (status == FS_OK)
		status = ext2_inode_get_live(fs, ino, &target);
	if (status != FS_OK)
		return status;
	if (is_directory(&target))
		return FS_EPERM;
	if (target.links == 0)
		return FS_ENOENT;
	if (target.links >= EXT2_LINK_MAX)
		return FS_EMLINK;
	status = ext2_dir_add(fs, &dir, name, length, ino, ext2_mode_to_ft(target.mode));
	if (status != FS_OK)
		return status;
	target.links++;
	stamp(fs, &target, false);
	stamp(fs, &dir, true);
	status = ext2_inode_write(fs, &target);
	return status == FS_OK ? ext2_inode_write(fs, &dir) : status;
}

/* One link fewer; the inode goes when no link and no handle is left. */
static int drop_link(struct ext2_fs *fs, struct ext2_inode *inode)
{
	if (is_directory(inode))
		inode->links = 0;
	else if (inode->links > 0)
		inode->links--;
	stamp(fs, inode, false);
	if (inode->links == 0) {
		uint32_t i = ext2_open_find(fs, inode->ino, NULL);
		if (i == EXT2_OPEN_SLOTS)
			return ext2_inode_delete(fs, inode);
		fs->open[i].orphan = 1;
	}
	return ext2_inode_write(fs, inode);
}

/* Find `name` in `dir` and read its inode. */
static int find_child(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
		      size_t length, struct ext2_dir_slot *slot, struct ext2_inode *child)
{
	int status = ext2_dir_find(fs, dir, name, length, slot);
	if (status != FS_OK)
		return status;
	status = ext2_inode_read(fs, slot->ino, child);
	if (status != FS_OK)
		return status;
	return child->links == 0 ? FS_EUCLEAN : FS_OK;
}

static int remove_name(struct ext2_fs *fs, uint32_t dir_ino, const char *name, size_t length,
		       bool want_directory)
{
	int status = ext2_writable(fs);
	if (status != FS_OK)
		return status;
	struct ext2_inode dir, child;
	if (want_directory && length == 2 && check_name(name, length, true) == FS_OK &&
	    is_dot_name(name, length))
		return FS_ENOTEMPTY;
	status = get_dir(fs, dir_ino, name, length, false, &dir);
	struct ext2_dir_slot slot;
	if (status == FS_OK)
		status = find_child(fs, &dir, name, length, &slot, &child);
	if (status != FS_OK)
		return status;
	if (want_directory) {
		if (!is_directory(&child))
			return FS_ENOTDIR;
		status = ext2_dir_is_empty(fs, &child);
		if (status != FS_OK)
			return status;
	} else if (is_directory(&child)) {
		return FS_EISDIR;
	}
	status = ext2_dir_remove(fs, &dir, &slot);
	if (status != FS_OK)
		return status;
	if (want_directory && dir.links > 2)
		dir.links--;
	stamp(fs, &dir, true);
	status = ext2_inode_write(fs, &dir);
	return status == FS_OK ? drop_link(fs, &child) : status;
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length)
{
	return remove_name(fs, dir, name, length, false);
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length)
{
	return remove_name(fs, dir, name, length, true);
}

/* Whether directory `ino` is `ancestor` or lies below it, by "..". */
static int is_below(struct ext2_fs *fs, uint32_t ino, uint32_t ancestor)
{
	for (uint32_t steps = 0; steps < LINK_WALK_LIMIT; steps++) {
		if (ino == ancestor)
			return 1;
		if (ino == EXT2_ROOT_INO)
			return 0;
		struct ext2_inode dir;
		struct ext2_dir_slot slot;
		int status = ext2_inode_get_live(fs, ino, &dir);
		if (status == FS_OK && !is_directory(&dir))
			status = FS_EUCLEAN;
		if (status == FS_OK)
			status = ext2_dir_find(fs, &dir, "..", 2, &slot);
		if (status != FS_OK)
			return status == FS_ENOENT ? FS_EUCLEAN : status;
		ino = slot.ino;
	}
	return FS_EUCLEAN; /* a cycle of ".." entries */
}

int ext2_rename(struct ext2_fs *fs, uint32_t from_ino, const char *from, size_t from_length,
		uint32_t to_ino, const char *to, size_t to_length)
{
	int status = ext2_writable(fs);
	if (status != FS_OK)
		return status;
	struct ext2_inode from_dir, to_store, *to_dir = &to_store, src, dst;
	struct ext2_dir_slot src_slot, dst_slot;
	status = get_dir(fs, from_ino, from, from_length, false, &from_dir);
	if (status == FS_OK)
		status = get_dir(fs, to_ino, to, to_length, false, to_dir);
	if (status == FS_OK)
		status = find_child(fs, &from_dir, from, from_length, &src_slot, &src);
	if (status != FS_OK)
		return status;
	if (from_ino == to_ino)
		to_dir = &from_dir;
	if (to_dir->links == 0)
		return FS_ENOENT;
	status = find_child(fs, to_dir, to, to_length, &dst_slot, &dst);
	bool replace = status == FS_OK;
	if (status != FS_OK && status != FS_ENOENT)
		return status;
	if (replace && dst.ino == src.ino)
		return FS_OK; /* two names of one file: POSIX does nothing */
	bool moving_dir = is_directory(&src);
	if (moving_dir) {
		if (replace && !is_directory(&dst))
			return FS_ENOTDIR;
		if (replace && (status = ext2_dir_is_empty(fs, &dst)) != FS_OK)
			return status;
		if (from_ino != to_ino) {
			int below = is_below(fs, to_ino, src.ino);
			if (below < 0)
				return below;
			if (below)
				return FS_EINVAL;
			if (!replace && to_dir->links >= EXT2_LINK_MAX)
				return FS_EMLINK;
		}
	} else if (replace && is_directory(&dst)) {
		return FS_EISDIR;
	}
	/* The new name first, then the old one goes: a crash between leaves
	 * two names (e2fsck mends the count), never none. */
	uint32_t ft = ext2_mode_to_ft(src.mode);
	if (replace)
		status = ext2_dir_retarget(fs, to_dir, &dst_slot, src.ino, ft);
	else
		status = ext2_dir_add(fs, to_dir, to, to_length, src.ino, ft);
	if (status == FS_OK)
		status = ext2_dir_remove(fs, &from_dir, &src_slot);
	if (status != FS_OK)
		return status;
	if (moving_dir && from_ino != to_ino) {
		struct ext2_dir_slot dotdot;
		status = ext2_dir_find(fs, &src, "..", 2, &dotdot);
		if (status == FS_OK)
			status = ext2_dir_retarget(fs, &src, &dotdot, to_ino, EXT2_FT_DIR);
		if (status != FS_OK)
			return status == FS_ENOENT ? FS_EUCLEAN : status;
		from_dir.links--;
		to_dir->links++;
	}
	if (replace && is_directory(&dst))
		to_dir->links--; /* the replaced directory's ".." */
	stamp(fs, &src, false);
	stamp(fs, &from_dir, true);
	stamp(fs, to_dir, true);
	status = ext2_inode_write(fs, &src);
	if (status == FS_OK)
		status = ext2_inode_write(fs, &from_dir);
	if (status == FS_OK && to_dir != &from_dir)
		status = ext2_inode_write(fs, to_dir);
	if (status == FS_OK && replace)
		status = drop_link(fs, &dst);
	return status;
}

int ext2_open(struct ext2_fs *fs, uint32_t ino)
{
	uint32_t mode;
	return ext2_open_mode(fs, ino, &mode);
}

int ext2_open_mode(struct ext2_fs *fs, uint32_t ino, uint32_t *mode)
{
	struct ext2_inode inode;
	int status = ext2_inode_get_live(fs, ino, &inode);
	if (status != FS_OK)
		return status;
	*mode = inode.mode;
	uint32_t free_slot;
	uint32_t i = ext2_open_find(fs, ino, &free_slot);
	if (i < EXT2_OPEN_SLOTS) {
		fs->open[i].count++;
		return FS_OK;
	}
	if (free_slot == EXT2_OPEN_SLOTS)
		return FS_ENOMEM;
	fs->open[free_slot].ino = ino;
	fs->open[free_slot].count = 1;
	fs->open[free_slot].orphan = 0;
	return FS_OK;
}

int ext2_release(struct ext2_fs *fs, uint32_t ino)
{
	uint32_t i = ext2_open_find(fs, ino, NULL);
	if (i == EXT2_OPEN_SLOTS)
		return FS_EBADF;
	if (fs->open[i].count > 1) {
		fs->open[i].count--;
		return FS_OK;
	}
	/* Only an inode whose last link went while it was open can go now;
	 * it is read again and deleted only if the disk agrees (links 0). An
	 * image changed under the engine to links 0 meanwhile keeps the
	 * inode: e2fsck's to collect, nothing here follows it. */
	bool orphan = fs->open[i].orphan != 0;
	ext2_open_drop(fs, i);
	if (!orphan)
		return FS_OK;
	struct ext2_inode inode;
	int status = ext2_inode_read(fs, ino, &inode);
	if (status != FS_OK || inode.links != 0)
		return status;
	status = ext2_writable(fs);
	return status == FS_OK ? ext2_inode_delete(fs, &inode) : status;
}

static int get_regular(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *inode)
{
	int status = ext2_inode_get_live(fs, ino, inode);
	if (status != FS_OK)
		return status;
	if (is_directory(inode))
		return FS_EISDIR;
	return (inode->mode & FS_TYPE_MASK) == FS_TYPE_REGULAR ? FS_OK : FS_EINVAL;
}

int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t offset, void *buffer, size_t length)
{
	struct ext2_inode inode;
	int status = get_regular(fs, ino, &inode);
	if (status != FS_OK)
		return status;
	if (offset >= inode.size)
		return 0;
	uint64_t left = inode.size - offset;
	if (left > length)
		left = length;
	if (left > INT64_MAX)
		left = INT64_MAX;
	uint8_t *out = buffer;
	uint64_t done = 0;
	while (done < left) {
		uint64_t at = offset + done;
		uint32_t in_block = (uint32_t)(at % fs->block_size);
		uint64_t n = fs->block_size - in_block;
		if (n > left - done)
			n = left - done;
		uint32_t block;
		status = ext2_bmap(fs, &inode, at / fs->block_size, false, &block);
		if (status != FS_OK)
			return status;
		if (block == 0) {
			ext2_zero(out + done, (size_t)n);
		} else {
			uint8_t *b;
			status = cache_get(fs, block, false, &b);
			if (status != FS_OK)
				return status;
			ext2_copy(out + done, b + in_block, (size_t)n);
		}
		done += n;
	}
	return (int64_t)done;
}

/* Zero the bytes of the block holding `size` from `size` on, so that a file
 * that grows again reads zeros there. */
static int zero_tail(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t size)
{
	uint32_t in_block = (uint32_t)(size % fs->block_size);
	if (in_block == 0)
		return FS_OK;
	uint32_t block;
	int status = ext2_bmap(fs, inode, size / fs->block_size, false, &block);
	if (status != FS_OK || block == 0)
		return status;
	uint8_t *b;
	status = cache_get(fs, block, false, &b);
	if (status != FS_OK)
		return status;
	ext2_zero(b + in_block, fs->block_size - in_block);
	cache_dirty(fs, b, CLASS_DATA);
	return FS_OK;
}

/* A size past 2 GiB needs the large_file feature in the superblock. */
static void set_size(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t size)
{
	inode->size = size;
	if (size > 0x7fffffffu && !(fs->ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
		fs->ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
		ext2_super_counts(fs);
	}
}

int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t offset, const void *buffer,
		   size_t length)
{
	int status = ext2_writable(fs);
	struct ext2_inode inode;
	if (status == FS_OK)
		status = get_regular(fs, ino, &inode);
	if (status != FS_OK)
		return status;
	uint64_t max = fs->max_file_blocks * fs->block_size;
	if (length == 0)
		return 0;
	if (offset >= max)
		return FS_EFBIG;
	uint64_t total = length;
	if (total > max - offset)
		total = max - offset;
	if (total > INT64_MAX)
		total = INT64_MAX;
	if (offset > inode.size && (status = zero_tail(fs, &inode, inode.size)) != FS_OK)
		return status;
	const uint8_t *in = buffer;
	uint64_t done = 0;
	while (done < total) {
		uint64_t at = offset + done;
		uint32_t in_block = (uint32_t)(at % fs->block_size);
		uint64_t n = fs->block_size - in_block;
		if (n > total - done)
			n = total - done;
		uint32_t block;
		uint8_t *b;
		status = ext2_bmap(fs, &inode, at / fs->block_size, true, &block);
		if (status == FS_OK)
			status = cache_get(fs, block, false, &b);
		if (status != FS_OK)
			break;
		ext2_copy(b + in_block, in + done, (size_t)n);
		cache_dirty(fs, b, CLASS_DATA);
		done += n;
	}
	if (offset + done > inode.size)
		set_size(fs, &inode, offset + done);
	if (done > 0)
		stamp(fs, &inode, true);
	int written = ext2_inode_write(fs, &inode);
	if (done > 0 && (status == FS_OK || status == FS_ENOSPC))
		return written == FS_OK ? (int64_t)done : written;
	return status != FS_OK ? status : written;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	int status = ext2_writable(fs);
	struct ext2_inode inode;
	if (status == FS_OK)
		status = get_regular(fs, ino, &inode);
	if (status != FS_OK)
		return status;
	if (size > fs->max_file_blocks * fs->block_size)
		return FS_EFBIG;
	if (size < inode.size) {
		uint64_t keep = (size + fs->block_size - 1) / fs->block_size;
		status = ext2_free_from(fs, &inode, keep);
	}
	if (status == FS_OK)
		status = zero_tail(fs, &inode, size < inode.size ? size : inode.size);
	if (status != FS_OK) {
		(void)ext2_inode_write(fs, &inode);
		return status;
	}
	set_size(fs, &inode, size);
	stamp(fs, &inode, true);
	return ext2_inode_write(fs, &inode);
}

int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buffer, size_t length, size_t *out_length)
{
	struct ext2_inode inode;
	int status = ext2_inode_get_live(fs, ino, &inode);
	if (status != FS_OK)
		return status;
	if ((inode.mode & FS_TYPE_MASK) != FS_TYPE_SYMLINK)
		return FS_EINVAL;
	size_t n = inode.size < length ? (size_t)inode.size : length;
	if (ext2_fast_symlink(fs, &inode)) {
		uint8_t bytes[4 * EXT2_N_BLOCKS];
		for (uint32_t i = 0; i < EXT2_N_BLOCKS; i++)
			put32(bytes + 4 * i, inode.block[i]);
		ext2_copy(buffer, bytes, n);
	} else {
		uint32_t block;
		uint8_t *b;
		status = ext2_bmap(fs, &inode, 0, false, &block);
		if (status == FS_OK && block == 0)
			status = FS_EUCLEAN;
		if (status == FS_OK)
			status = cache_get(fs, block, false, &b);
		if (status != FS_OK)
			return status;
		ext2_copy(buffer, b, n);
	}
	*out_length = n;
	return FS_OK;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir_ino, uint64_t *cookie, struct fs_dirent *out)
{
	struct ext2_inode dir;
	int status = ext2_inode_get_live(fs, dir_ino, &dir);
	if (status != FS_OK)
		return status;
	if (!is_directory(&dir))
		return FS_ENOTDIR;
	if (dir.links == 0) { /* removed while open: empty, as POSIX has it */
		out->ino = 0;
		out->name_length = 0;
		out->name[0] = 0;
		return FS_OK;
	}
	return ext2_dir_next(fs, &dir, cookie, out);
}

int ext2_getattr(struct ext2_fs *fs, uint32_t ino, struct fs_stat *out)
{
	struct ext2_inode inode;
	int status = ext2_inode_get_live(fs, ino, &inode);
	if (status != FS_OK)
		return status;
	out->ino = ino;
	out->mode = inode.mode;
	out->links = inode.links;
	out->uid = inode.uid;
	out->gid = inode.gid;
	out->size = inode.size;
	out->blocks = inode.blocks;
	out->block_size = fs->block_size;
	out->atime = (struct fs_time){ (int32_t)inode.atime, 0 };
	out->mtime = (struct fs_time){ (int32_t)inode.mtime, 0 };
	out->ctime = (struct fs_time){ (int32_t)inode.ctime, 0 };
	return FS_OK;
}

int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct fs_setattr *change)
{
	int status = ext2_writable(fs);
	struct ext2_inode inode;
	if (status == FS_OK)
		status = ext2_inode_get_live(fs, ino, &inode);
	if (status != FS_OK)
		return status;
	if (change->which & FS_SET_MODE)
		inode.mode = (inode.mode & FS_TYPE_MASK) | (change->mode & 07777);
	if (change->which & FS_SET_UID)
		inode.uid = change->uid;
	if (change->which & FS_SET_GID)
		inode.gid = change->gid;
	if (change->which & FS_SET_ATIME)
		inode.atime = (uint32_t)change->atime.seconds;
	if (change->which & FS_SET_MTIME)
		inode.mtime = (uint32_t)change->mtime.seconds;
	stamp(fs, &inode, false);
	return ext2_inode_write(fs, &inode);
}

int ext2_fsync(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode inode;
	int status = ext2_inode_get_live(fs, ino, &inode);
	if (status != FS_OK)
		return status;
	if (fs->read_only)
		return fs->failed ? FS_EIO : FS_OK;
	return cache_writeback(fs);
}
