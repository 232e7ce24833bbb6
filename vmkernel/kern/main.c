/*
 * kmain: the boot CPU's path from the multiboot2 hand-off to a running vmkernel.
 *
 *   consoles (serial) -> memory map -> frame allocator -> final page tables -> heap ->
 *   screen console -> per-CPU state on a guarded stack -> ACPI -> interrupt controllers ->
 *   clocks -> application processors -> banner -> self-tests or idle.
 */
#define LOG_TAG "vmkernel"
#include <vmk/bootinfo.h>
#include <vmk/cmdline.h>
#include <vmk/console.h>
#include <vmk/heap.h>
#include <vmk/log.h>
#include <vmk/mm.h>
#include <vmk/panic.h>
#include <vmk/platform.h>
#include <vmk/power.h>
#include <vmk/selftest.h>
#include <vmk/smp.h>
#include <vmk/time.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <keel_version.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289

extern struct cpu cpu0;
static struct boot_info bi;
static char cmdline[1024];

static const char *const mem_type_names[] = {"?", "usable", "reserved", "ACPI", "ACPI NVS", "bad"};

static void __noreturn kmain_stage2(void);

/* Run fn on a new stack (never returns). */
static void __noreturn switch_stack(uintptr_t top, void (*fn)(void))
{
	__asm__ volatile("movq %0, %%rsp; xorl %%ebp, %%ebp; call *%1" : : "r"(top), "r"(fn));
	__builtin_unreachable();
}

void kmain(uint32_t magic, uint64_t mbi_phys)
{
	char opt[32];

	/* GS must point at a struct cpu before anything can trap. */
	cpu0.self = &cpu0;
	wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
	cpu_features_init();
	idt_init();

	if (magic != MB2_BOOTLOADER_MAGIC || mb2_parse(phys_to_virt(mbi_phys), &bi)) {
		console_init_serial("");
		panic("not started by a multiboot2 loader (magic %#x): boot Keel with GRUB", magic);
	}
	/* Keep a copy of the command line in the image, where every later stage can read it. */
	for (size_t i = 0; i < sizeof(cmdline) - 1 && bi.cmdline[i]; i++)
		cmdline[i] = bi.cmdline[i];
	console_init_serial(cmdline);
	log_set_level((int)cmdline_get_long(cmdline, "loglevel", LOG_INFO));
	if (cmdline_get(cmdline, "panic", opt, sizeof(opt)))
		panic_set_action(opt);

	log_info("Keel %s, started by %s under %s", KEEL_VERSION,
		 bi.loader[0] ? bi.loader : "an unknown loader", bi.efi ? "UEFI" : "BIOS");
	log_info("command line: %s", cmdline);
	log_info("CPU: %s %s", cpu_feat.vendor, cpu_feat.brand);

	if (memmap_sanitize(bi.mmap, &bi.nmmap, BOOT_MMAP_MAX))
		log_warn("memory map too fragmented; some regions were dropped");
	for (unsigned i = 0; i < bi.nmmap; i++)
		log_info("mem: [0x%012lx-0x%012lx] %s", bi.mmap[i].base,
			 bi.mmap[i].base + bi.mmap[i].len - 1,
			 mem_type_names[bi.mmap[i].type < 6 ? bi.mmap[i].type : 0]);

	frame_init(&bi, mbi_phys);
	vm_init(&bi);
	kmem_init(cmdline_get_long(cmdline, "kmem.poison", 1) != 0);
	console_init_screen(&bi);

	/* Per-CPU state, then leave the boot stack for one with a guard page. */
	cpu0.stack_top = kstack_alloc();
	if (!cpu0.stack_top)
		panic("no memory for the boot CPU's stack");
	cpu_local_init(&cpu0);
	switch_stack(cpu0.stack_top, kmain_stage2);
}

static void __noreturn kmain_stage2(void)
{
	const struct acpi_info *a = &platform_acpi;
	struct frame_stats fs;
	char list[256];

	platform_init(&bi);
	pic_disable();
	lapic_map(a->lapic_addr);
	lapic_enable();
	for (unsigned i = 0; i < a->nioapics; i++)
		ioapic_init(a->ioapics[i].addr, a->ioapics[i].gsi_base);

	clock_init(a->has_hpet ? a->hpet_addr : 0);
	lapic_timer_set_hz(lapic_timer_measure(50000));
	log_info("LAPIC timer %lu kHz, tick %u Hz", lapic_timer_hz() / 1000, TIMER_HZ);
	irq_enable();
	smp_boot_aps();
	lapic_timer_start(VEC_TIMER, lapic_timer_hz(), TIMER_HZ);

	frame_get_stats(&fs);
	kprintf("vmkernel: %u CPUs online, %lu MiB usable memory\n", ncpus_online,
		fs.usable * PAGE_SIZE >> 20);

	if (cmdline_get(cmdline, "selftest", list, sizeof(list)))
		selftest_run(list);
	if (cmdline_get(cmdline, "poweroff", NULL, 0))
		power_off();
	if (cmdline_get(cmdline, "reboot", NULL, 0))
		power_reset();
	for (;;)
		cpu_idle();
}
