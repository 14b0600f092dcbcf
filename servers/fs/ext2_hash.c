/* SPDX-License-Identifier: MIT */
/*
 * The name hashes of htree-indexed directories, as the ext2/ext4 on-disk
 * format defines them: "legacy", half-MD4 and TEA, each with a signed and an
 * unsigned variant (how name bytes widen, recorded in the superblock's
 * s_flags). Only lookups use them: directories this engine changes lose
 * their index (docs/fs.md). Pure functions of the name and the seed.
 */
#include "ext2_impl.h"

enum {
	HASH_LEGACY = 0,
	HASH_HALF_MD4 = 1,
	HASH_TEA = 2,
	HASH_UNSIGNED_DELTA = 3, /* versions 3..5: the same, bytes unsigned */
	FLAG_UNSIGNED = 2,       /* s_flags: the image uses unsigned hashes */
};

static uint32_t widen(uint8_t c, bool is_unsigned)
{
	return is_unsigned ? (uint32_t)c : (uint32_t)(int32_t)(int8_t)c;
}

static uint32_t rotl(uint32_t v, unsigned s)
{
	return (v << s) | (v >> (32 - s));
}

static uint32_t legacy(const char *name, size_t length, bool is_unsigned)
{
	uint32_t a = 0x12a3fe2d, b = 0x37abe8f9;
	for (size_t i = 0; i < length; i++) {
		uint32_t h = b + (a ^ (widen((uint8_t)name[i], is_unsigned) * 7152373u));
		if (h & 0x80000000u)
			h -= 0x7fffffff;
		b = a;
		a = h;
	}
	return a << 1;
}

/* Pack up to 4*words bytes of the name into words, padded with a value
 * made of the length, as the format's hash input. */
static void pack(const char *name, size_t length, uint32_t *out, uint32_t words, bool is_unsigned)
{
	uint32_t pad = (uint32_t)length | ((uint32_t)length << 8);
	pad |= pad << 16;
	uint32_t value = pad;
	size_t take = length < (size_t)words * 4 ? length : (size_t)words * 4;
	uint32_t n = 0;
	for (size_t i = 0; i < take; i++) {
		value = widen((uint8_t)name[i], is_unsigned) + (value << 8);
		if (i % 4 == 3) {
			out[n++] = value;
			value = pad;
		}
	}
	if (n < words)
		out[n++] = value;
	while (n < words)
		out[n++] = pad;
}

#define F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define G(x, y, z) (((x) & (y)) + (((x) ^ (y)) & (z)))
#define H(x, y, z) ((x) ^ (y) ^ (z))

static void half_md4(uint32_t buf[4], const uint32_t in[8])
{
	static const uint8_t order[3][8] = { { 0, 1, 2, 3, 4, 5, 6, 7 },
					     { 1, 3, 5, 7, 0, 2, 4, 6 },
					     { 3, 7, 2, 6, 1, 5, 0, 4 } };
	static const uint8_t shifts[3][4] = { { 3, 7, 11, 19 }, { 3, 5, 9, 13 }, { 3, 9, 11, 15 } };
	static const uint32_t k[3] = { 0, 013240474631u, 015666365641u };
	uint32_t v[4] = { buf[0], buf[1], buf[2], buf[3] };
	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t step = 0; step < 8; step++) {
			/* a, d, c, b take turns as the word that changes */
			uint32_t t = (4 - step % 4) % 4;
			uint32_t x = v[(t + 1) % 4], y = v[(t + 2) % 4], z = v[(t + 3) % 4];
			uint32_t f = round == 0 ? F(x, y, z) : round == 1 ? G(x, y, z) : H(x, y, z);
			v[t] = rotl(v[t] + f + in[order[round][step]] + k[round],
				    shifts[round][step % 4]);
		}
	}
	for (uint32_t i = 0; i < 4; i++)
		buf[i] += v[i];
}

static void tea(uint32_t buf[4], const uint32_t in[4])
{
	uint32_t sum = 0, b0 = buf[0], b1 = buf[1];
	for (int n = 0; n < 16; n++) {
		sum += 0x9E3779B9u;
		b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >> 5) + in[1]);
		b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >> 5) + in[3]);
	}
	buf[0] += b0;
	buf[1] += b1;
}

int ext2_dx_hash(const struct ext2_fs *fs, uint32_t version, const char *name, size_t length,
		 uint32_t *hash)
{
	bool is_unsigned = (fs->hash_flags & FLAG_UNSIGNED) != 0;
	if (version >= HASH_UNSIGNED_DELTA && version <= HASH_TEA + HASH_UNSIGNED_DELTA) {
		version -= HASH_UNSIGNED_DELTA;
		is_unsigned = true;
	}
	uint32_t buf[4] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u };
	if (fs->hash_seed[0] | fs->hash_seed[1] | fs->hash_seed[2] | fs->hash_seed[3])
		for (int i = 0; i < 4; i++)
			buf[i] = fs->hash_seed[i];
	uint32_t h;
	uint32_t in[8];
	switch (version) {
	case HASH_LEGACY: h = legacy(name, length, is_unsigned); break;
	case HASH_HALF_MD4:
		for (size_t at = 0;; at += 32) {
			pack(name + at, length - at, in, 8, is_unsigned);
			half_md4(buf, in);
			if (length - at <= 32)
				break;
		}
		h = buf[1];
		break;
	case HASH_TEA:
		for (size_t at = 0;; at += 16) {
			pack(name + at, length - at, in, 4, is_unsigned);
			tea(buf, in);
			if (length - at <= 16)
				break;
		}
		h = buf[0];
		break;
	default: return FS_EOPNOTSUPP;
	}
	h &= ~1u;
	if (h == 0xfffffffeu) /* the end-of-directory marker is reserved */
		h = 0xfffffffcu;
	*hash = h;
	return FS_OK;
}
