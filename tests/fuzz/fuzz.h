/*
 * fuzz.h — what the libFuzzer targets under tests/fuzz/ share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput() for one parser of
 * outside bytes.  The same file builds two ways: with clang's
 * -fsanitize=fuzzer for `make fuzz`, and with replay.c's main() (any C
 * compiler) so that `make test` runs every input of its corpus
 * (tests/fuzz/corpus/<name>/) as a regression test.
 *
 * Targets are deterministic, as libsrtp's fuzzers are: no clock, no random
 * numbers, no state carried from one input to the next.  An invariant a
 * target checks beyond "does not crash" fails through FUZZ_CHECK(), which
 * aborts so both libFuzzer and the replay driver report the input.
 */
#ifndef CB_FUZZ_H
#define CB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/** The input, consumed from the front. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz *f)
{
	uint8_t v = 0;

	if (f->n) {
		v = *f->p++;
		f->n--;
	}
	return v;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t hi = fz_u8(f);

	return (uint16_t)(hi << 8 | fz_u8(f));
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t hi = fz_u16(f);

	return hi << 16 | fz_u16(f);
}

/** Take up to `want` bytes: their start, and how many in *got. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t want, size_t *got)
{
	const uint8_t *p = f->p;

	*got = want < f->n ? want : f->n;
	f->p += *got;
	f->n -= *got;
	return p;
}

/**
 * The next record of a sequence: a 2-byte big-endian length, then that
 * many bytes (fewer at the end of the input).  0 when the input is used up.
 */
static inline int fz_record(struct fz *f, const uint8_t **rec, size_t *len, size_t max)
{
	size_t want;

	if (f->n < 2)
		return 0;
	want = fz_u16(f);
	if (want > max)
		want = max;
	*rec = fz_bytes(f, want, len);
	return 1;
}

/** A NUL-terminated copy of the input (caller frees); NULL on ENOMEM. */
static inline char *fz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/*
 * For the targets whose parser reads a file: a folder of this process's,
 * made on first use and removed (with what is in it) at exit.
 */
const char *fz_dir(void);
/** Write `data` to fz_dir()/`name`; the path in `path`.  0 or -1. */
int fz_write_file(const char *name, const uint8_t *data, size_t size, char *path, size_t len);

#endif
