/* MMIO: the local and I/O APICs through the instruction forms compilers emit, and reads of
 * addresses no device claims. */
#include "lib/guest.h"

int guest_main(void)
{
	uint32_t ver = mmio_read32(LAPIC + 0x30), v32, bar;
	uint64_t q;
	uint16_t w;
	uint8_t lo;

	report((ver & 0xff) >= 0x10 && ((ver >> 16) & 0xff) >= 3, "lapic-version", "%#x", ver);
	report(mmio_read32(LAPIC + 0x20) >> 24 == 0, "lapic-id", NULL);
	/* Byte and word loads: the virtio-rng's common configuration (PCI slot 1, BAR 0), whose
	 * num_queues (offset 0x12, 16 bits) is 1. */
	outl(0xcf8, 0x80000000u | (1u << 11) | 0x10);
	bar = inl(0xcfc) & ~0xfu;
	outl(0xcf8, 0x80000000u | (1u << 11) | 0x04);
	outw(0xcfc, 0x0002); /* memory decoding on */
	lo = *(volatile uint8_t *)((uint64_t)bar + 0x12);
	report(bar >= 0xc0000000u && lo == 1, "byte-load", "BAR %#x, byte %#x", bar, lo);
	__asm__ volatile("movzwl (%1), %0" : "=r"(v32) : "r"((uint64_t)bar + 0x12));
	report(v32 == 1, "movzx-word", "%#x", v32);
	__asm__ volatile("movsbq (%1), %0" : "=r"(q) : "r"((uint64_t)bar + 0x1000 - 1));
	report(q == ~0ull, "movsx-byte-unclaimed-gap", "%#lx", q);
	__asm__ volatile("movl $0x5a, %%eax; movl %%eax, (%1); movl (%1), %0"
			 : "=r"(v32)
			 : "r"(LAPIC + 0x80)
			 : "rax", "memory");
	report((v32 & 0xff) == 0x5a, "tpr-store-load", "%#x", v32);
	__asm__ volatile("movl $0, (%0)" : : "r"(LAPIC + 0x80) : "memory"); /* C7 /0 */
	report(mmio_read32(LAPIC + 0x80) == 0, "store-immediate", NULL);
	mmio_write32(IOAPIC, 1); /* IOREGSEL: version */
	ver = mmio_read32(IOAPIC + 0x10);
	report(((ver >> 16) & 0xff) == 23, "ioapic-version", "%#x", ver);
	q = *(volatile uint64_t *)0xd0000000ull;
	report(q == ~0ull, "unclaimed-read", "%#lx", q);
	*(volatile uint32_t *)0xd0000000ull = 0x1234;
	w = *(volatile uint16_t *)0xd0000002ull;
	report(w == 0xffff, "unclaimed-write-dropped", "%#x", w);
	__asm__ volatile("movq $-1, %%rax; movb (%%rsi), %%ah; movq %%rax, %0"
			 : "=r"(q)
			 : "S"((uint64_t)bar + 0x12)
			 : "rax");
	report(q == 0xffffffffffff01ffull, "high-byte-register", "%#lx", q);
	return guest_summary();
}
