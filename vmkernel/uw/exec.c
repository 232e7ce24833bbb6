/*
 * Loading a static ELF program into a fresh address space: its segments (the file's own pages,
 * shared), a brk area after them, a stack of RLIMIT_STACK's size (1 to 256 MiB, pages on
 * demand) holding argv, envp and the auxiliary vector the way Linux lays them out, and the
 * register frame that enters it.
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

#define STACK_TOP      0x00007ffffff00000ull
#define STACK_MIN      (1ull << 20)   /* the stack area's size: RLIMIT_STACK within these */
#define STACK_MAX      (256ull << 20) /* (pages come on demand; the mmap areas are far below) */
#define PIE_BASE       0x0000555555554000ull
#define ARGS_LIMIT_MIN (128 * 1024) /* Linux's ARG_MAX */
#define ARGS_LIMIT_MAX (6ull << 20) /* _STK_LIM / 4 * 3 */
#define PLATFORM       "x86_64"

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
	AT_PLATFORM = 15,
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

size_t exec_args_limit(uint64_t rlimit_stack)
{
	return MAX(MIN(ARGS_LIMIT_MAX, rlimit_stack / 4), ARGS_LIMIT_MIN);
}

int exec_strs_user(struct exec_strs *s, const char *const *uv, size_t limit)
{
	memset(s, 0, sizeof(*s));
	s->u = uv;
	for (; uv; s->nu++) {
		uint64_t p;
		long len;

		if (copy_from_user(&p, uv + s->nu, sizeof(p)))
			return -EFAULT;
		if (!p)
			break;
		len = strnlen_user((const char *)p, EXEC_STRLEN_MAX);
		if (len < 0)
			return (int)len;
		if (len == EXEC_STRLEN_MAX)
			return -E2BIG;
		s->bytes += (size_t)len + 1;
		if (s->bytes + (s->nu + 1) * sizeof(char *) > limit)
			return -E2BIG; /* the rest need not be looked at */
	}
	return 0;
}

void exec_strs_kernel(struct exec_strs *s, char *const v[])
{
	memset(s, 0, sizeof(*s));
	s->k = v;
	while (v && v[s->nk])
		s->bytes += strlen(v[s->nk++]) + 1;
}

static size_t strs_count(const struct exec_strs *s)
{
	return s->nk + s->nu;
}

/* The vectors below the strings go out through a small buffer. */
struct words_out {
	struct aspace *as;
	uintptr_t at;
	size_t n;
	int rc;
	uint64_t buf[256];
};

static void words_flush(struct words_out *o)
{
	if (o->n && !o->rc)
		o->rc = aspace_fill(o->as, o->at, o->buf, o->n * sizeof(uint64_t));
	o->at += o->n * sizeof(uint64_t);
	o->n = 0;
}

static void word(struct words_out *o, uint64_t w)
{
	o->buf[o->n++] = w;
	if (o->n == sizeof(o->buf) / sizeof(o->buf[0]))
		words_flush(o);
}

/* Copy string i of s to *at (below end), advancing *at, and emit its address.  The copy runs
 * from the caller's memory through a page-sized bounce buffer into the new stack. */
static int put_string(struct aspace *as, const struct exec_strs *s, size_t i, uintptr_t *at,
		      uintptr_t end, uint8_t *bounce, struct words_out *o)
{
	const char *src;
	uint64_t up = 0;
	size_t len;
	int rc = 0;

	if (i < s->nk) {
		src = s->k[i];
		len = strlen(src);
	} else {
		long l;

		if (copy_from_user(&up, s->u + s->skip + (i - s->nk), sizeof(up)))
			return -EFAULT;
		src = (const char *)up;
		l = strnlen_user(src, EXEC_STRLEN_MAX);
		if (l < 0)
			return (int)l;
		len = (size_t)l;
	}
	if (len + 1 > end - *at)
		return -E2BIG; /* it grew since it was measured */
	for (size_t off = 0; off < len && !rc; off += PAGE_SIZE) {
		size_t n = MIN(len - off, PAGE_SIZE);

		if (up && copy_from_user(bounce, src + off, n))
			return -EFAULT;
		rc = aspace_fill(as, *at + off, up ? bounce : (const uint8_t *)src + off, n);
	}
	if (!rc)
		rc = aspace_fill(as, *at + len, "", 1);
	word(o, *at);
	*at += len + 1;
	return rc;
}

/*
 * The initial stack, laid out from its top down as Linux lays it out: 8 zero bytes, the execfn
 * string, the envp strings above the argv strings (each vector in ascending order), the
 * platform string and 16 random bytes (AT_RANDOM), then at sp (16-aligned) argc, the argv and
 * envp vectors and the auxiliary vector.
 */
static int build_stack(struct aspace *as, const struct exec_args *a, const struct elf_image *img,
		       uint64_t bias, uint64_t *sp_out)
{
	static char *const empty[] = {"", NULL};
	struct exec_strs argv = a->argv;
	size_t argc, envc = strs_count(&a->envp), fn_len = strlen(a->execfn) + 1, words;
	uintptr_t top = STACK_TOP - 8, fn_at, at, plat_at, rand_at, sp;
	uint8_t *bounce;
	uint64_t rnd[2];
	int rc = 0;

	if (!strs_count(&argv))
		exec_strs_kernel(&argv, empty); /* Linux gives a program argv[0] = "" at least */
	argc = strs_count(&argv);
	if (argv.bytes + a->envp.bytes + fn_len + (argc + envc) * sizeof(char *) >
	    exec_args_limit(a->stack_limit))
		return -E2BIG;
	fn_at = top - fn_len;
	at = fn_at - argv.bytes - a->envp.bytes;
	plat_at = ALIGN_DOWN(at, 16) - sizeof(PLATFORM);
	rand_at = plat_at - sizeof(rnd);
	words = 1 + argc + 1 + envc + 1 + 2 * 18;
	sp = ALIGN_DOWN(rand_at - words * sizeof(uint64_t), 16);

	struct words_out *o = kzalloc(sizeof(*o));

	bounce = kmalloc(PAGE_SIZE);
	if (!o || !bounce) {
		kfree(o);
		kfree(bounce);
		return -ENOMEM;
	}
	o->as = as;
	o->at = sp;
	word(o, argc);
	for (size_t i = 0; i < argc && !rc; i++)
		rc = put_string(as, &argv, i, &at, fn_at, bounce, o);
	word(o, 0);
	for (size_t i = 0; i < envc && !rc; i++)
		rc = put_string(as, &a->envp, i, &at, fn_at, bounce, o);
	word(o, 0);
	for (int k = 0; k < 2; k++)
		rnd[k] =
			rdtsc() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)bounce ^ (uint64_t)k;
	if (!rc)
		rc = aspace_fill(as, fn_at, a->execfn, fn_len);
	if (!rc)
		rc = aspace_fill(as, plat_at, PLATFORM, sizeof(PLATFORM));
	if (!rc)
		rc = aspace_fill(as, rand_at, rnd, sizeof(rnd));
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
		{AT_RANDOM, rand_at},
		{AT_EXECFN, fn_at},
		{AT_PLATFORM, plat_at},
		{AT_NULL, 0},
	};
	_Static_assert(sizeof(aux) / sizeof(aux[0]) == 18, "words counts 18 auxv pairs");
	for (size_t k = 0; k < sizeof(aux) / sizeof(aux[0]); k++) {
		word(o, aux[k][0]);
		word(o, aux[k][1]);
	}
	words_flush(o);
	rc = rc ? rc : o->rc;
	kfree(o);
	kfree(bounce);
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

int exec_load(const struct exec_file *x, const struct exec_args *a, struct aspace **asp,
	      struct regs *frame)
{
	uint64_t stack = MIN(MAX(a->stack_limit, STACK_MIN), STACK_MAX);
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
		rc = aspace_map(as, STACK_TOP - stack, stack, PROT_READ | PROT_WRITE, VMA_STACK,
				true, &got);
	if (!rc)
		rc = build_stack(as, a, &img, bias, &sp);
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
