/*
 * Kernel page tables.  vm_init() replaces the boot tables with: a direct map of RAM (1 GiB or
 * 2 MiB pages where alignment allows, RW+NX), the kernel image in 4 KiB pages with W^X
 * (text RX, rodata R, data RW), and nothing at low addresses, so a NULL dereference faults.
 * Everything above 0xffff800000000000 is shared by all address spaces to come.
 */
#define LOG_TAG "vm"
#include <vmk/mm.h>
#include <vmk/bootinfo.h>
#include <vmk/spinlock.h>
#include <vmk/panic.h>
#include <vmk/log.h>
#include <vmk/errno.h>
#include <vmk/smp.h>
#include <arch/cpu.h>
#include <string.h>

#define PTE_P	 (1ull << 0)
#define PTE_U	 (1ull << 2)
#define PTE_W	 (1ull << 1)
#define PTE_PWT	 (1ull << 3)
#define PTE_PCD	 (1ull << 4)
#define PTE_PS	 (1ull << 7)
#define PTE_G	 (1ull << 8)
#define PTE_NX	 (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define GiB  (1ull << 30)
#define MiB2 (2ull << 20)

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __kernel_end[];

static uint64_t *kpml4;
static uint64_t kpml4_phys;
static struct spinlock vm_lock = SPINLOCK_INIT;
static uintptr_t mmio_next = MMIO_BASE;
bool smap_enabled; /* read by the user-copy routines in syscall.S */

struct direct_range {
	uint64_t start, end;
};
static struct direct_range direct[BOOT_MMAP_MAX];
static unsigned ndirect;

static uint64_t pte_flags(unsigned flags)
{
	uint64_t f = PTE_P | PTE_G;

	if (flags & VM_WRITE)
		f |= PTE_W;
	if (!(flags & VM_EXEC) && cpu_feat.nx)
		f |= PTE_NX;
	if (flags & VM_MMIO)
		f |= PTE_PCD | PTE_PWT;
	else if (flags & VM_WC)
		f |= PTE_PWT; /* PAT entry 1, programmed as write-combining */
	return f;
}

/* The entry for va at `level` (3 = PML4 ... 0 = PT) under root, creating tables on the way
 * (user-accessible ones when `user`); NULL if a large page is in the way or memory ran out. */
static uint64_t *pte_walk(uint64_t *root, uintptr_t va, int level, bool create, bool user)
{
	uint64_t *table = root;

	for (int l = 3; l > level; l--) {
		uint64_t *e = &table[(va >> (12 + 9 * l)) & 511];

		if (!(*e & PTE_P)) {
			uint64_t pa;

			if (!create || !(pa = frame_alloc_zeroed()))
				return NULL;
			*e = pa | PTE_P | PTE_W | (user ? PTE_U : 0);
		} else if (*e & PTE_PS) {
			return NULL;
		}
		table = phys_to_virt(*e & PTE_ADDR);
	}
	return &table[(va >> (12 + 9 * level)) & 511];
}

static uint64_t *pte_get(uintptr_t va, int level, bool create)
{
	return pte_walk(kpml4, va, level, create, false);
}

uint64_t *vm_user_pte(uint64_t *root, uintptr_t va, bool create)
{
	return pte_walk(root, va, 0, create, true);
}

/* Map [va, va+len) to pa with the largest pages alignment allows. */
static int map_range(uintptr_t va, uint64_t pa, uint64_t len, uint64_t flags, bool large)
{
	while (len) {
		int level = 0;
		uint64_t size = PAGE_SIZE, *e;

		if (large && cpu_feat.pdpe1gb && !(va % GiB) && !(pa % GiB) && len >= GiB)
			level = 2, size = GiB;
		else if (large && !(va % MiB2) && !(pa % MiB2) && len >= MiB2)
			level = 1, size = MiB2;
		e = pte_get(va, level, true);
		if (!e)
			return -ENOMEM;
		*e = pa | flags | (level ? PTE_PS : 0);
		va += size;
		pa += size;
		len -= size;
	}
	return 0;
}

static void map_image(char *start, char *end, unsigned flags)
{
	uintptr_t va = (uintptr_t)start;

	if (map_range(va, virt_to_phys(start), ALIGN_UP((uintptr_t)end, PAGE_SIZE) - va,
		      pte_flags(flags), false))
		panic("out of memory mapping the kernel image");
}

void vm_init(const struct boot_info *bi)
{
	uint64_t top = 0;

	kpml4_phys = frame_alloc_zeroed();
	if (!kpml4_phys)
		panic("no memory for the kernel page tables");
	kpml4 = phys_to_virt(kpml4_phys);

	/* Direct map: RAM and ACPI memory, plus the first MiB (BIOS data, trampolines). */
	direct[ndirect++] = (struct direct_range){0, 1ull << 20};
	for (unsigned i = 0; i < bi->nmmap; i++) {
		const struct mem_region *r = &bi->mmap[i];

		if (r->type != MEM_USABLE && r->type != MEM_ACPI_RECLAIM && r->type != MEM_ACPI_NVS)
			continue;
		if (ndirect < BOOT_MMAP_MAX)
			direct[ndirect++] =
				(struct direct_range){ALIGN_DOWN(r->base, PAGE_SIZE),
						      ALIGN_UP(r->base + r->len, PAGE_SIZE)};
	}
	for (unsigned i = 0; i < ndirect; i++) {
		if (map_range(DIRECT_MAP_BASE + direct[i].start, direct[i].start,
			      direct[i].end - direct[i].start, pte_flags(VM_WRITE), true))
			panic("out of memory building the direct map");
		top = MAX(top, direct[i].end);
	}

	/* Kernel-half top-level entries exist from the start, so address spaces made later can
	 * share them by copying the PML4's upper half. */
	if (!pte_get(MMIO_BASE, 2, true) || !pte_get(KSTACK_BASE, 2, true))
		panic("no memory for the kernel page tables");
	map_image(__text_start, __text_end, VM_EXEC);
	map_image(__rodata_start, __rodata_end, 0);
	map_image(__data_start, __kernel_end, VM_WRITE);

	vm_cpu_init();
	frame_set_reach(top);
	log_info("direct map %lu MiB in %u ranges, %s pages; kernel text %lu KiB RX, data %lu KiB",
		 top >> 20, ndirect, cpu_feat.pdpe1gb ? "1 GiB" : "2 MiB",
		 (uint64_t)(__text_end - __text_start) >> 10,
		 (uint64_t)(__kernel_end - __data_start) >> 10);
}

void vm_cpu_init(void)
{
	uint64_t cr4 = read_cr4() | CR4_PGE;

	if (cpu_feat.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	if (cpu_feat.pat) /* entry 1 (PWT) becomes write-combining; the rest stay as reset */
		wrmsr(MSR_PAT, (rdmsr(MSR_PAT) & ~0xff00ull) | (0x01ull << 8));
	write_cr0(read_cr0() | CR0_WP);
	if (cpu_feat.smep)
		cr4 |= CR4_SMEP;
	if (cpu_feat.smap) {
		cr4 |= CR4_SMAP;
		smap_enabled = true;
	}
	write_cr4(cr4);
	write_cr3(kpml4_phys);
}

uint64_t vm_kernel_cr3(void)
{
	return kpml4_phys;
}

static bool in_direct_map(uint64_t pa, uint64_t len)
{
	for (unsigned i = 0; i < ndirect; i++)
		if (pa >= direct[i].start && pa + len <= direct[i].end)
			return true;
	return false;
}

uintptr_t vm_reserve(size_t len)
{
	uintptr_t va;
	uint64_t f = spin_lock_irqsave(&vm_lock);

	len = ALIGN_UP(len, PAGE_SIZE);
	if (mmio_next + len > MMIO_BASE + MMIO_SIZE) {
		va = 0;
	} else {
		va = mmio_next;
		mmio_next += len + PAGE_SIZE; /* a hole between mappings catches overruns */
	}
	spin_unlock_irqrestore(&vm_lock, f);
	return va;
}

void *vm_map_phys(uint64_t pa, size_t len, unsigned flags)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE), span;
	uintptr_t va;
	uint64_t f;
	int rc;

	if (!(flags & (VM_MMIO | VM_WC)) && in_direct_map(pa, len))
		return phys_to_virt(pa);
	span = ALIGN_UP(pa + len, PAGE_SIZE) - base;
	va = vm_reserve(span);
	if (!va)
		return NULL;
	f = spin_lock_irqsave(&vm_lock);
	rc = map_range(va, base, span, pte_flags(flags), false);
	spin_unlock_irqrestore(&vm_lock, f);
	return rc ? NULL : (void *)(va + (pa - base));
}

int vm_map_page(uintptr_t va, uint64_t pa, unsigned flags)
{
	uint64_t f = spin_lock_irqsave(&vm_lock);
	uint64_t *e = pte_get(va, 0, true);

	if (e)
		*e = pa | pte_flags(flags);
	spin_unlock_irqrestore(&vm_lock, f);
	return e ? 0 : -ENOMEM;
}

uint64_t vm_unmap_page(uintptr_t va)
{
	uint64_t f = spin_lock_irqsave(&vm_lock);
	uint64_t *e = pte_get(va, 0, false), old = 0;

	if (e && (*e & PTE_P)) {
		old = *e & PTE_ADDR;
		*e = 0;
	}
	spin_unlock_irqrestore(&vm_lock, f);
	if (old)
		tlb_shootdown(va, 1);
	return old;
}

uint64_t vm_translate(uintptr_t va)
{
	uint64_t *table = kpml4;

	for (int l = 3; l >= 0; l--) {
		uint64_t e = table[(va >> (12 + 9 * l)) & 511];

		if (!(e & PTE_P))
			return (uint64_t)-1;
		if (l == 0 || (e & PTE_PS)) {
			uint64_t mask = (1ull << (12 + 9 * l)) - 1;

			return (e & PTE_ADDR & ~mask) | (va & mask);
		}
		table = phys_to_virt(e & PTE_ADDR);
	}
	return (uint64_t)-1;
}
