/*
 * kmain: the boot CPU's path from the multiboot2 hand-off to a running vmkernel.
 *
 *   consoles (serial) -> memory map -> frame allocator -> final page tables -> heap ->
 *   screen console -> per-CPU state on a guarded stack -> ACPI -> interrupt controllers ->
 *   clocks -> application processors -> banner -> PCI -> self-tests or idle.
 */
#define LOG_TAG "vmkernel"
#include <vmk/bootinfo.h>
#include <vmk/cmdline.h>
#include <vmk/console.h>
#include <vmk/heap.h>
#include <vmk/log.h>
#include <vmk/profile.h>
#include <vmk/hv.h>
#include <vmk/mm.h>
#include <vmk/pci.h>
#include <vmk/panic.h>
#include <vmk/platform.h>
#include <vmk/power.h>
#include <vmk/proc.h>
#include <vmk/rootfs.h>
#include <vmk/syscall.h>
#include <vmk/selftest.h>
#include <vmk/smp.h>
#include <vmk/time.h>
#include <vmk/world.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/trap.h>
#include <keel_version.h>
#include <string.h>

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
	profile_init(cmdline);
	console_init_screen(&bi);

	/* Per-CPU state, then leave the boot stack for one with a guard page. */
	cpu0.stack_top = kstack_alloc();
	if (!cpu0.stack_top)
		panic("no memory for the boot CPU's stack");
	cpu_local_init(&cpu0);
	fpu_init_cpu();
	switch_stack(cpu0.stack_top, kmain_stage2);
}

/* Split what follows " -- " on the command line into init's arguments, as Linux does
 * (double quotes group words).  Returns the count placed after argv[0]. */
static int init_args(char *buf, size_t len, char **argv, int max)
{
	const char *s = cmdline;
	size_t o = 0;
	int n = 0;

	while ((s = strchr(s, '-')) && strncmp(s, "-- ", 3) && strcmp(s, "--"))
		s++;
	if (!s || (s > cmdline && s[-1] != ' '))
		return 0;
	s += 2;
	while (*s && n < max) {
		bool quoted = false;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		argv[n++] = buf + o;
		for (; *s && (quoted || *s != ' ') && o < len - 1; s++) {
			if (*s == '"')
				quoted = !quoted;
			else
				buf[o++] = *s;
		}
		buf[o++] = 0;
		if (o >= len)
			break;
	}
	return n;
}

/* Start the first userworld (init= on the command line, else /sbin/init) and wait for it. */
static void run_init(void)
{
	char path[256] = "/sbin/init", args[512];
	char *argv[18] = {path};
	char *envp[] = {"PATH=/sbin:/bin:/usr/sbin:/usr/bin", "HOME=/root", "TERM=linux", NULL};
	struct exec_file x;
	struct proc *p;
	int rc, status;

	cmdline_get(cmdline, "init", path, sizeof(path));
	init_args(args, sizeof(args), argv + 1, 16);
	rc = exec_open(NULL, path, &x);
	if (rc) {
		exec_close(&x);
		log_warn("no init program %s (error %d): nothing to run", path, rc);
		return;
	}
	rc = proc_spawn(path, &x, argv, envp, &p);
	exec_close(&x);
	if (rc) {
		log_err("cannot start %s (error %d)", path, rc);
		return;
	}
	log_info("started %s as pid %d", path, p->pid);
	status = proc_wait_kernel(p);
	if (status & 0x7f)
		log_warn("%s ended by signal %d", path, status & 0x7f);
	else
		log_info("%s exited with status %d", path, (status >> 8) & 0xff);
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
	sched_init_cpu("main", false);
	irq_enable();
	smp_boot_aps();
	lapic_timer_start(VEC_TIMER, lapic_timer_hz(), TIMER_HZ);

	frame_get_stats(&fs);
	kprintf("vmkernel: %u CPUs online, %lu MiB usable memory\n", ncpus_online,
		fs.usable * PAGE_SIZE >> 20);
	hv_init();
	pci_host_init(a);

	if (cmdline_get(cmdline, "selftest", list, sizeof(list)))
		selftest_run(list);
	syscall_init();
	world_reaper_start();
	itimer_start();
	if (rootfs_init(&bi))
		panic("no memory for the root file system");
	run_init();
	if (cmdline_get(cmdline, "poweroff", NULL, 0))
		power_off();
	if (cmdline_get(cmdline, "reboot", NULL, 0))
		power_reset();
	for (;;)
		cpu_idle();
}
