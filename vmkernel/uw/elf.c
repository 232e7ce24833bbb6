/* ELF64 header validation for userworld executables (pure: also built into the unit tests). */
#include <vmk/elf.h>
#include <vmk/errno.h>
#include <vmk/compiler.h>
#include <string.h>

#define PT_LOAD	     1
#define PT_INTERP    3
#define PT_PHDR	     6
#define PT_GNU_STACK 0x6474e551
#define ET_EXEC	     2
#define ET_DYN	     3
#define EM_X86_64    62
#define ELF_USER_TOP 0x00007ffffffff000ull

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

int elf_parse(const void *buf, size_t len, uint64_t size, struct elf_image *img)
{
	const uint8_t *b = buf;
	struct ehdr eh;

	memset(img, 0, sizeof(*img));
	if (len < sizeof(eh) || size < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, b, sizeof(eh));
	if (memcmp(eh.ident, "\177ELF", 4) || eh.ident[4] != 2 /* 64-bit */ ||
	    eh.ident[5] != 1 /* little endian */ || eh.ident[6] != 1 || eh.machine != EM_X86_64 ||
	    (eh.type != ET_EXEC && eh.type != ET_DYN))
		return -ENOEXEC;
	if (eh.phentsize != sizeof(struct phdr) || eh.phnum == 0 || eh.phnum > 64 ||
	    eh.phoff > size || (uint64_t)eh.phnum * sizeof(struct phdr) > size - eh.phoff)
		return -ENOEXEC;
	if (eh.phoff + (uint64_t)eh.phnum * sizeof(struct phdr) > len)
		return -E2BIG;
	img->entry = eh.entry;
	img->phnum = eh.phnum;
	img->phentsize = eh.phentsize;
	img->pie = eh.type == ET_DYN;
	img->lo = ~0ull;

	for (unsigned i = 0; i < eh.phnum; i++) {
		struct phdr ph;
		struct elf_segment *s;

		memcpy(&ph, b + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_INTERP)
			return -ENOEXEC; /* dynamically linked: not supported */
		if (ph.type == PT_GNU_STACK)
			img->stack_flags = ph.flags;
		if (ph.type == PT_PHDR)
			img->phdr_vaddr = ph.vaddr;
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (img->nseg == ELF_MAX_SEGMENTS || ph.filesz > ph.memsz || ph.offset > size ||
		    ph.filesz > size - ph.offset || ph.vaddr >= ELF_USER_TOP ||
		    ph.memsz > ELF_USER_TOP - ph.vaddr || (ph.vaddr & 0xfff) != (ph.offset & 0xfff))
			return -ENOEXEC;
		for (unsigned j = 0; j < img->nseg; j++) /* page ranges may not overlap */
			if (ALIGN_DOWN(ph.vaddr, 4096) <
				    ALIGN_UP(img->seg[j].vaddr + img->seg[j].memsz, 4096) &&
			    ALIGN_DOWN(img->seg[j].vaddr, 4096) <
				    ALIGN_UP(ph.vaddr + ph.memsz, 4096))
				return -ENOEXEC;
		s = &img->seg[img->nseg++];
		s->vaddr = ph.vaddr;
		s->memsz = ph.memsz;
		s->offset = ph.offset;
		s->filesz = ph.filesz;
		s->flags = ph.flags;
		img->lo = MIN(img->lo, ph.vaddr);
		img->hi = MAX(img->hi, ph.vaddr + ph.memsz);
		/* The program headers usually sit in the first segment: find them for AT_PHDR. */
		if (!img->phdr_vaddr && eh.phoff >= ph.offset && eh.phoff < ph.offset + ph.filesz)
			img->phdr_vaddr = ph.vaddr + (eh.phoff - ph.offset);
	}
	if (!img->nseg || img->entry < img->lo || img->entry >= img->hi)
		return -ENOEXEC;
	return 0;
}
