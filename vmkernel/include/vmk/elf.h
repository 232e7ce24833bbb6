/*
 * ELF64 executables for userworlds: static (ET_EXEC) and static-PIE (ET_DYN without an
 * interpreter).  elf_parse() validates the headers of an untrusted image (pure, unit-tested);
 * uw/exec.c maps what it describes.
 */
#ifndef VMK_ELF_H
#define VMK_ELF_H

#include <stdint.h>
#include <stddef.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_PF_X	 1
#define ELF_PF_W	 2
#define ELF_PF_R	 4

struct elf_segment {
	uint64_t vaddr; /* as in the file (add load_bias for PIE) */
	uint64_t memsz;
	uint64_t offset; /* file offset of the bytes */
	uint64_t filesz;
	uint32_t flags; /* ELF_PF_* */
};

struct elf_image {
	uint64_t entry;	     /* as in the file */
	uint64_t phdr_vaddr; /* where the program headers are in memory (AT_PHDR), 0 if unknown */
	uint16_t phnum, phentsize;
	int pie;	 /* ET_DYN: loaded at a bias chosen by the loader */
	uint64_t lo, hi; /* lowest and highest virtual address of the loadable segments */
	unsigned nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	uint64_t stack_flags; /* PT_GNU_STACK p_flags, 0 if absent */
};

/* Parse the ELF image of `size` bytes whose first `len` bytes are at `buf` (len should cover
 * the headers: the ELF header and the program headers).  Checks magic, class, endianness,
 * machine (x86_64), type (EXEC or DYN), no PT_INTERP, segment sanity (aligned, inside the file,
 * no overflow, within user space, non-overlapping).  0, -ENOEXEC for anything else, -E2BIG
 * when the headers are past `len`. */
int elf_parse(const void *buf, size_t len, uint64_t size, struct elf_image *img);

#endif
