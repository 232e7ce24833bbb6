/*
 * Loading a static ELF program into a fresh address space: its segments (the file's own pages,
 * shared), a brk area after them, an 8 MiB stack (pages on demand) holding argv, envp and the
 * auxiliary vector the way Linux lays them out, and the register frame that enters it.
 */
#define LOG_TAG "exec"
#include <vmk/proc.h>
#include <vmk/elf.h>
#include <vmk/rootfs.h>
#include <vmk/mm.h>
#include <vmk/errno.h>
#include <vmk/time.h>
#include <vmk/log.h>
#include <arch/cpu.h>
#include <string.h>

#define STACK_TOP  0x00007ffffff00000ull
#define STACK_SIZE (8ull << 20)
#define PIE_BASE   0x0000555555554000ull
#define ARG_MAX	   (128 * 1024)

enum {
	AT_NULL = 0,
	AT_PHDR = 3,
	AT_PHENT = 4,
	AT_PHNUM = 5,
	AT_PAGESZ = 6,
	AT_BASE = 7,
	AT_FLAGS = 8,
	AT_ENTRY = 9,
	AT_UID = 11,
	AT_EUID = 12,
	AT_GID = 13,
	AT_EGID = 14,
	AT_HWCAP = 16,
	AT_CLKTCK = 17,
	AT_SECURE = 23,
	AT_RANDOM = 25,
	AT_EXECFN = 31,
};

static unsigned elf_prot(uint32_t flags)
{
	return (flags & ELF_PF_R ? PROT_READ : 0) | (flags & ELF_PF_W ? PROT_WRITE : 0) |
	       (flags & ELF_PF_X ? PROT_EXEC : 0);
}

/* Copy file bytes [off, off + len) to va. */
static int copy_in(struct aspace *as, const struct exec_file *x, uintptr_t va, uint64_t off,
		   size_t len)
{
	uint8_t *buf = kmalloc(PAGE_SIZE);
	int rc = buf ? 0 : -ENOMEM;

	while (!rc && len) {
		size_t n = MIN(len, PAGE_SIZE);
		int64_t got = rootfs_pread(x->v, off, buf, n);

		if (got < 0) {
			rc = (int)got;
			break;
		}
		memset(buf + got, 0, n - (size_t)got); /* the file shrank meanwhile */
		rc = aspace_fill(as, va, buf, n);
		va += n;
		off += n;
		len -= n;
	}
	kfree(buf);
	return rc;
}

/*
 * One PT_LOAD segment: its whole pages are the file's own pages, shared (copy-on-write where
 * writable), as Linux maps them; a last partial page is copied, zeros after the file bytes;
 * the rest (bss) is demand-zero.  A segment whose offset and address disagree within a page,
 * or a file system without pages, is copied.
 */
static int load_segment(struct aspace *as, const struct exec_file *x, const struct elf_segment *s,
			uint64_t bias)
{
	uintptr_t va = s->vaddr + bias, start = ALIGN_DOWN(va, PAGE_SIZE), got;
	uintptr_t end = ALIGN_UP(va + s->memsz, PAGE_SIZE), fend = va + s->filesz;
	uintptr_t whole = start; /* pages below come whole from the file */
	int rc = aspace_map(as, start, end - start, elf_prot(s->flags), 0, true, &got);

	if (rc || !s->filesz)
		return rc;
	if (IS_ALIGNED(s->offset - s->vaddr, PAGE_SIZE) && ALIGN_DOWN(fend, PAGE_SIZE) > start) {
		whole = ALIGN_DOWN(fend, PAGE_SIZE);
		rc = rootfs_map_pages(x->v, ALIGN_DOWN(s->offset, PAGE_SIZE) / PAGE_SIZE,
				      (whole - start) / PAGE_SIZE, false, as, start);
		if (rc == -ENODEV)
			whole = start, rc = 0;
	}
	if (!rc && whole < fend) {
		uintptr_t from = MAX(whole, va);

		rc = copy_in(as, x, from, s->offset + (from - va), fend - from);
	}
	return rc;
}

static size_t count(char *const v[])
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Build the initial stack in a kernel buffer mirroring [STACK_TOP - len, STACK_TOP). */
static int build_stack(struct aspace *as, char *const argv[], char *const envp[],
		       const struct elf_image *img, uint64_t bias, uint64_t *sp_out)
{
	size_t argc = count(argv), envc = count(envp), strings = 0, words, len;
	uint64_t *w, sp, str_top, p;
	uint8_t *buf;
	int rc, i = 0;

	for (size_t k = 0; k < argc; k++)
		strings += strlen(argv[k]) + 1;
	for (size_t k = 0; k < envc; k++)
		strings += strlen(envp[k]) + 1;
	if (strings > ARG_MAX)
		return -E2BIG;
	words = 1 + argc + 1 + envc + 1 + 2 * 18;
	len = ALIGN_UP(strings + 16 /* AT_RANDOM */, 16) + ALIGN_UP(words * 8, 16) + 16;
	buf = kzalloc(len);
	if (!buf)
		return -ENOMEM;
	sp = STACK_TOP - len;
	str_top = STACK_TOP;

	/* Strings at the top, then 16 random bytes, then the vectors from sp up. */
	w = (uint64_t *)buf;
	w[i++] = argc;
	p = str_top;
	for (size_t k = 0; k < argc; k++) {
		size_t n = strlen(argv[k]) + 1;

		p -= n;
		memcpy(buf + (p - sp), argv[k], n);
		w[i++] = p;
	}
	w[i++] = 0;
	for (size_t k = 0; k < envc; k++) {
		size_t n = strlen(envp[k]) + 1;

		p -= n;
		memcpy(buf + (p - sp), envp[k], n);
		w[i++] = p;
	}
	w[i++] = 0;
	p = ALIGN_DOWN(p - 16, 16);
	for (int k = 0; k < 16; k += 8) {
		uint64_t r = rdtsc() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)buf;

		memcpy(buf + (p - sp) + k, &r, 8);
	}
	const uint64_t aux[][2] = {
		{AT_PHDR, img->phdr_vaddr ? img->phdr_vaddr + bias : 0},
		{AT_PHENT, img->phentsize},
		{AT_PHNUM, img->phnum},
		{AT_PAGESZ, PAGE_SIZE},
		{AT_BASE, 0},
		{AT_FLAGS, 0},
		{AT_ENTRY, img->entry + bias},
		{AT_UID, 0},
		{AT_EUID, 0},
		{AT_GID, 0},
		{AT_EGID, 0},
		{AT_HWCAP, 0},
		{AT_CLKTCK, USER_HZ},
		{AT_SECURE, 0},
		{AT_RANDOM, p},
		{AT_EXECFN, argc ? w[1] : 0},
		{AT_NULL, 0},
	};
	for (size_t k = 0; k < sizeof(aux) / sizeof(aux[0]); k++) {
		w[i++] = aux[k][0];
		w[i++] = aux[k][1];
	}
	rc = aspace_fill(as, sp, buf, len);
	kfree(buf);
	*sp_out = sp;
	return rc;
}

int exec_open(struct proc *p, const char *path, struct exec_file *x)
{
	int64_t got;
	int rc;

	memset(x, 0, sizeof(*x));
	rc = rootfs_open_file(p, path, &x->v);
	if (rc)
		return rc;
	if (!(x->v->mode & 0111)) {
		exec_close(x);
		return -EACCES;
	}
	x->size = x->v->size;
	x->head = kmalloc(PAGE_SIZE);
	if (!x->head) {
		exec_close(x);
		return -ENOMEM;
	}
	got = rootfs_pread(x->v, 0, x->head, PAGE_SIZE);
	if (got < 0) {
		exec_close(x);
		return (int)got;
	}
	x->head_len = (size_t)got;
	return 0;
}

void exec_close(struct exec_file *x)
{
	if (x->v)
		rootfs_put(x->v);
	kfree(x->head);
	memset(x, 0, sizeof(*x));
}

int exec_load(const struct exec_file *x, char *const argv[], char *const envp[],
	      struct aspace **asp, struct regs *frame)
{
	struct elf_image img;
	struct aspace *as;
	uint64_t bias, sp;
	uintptr_t got;
	int rc = elf_parse(x->head, x->head_len, x->size, &img);

	if (rc)
		return rc == -E2BIG ? -ENOEXEC : rc;
	bias = img.pie ? PIE_BASE - ALIGN_DOWN(img.lo, PAGE_SIZE) : 0;
	as = aspace_create();
	if (!as)
		return -ENOMEM;
	for (unsigned i = 0; i < img.nseg && !rc; i++)
		rc = load_segment(as, x, &img.seg[i], bias);
	if (!rc)
		rc = aspace_map(as, STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE,
				VMA_STACK, true, &got);
	if (!rc)
		rc = build_stack(as, argv, envp, &img, bias, &sp);
	if (rc) {
		aspace_put(as);
		return rc;
	}
	as->brk_base = as->brk = ALIGN_UP(img.hi + bias, PAGE_SIZE);
	memset(frame, 0, sizeof(*frame));
	frame->rip = img.entry + bias;
	frame->rsp = sp;
	frame->cs = 0x2b;
	frame->ss = 0x23;
	frame->rflags = RFLAGS_IF;
	*asp = as;
	return 0;
}
