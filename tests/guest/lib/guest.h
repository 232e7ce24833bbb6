/*
 * The library of Keel's test guests (tests/guest/): small freestanding programs run as VMs
 * under Keel, in the manner of kvm-unit-tests.  Each reports `PASS name` / `FAIL name: why`
 * lines and a closing `SUMMARY n passed, m failed` over the virtual UART (COM1), then ends
 * the VM with the exit hypercall, status = the failures.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Each test program defines guest_main: return guest_summary(). */
int guest_main(void);
int guest_summary(void);
void guest_exit(int status) __attribute__((noreturn));

void putc_uart(char c);
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A PASS or FAIL line; returns ok. */
bool report(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Exceptions: run fn expecting exception `vector`; the faulting instruction is skipped
 * (its length `len`).  Returns the vector taken, or -1 when none was. */
int expect_fault(void (*fn)(void), unsigned len);
/* Interrupts: handler for a vector >= 32 (the LAPIC's EOI is the handler's business). */
void set_handler(uint8_t vector, void (*fn)(struct trap_frame *));
extern volatile uint64_t irq_count[256];

static inline void outb(uint16_t p, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p));
}
static inline void outw(uint16_t p, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p));
}
static inline void outl(uint16_t p, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p));
}
static inline uint8_t inb(uint16_t p)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline uint16_t inw(uint16_t p)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline uint32_t inl(uint16_t p)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline uint64_t rdmsr(uint32_t m)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(m));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t m, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(m), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}
static inline uint32_t mmio_read32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}
static inline void mmio_write32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}
static inline void sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}
static inline long hypercall(long nr, long arg)
{
	long r;
	__asm__ volatile("vmmcall" : "=a"(r) : "a"(nr), "b"(arg) : "memory");
	return r;
}

#define LAPIC  0xfee00000ull
#define IOAPIC 0xfec00000ull

/* The TSC's rate in ticks per ms, measured against the PIT (counter 2) once. */
uint64_t tsc_khz(void);
void delay_us(uint64_t us);

#endif
