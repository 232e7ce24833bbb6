/*
 * The virtual PC platform (hv/platform.h): the chip models of hv/dev/ placed at their PC
 * addresses and wired together, offered to the VMM core as struct vm_platform_ops.  Every
 * call comes with vm->lock held, so the models (which are not thread-safe) see one caller at
 * a time; a model's callbacks land back here (an interrupt line, a console byte, a guest
 * memory access) and may kick other vCPUs.
 */
#define LOG_TAG "hv"
#include <vmk/hv.h>
#include <vmk/mm.h>
#include <vmk/log.h>
#include <vmk/time.h>
#include <vmk/rtc.h>
#include <vmk/random.h>
#include <vmk/rootfs.h>
#include <vmk/vfs.h>
#include <vmk/errno.h>
#include <vmk/acpi.h>
#include <vmk/platform.h>
#include <hv/platform.h>
#include <hv/uart.h>
#include <hv/pic.h>
#include <hv/pit.h>
#include <hv/cmos.h>
#include <hv/lapic.h>
#include <hv/ioapic.h>
#include <hv/acpi_pm.h>
#include <hv/acpi_tables.h>
#include <hv/pci.h>
#include <hv/virtio_blk.h>
#include <hv/virtio_rng.h>
#include <arch/cpu.h>
#include <string.h>
#include "platform_priv.h"

#define COM1	     0x3f8
#define COM1_IRQ     4
#define PIC_PENDING  0x100 /* intr_pending's code for "the PIC has one": INTA gives the vector */
#define SLOT_RNG     1
#define SLOT_BLK     2
#define LAPIC_BASE   0xfee00000ull
#define IOAPIC_BASE  0xfec00000ull
#define MSR_APICBASE 0x1b
#define MSR_TSC_DL   0x6e0

static struct platform *plat_of(struct vm *vm)
{
	return vm->plat;
}

/* --- interrupt routing ------------------------------------------------------------------ */

/* An ISA interrupt line: to the PIC and to the I/O APIC (IRQ 0 on pin 2, per the MADT). */
static void isa_irq(void *ctx, unsigned irq, bool level)
{
	struct platform *p = ctx;

	vpic_set_irq(&p->pic, irq, level);
	vioapic_set_irq(&p->ioapic, irq ? irq : 2, level);
}

/* A PCI INTx line: straight to its I/O APIC pin. */
static void gsi_irq(void *ctx, unsigned gsi, bool level)
{
	struct platform *p = ctx;

	vioapic_set_irq(&p->ioapic, gsi, level);
}

/* The PIC's INTR output: to vCPU 0's LINT0. */
static void pic_intr_out(void *ctx, unsigned line, bool level)
{
	struct platform *p = ctx;

	(void)line;
	vlapic_lint(&p->lapic[0], 0, level);
	vcpu_kick(p->vm->vcpus[0]);
}

static void deliver_nmi(struct vcpu *v)
{
	v->nmi_pending = true;
	vcpu_kick(v);
}

/* Fixed or lowest-priority delivery to the matching APICs (lowest: the first that takes
 * it).  True if any took it. */
static bool deliver_fixed(struct platform *p, uint8_t dest, bool logical, bool lowest,
			  uint8_t vector, bool level, int only)
{
	bool taken = false;

	for (unsigned i = 0; i < p->vm->nvcpus && !(lowest && taken); i++) {
		if (only >= 0 && (unsigned)only != i)
			continue;
		if (only < 0 && !vlapic_match_dest(&p->lapic[i], dest, logical))
			continue;
		if (vlapic_set_irq(&p->lapic[i], vector, level)) {
			taken = true;
			vcpu_kick(p->vm->vcpus[i]);
		}
	}
	return taken;
}

static bool ioapic_deliver(void *ctx, const struct vioapic_msg *m)
{
	struct platform *p = ctx;

	if (m->delivery == IOAPIC_DM_NMI) {
		for (unsigned i = 0; i < p->vm->nvcpus; i++)
			if (vlapic_match_dest(&p->lapic[i], m->dest, m->logical))
				deliver_nmi(p->vm->vcpus[i]);
		return true;
	}
	if (m->delivery != IOAPIC_DM_FIXED && m->delivery != IOAPIC_DM_LOWEST)
		return false; /* ExtINT, INIT, SMI through the I/O APIC: not wired */
	return deliver_fixed(p, m->dest, m->logical, m->delivery == IOAPIC_DM_LOWEST, m->vector,
			     m->level, -1);
}

/* One target of an IPI. */
static void ipi_one(struct platform *p, struct vcpu *t, const struct vlapic_ipi *ipi)
{
	switch (ipi->delivery) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		deliver_fixed(p, 0, false, false, ipi->vector, ipi->trigger_level, (int)t->id);
		break;
	case LAPIC_DM_NMI:
		deliver_nmi(t);
		break;
	case LAPIC_DM_INIT:
		if (t->id == ipi->src_id)
			break; /* INIT to itself: not modelled */
		vlapic_reset(&p->lapic[t->id]);
		t->mode = VCPU_WAIT_SIPI;
		t->sipi = false;
		vcpu_kick(t);
		break;
	case LAPIC_DM_SIPI:
		if (t->mode == VCPU_WAIT_SIPI && !t->sipi) {
			t->sipi = true;
			t->sipi_vector = ipi->vector;
			vcpu_kick(t);
		}
		break;
	default:
		break; /* SMI, INIT de-assert */
	}
}

static void lapic_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	struct platform *p = ctx;

	for (unsigned i = 0; i < p->vm->nvcpus; i++) {
		bool self = i == ipi->src_id;

		if ((ipi->shorthand == LAPIC_SH_OTHERS && self) ||
		    (ipi->shorthand == LAPIC_SH_NONE &&
		     !vlapic_match_dest(&p->lapic[i], ipi->dest, ipi->logical)))
			continue;
		ipi_one(p, p->vm->vcpus[i], ipi);
		if (ipi->shorthand == LAPIC_SH_NONE && ipi->delivery == LAPIC_DM_LOWEST)
			break;
	}
}

static void lapic_eoi(void *ctx, uint8_t vector)
{
	vioapic_eoi(&((struct platform *)ctx)->ioapic, vector);
}

static void lapic_nmi(void *ctx)
{
	struct platform *p = ctx;

	deliver_nmi(p->vm->vcpus[0]); /* LINT1 is wired on the BSP only */
}

/* --- the core's hooks ------------------------------------------------------------------- */

static int plat_intr_pending(struct vcpu *v)
{
	struct platform *p = plat_of(v->vm);
	int vec = vlapic_pending(&p->lapic[v->id]);

	if (vec >= 0)
		return vec;
	if (v->id == 0 && vpic_intr(&p->pic) && vlapic_extint_enabled(&p->lapic[0]))
		return PIC_PENDING;
	return -1;
}

static int plat_intr_ack(struct vcpu *v, int pending)
{
	struct platform *p = plat_of(v->vm);

	if (pending == PIC_PENDING)
		return vpic_ack(&p->pic);
	vlapic_ack(&p->lapic[v->id], (unsigned)pending);
	return pending;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t plat_poll(struct vcpu *v, uint64_t now)
{
	struct platform *p = plat_of(v->vm);
	uint64_t next = vlapic_poll(&p->lapic[v->id], now);

	next = min64(next, vpit_poll(&p->pit, now));
	next = min64(next, vcmos_poll(&p->cmos, now));
	return next;
}

/* TSC value -> time_ns() clock. */
static uint64_t tsc_deadline_ns(uint64_t tsc, uint64_t now)
{
	uint64_t cur = rdtsc(), hz = tsc_hz(), d;

	if (tsc <= cur || !hz)
		return now;
	d = tsc - cur;
	if (d / hz > 3600)
		return now + 3600ull * 1000000000ull; /* an hour: far enough */
	return now + d / hz * 1000000000ull + d % hz * 1000000000ull / hz;
}

static int plat_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	struct vlapic *l = &plat_of(v->vm)->lapic[v->id];

	if (msr == MSR_APICBASE) {
		if (!write) {
			*val = vlapic_read_base(l);
			return 1;
		}
		return vlapic_write_base(l, *val) ? -EINVAL : 1;
	}
	if (msr == MSR_TSC_DL) {
		if (write)
			vlapic_write_tsc_deadline(l, tsc_deadline_ns(*val, time_ns()), *val);
		else
			*val = vlapic_read_tsc_deadline(l);
		return 1;
	}
	return 0;
}

static bool plat_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	struct platform *p = plat_of(v->vm);
	struct pci_dev *d;
	uint64_t off;
	int bar;

	if (gpa >= LAPIC_BASE && gpa < LAPIC_BASE + 0x1000) {
		if (write)
			vlapic_write(&p->lapic[v->id], gpa - LAPIC_BASE, size, *val, time_ns());
		else
			*val = vlapic_read(&p->lapic[v->id], gpa - LAPIC_BASE, size, time_ns());
		return true;
	}
	if (gpa >= IOAPIC_BASE && gpa < IOAPIC_BASE + 0x1000) {
		if (write)
			vioapic_write(&p->ioapic, gpa - IOAPIC_BASE, size, *val);
		else
			*val = vioapic_read(&p->ioapic, gpa - IOAPIC_BASE, size);
		return true;
	}
	if (!pci_mmio_find(&p->pci, gpa, &d, &bar, &off)) {
		if (write)
			pci_bar_write(d, bar, off, size, *val);
		else
			*val = pci_bar_read(d, bar, off, size);
		return true;
	}
	return false;
}

static bool plat_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	struct platform *p = plat_of(v->vm);
	uint64_t now = time_ns(), r = 0, off;
	struct pci_dev *d;
	int bar;

#define RANGE(base, len) (port >= (base) && port < (base) + (len))
	if (RANGE(COM1, 8)) {
		if (in)
			r = vuart_read(&p->uart, port - COM1, size);
		else
			vuart_write(&p->uart, port - COM1, size, *val);
	} else if (RANGE(0x20, 2) || RANGE(0xa0, 2)) {
		unsigned o = (port & 1) | (port >= 0xa0 ? 2 : 0);

		if (in)
			r = vpic_read(&p->pic, o, size);
		else
			vpic_write(&p->pic, o, size, *val);
	} else if (RANGE(0x4d0, 2)) {
		if (in)
			r = vpic_elcr_read(&p->pic, port - 0x4d0, size);
		else
			vpic_elcr_write(&p->pic, port - 0x4d0, size, *val);
	} else if (RANGE(0x40, 4)) {
		if (in)
			r = vpit_read(&p->pit, port - 0x40, size, now);
		else
			vpit_write(&p->pit, port - 0x40, size, *val, now);
	} else if (port == 0x61) {
		if (in)
			r = vpit_port61_read(&p->pit, 0, size, now);
		else
			vpit_port61_write(&p->pit, 0, size, *val, now);
	} else if (RANGE(0x70, 2)) {
		if (in)
			r = vcmos_read(&p->cmos, port - 0x70, size, now);
		else
			vcmos_write(&p->cmos, port - 0x70, size, *val, now);
	} else if (RANGE(ACPI_PM_IO_BASE, ACPI_PM_IO_LEN)) {
		if (in)
			r = acpi_pm_read(&p->pm, now, port - ACPI_PM_IO_BASE, size);
		else
			acpi_pm_write(&p->pm, now, port - ACPI_PM_IO_BASE, size, *val);
	} else if (port == ACPI_PM_RESET_PORT && size == 1) {
		if (in)
			r = acpi_pm_reset_read(&p->pm);
		else
			acpi_pm_reset_write(&p->pm, (uint8_t)*val);
	} else if (RANGE(0xcf8, 8)) {
		if (in)
			r = pci_io_read(&p->pci, port - 0xcf8, size);
		else
			pci_io_write(&p->pci, port - 0xcf8, size, *val);
	} else if (port == 0x80) {
		r = 0xff; /* the POST code port: a delay, nothing behind it */
	} else if (!pci_io_find(&p->pci, port, &d, &bar, &off)) {
		if (in)
			r = pci_bar_read(d, bar, off, size);
		else
			pci_bar_write(d, bar, off, size, *val);
	} else {
		return false;
	}
#undef RANGE
	if (in)
		*val = (uint32_t)r;
	return true;
}

static void plat_fini(struct vm *vm)
{
	struct platform *p = plat_of(vm);

	if (p && p->disk)
		rootfs_put(p->disk);
	kfree(p);
	vm->plat = NULL;
}

static const struct vm_platform_ops plat_ops = {
	.io = plat_io,
	.mmio = plat_mmio,
	.msr = plat_msr,
	.poll = plat_poll,
	.intr_pending = plat_intr_pending,
	.intr_ack = plat_intr_ack,
	.fini = plat_fini,
};

/* --- callbacks of the devices ----------------------------------------------------------- */

static void guest_uart_tx(void *ctx, uint8_t byte)
{
	vm_console_put(((struct platform *)ctx)->vm, (char)byte);
}

static void pm_poweroff(void *ctx)
{
	vm_stop(((struct platform *)ctx)->vm, HV_STOP_POWEROFF, "the guest powered off");
}

static void pm_reset(void *ctx)
{
	vm_stop(((struct platform *)ctx)->vm, HV_STOP_RESET, "the guest reset the machine");
}

static int mem_read(void *ctx, uint64_t gpa, void *dst, size_t len)
{
	return vm_read(ctx, gpa, dst, len);
}

static int mem_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	return vm_write(ctx, gpa, src, len);
}

static int rng_fill(void *ctx, void *dst, size_t len)
{
	(void)ctx;
	random_bytes(dst, len);
	return 0;
}

static int disk_read(void *ctx, uint64_t off, void *dst, size_t len)
{
	struct platform *p = ctx;
	int64_t got = rootfs_pread(p->disk, off, dst, len);

	if (got < 0)
		return (int)got;
	if ((size_t)got < len)
		memset((char *)dst + got, 0, len - (size_t)got); /* past the end of the file */
	return 0;
}

static int disk_write(void *ctx, uint64_t off, const void *src, size_t len)
{
	struct platform *p = ctx;
	int64_t put = rootfs_pwrite(p->disk, off, src, len);

	return put < 0 ? (int)put : (size_t)put == len ? 0 : -EIO;
}

/* --- making one ------------------------------------------------------------------------- */

static int add_devices(struct platform *p, const struct platform_cfg *cfg)
{
	struct hvdev_mem mem = {mem_read, mem_write, p->vm};
	struct hvdev_irq intx;
	struct vfs_stat st;
	int rc;

	rc = virtio_rng_init(&p->rng, rng_fill, p, &mem);
	intx = (struct hvdev_irq){gsi_irq, p, pci_intx_gsi(SLOT_RNG, 0)};
	if (!rc)
		rc = pci_add(&p->pci, SLOT_RNG, virtio_rng_pci(&p->rng), &intx);
	if (rc || !cfg->disk)
		return rc;
	p->disk = cfg->disk;
	rootfs_get(p->disk);
	rc = rootfs_stat(p->disk, &st);
	if (!rc) {
		struct virtio_blk_params bp = {
			.capacity = st.size / 512,
			.read_only = cfg->disk_ro,
			.serial = "keel-disk0",
			.backend = {disk_read, cfg->disk_ro ? NULL : disk_write, NULL, p},
		};

		rc = virtio_blk_init(&p->blk, &bp, &mem);
	}
	intx = (struct hvdev_irq){gsi_irq, p, pci_intx_gsi(SLOT_BLK, 0)};
	if (!rc)
		rc = pci_add(&p->pci, SLOT_BLK, virtio_blk_pci(&p->blk), &intx);
	return rc;
}

/*
 * The guest's PM timer is the host's own when the host has one at the same port (PIIX4 and
 * ICH9 put it there, as does this platform): reads need no exit.  A guest's timer read that
 * exits takes longer than the 50000 TSC ticks Linux allows a reference read when it
 * calibrates the TSC, so with the emulated timer Linux finds no TSC frequency, and keeps time
 * by the (exiting) timer itself.  The host's timer is a free-running counter that writes
 * cannot change; it tells the guest nothing its TSC does not.  Elsewhere the timer is
 * emulated (hv/dev/acpi_pm.c) and Linux runs without a TSC clocksource.
 */
static void pm_timer_direct(struct platform *p)
{
	const struct acpi_info *a = &platform_acpi;
	const struct hv_backend *b = hv_get();

	if (!a->has_fadt || a->pm_tmr_blk != ACPI_PM_IO_BASE + ACPI_PM_TMR || !b->io_direct)
		return;
	for (unsigned i = 0; i < p->vm->nvcpus; i++)
		b->io_direct(p->vm->vcpus[i], ACPI_PM_IO_BASE + ACPI_PM_TMR, 4);
	p->pm_tmr_32bit = a->pm_tmr_32bit;
}

static int write_acpi(struct platform *p)
{
	struct acpi_cfg cfg;
	uint8_t *buf = kmalloc(ACPI_TABLES_MAX_SIZE);
	int n;

	if (!buf)
		return -ENOMEM;
	acpi_cfg_init(&cfg, p->vm->nvcpus, hv_dsdt_aml, hv_dsdt_aml_len);
	cfg.pm_tmr_32bit = p->pm_tmr_32bit;
	n = acpi_tables_build(&cfg, buf, ACPI_TABLES_MAX_SIZE, ACPI_TABLES_GPA, &p->rsdp);
	if (n > 0) {
		p->acpi_len = (size_t)n;
		n = vm_write(p->vm, ACPI_TABLES_GPA, buf, (size_t)n);
	}
	kfree(buf);
	return n < 0 ? n : 0;
}

int platform_create(struct vm *vm, const struct platform_cfg *cfg)
{
	struct platform *p = kzalloc(sizeof(*p));
	struct hvdev_irq irq;
	uint64_t now = time_ns();
	int rc;

	if (!p)
		return -ENOMEM;
	p->vm = vm;
	vm->plat = p;
	vm->pops = &plat_ops;
	irq = (struct hvdev_irq){isa_irq, p, COM1_IRQ};
	vuart_init(&p->uart, &irq, guest_uart_tx, p);
	irq = (struct hvdev_irq){pic_intr_out, p, 0};
	vpic_init(&p->pic, &irq);
	irq = (struct hvdev_irq){isa_irq, p, 0};
	vpit_init(&p->pit, &irq, now);
	irq = (struct hvdev_irq){isa_irq, p, 8};
	vcmos_init(&p->cmos, &irq, realtime_ns() / 1000000000ull, now);
	irq = (struct hvdev_irq){isa_irq, p, ACPI_PM_SCI_IRQ};
	acpi_pm_init(&p->pm, &irq, &(struct acpi_pm_ops){pm_poweroff, pm_reset, p}, now);
	vioapic_init(&p->ioapic, (uint8_t)vm->nvcpus,
		     &(struct vioapic_callbacks){ioapic_deliver, p});
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		vlapic_init(&p->lapic[i], (uint8_t)i, i == 0,
			    &(struct vlapic_callbacks){lapic_ipi, lapic_eoi, lapic_nmi, p});
		vm->vcpus[i]->dev = &p->lapic[i];
	}
	pm_timer_direct(p);
	pci_init(&p->pci);
	rc = add_devices(p, cfg);
	if (!rc)
		rc = write_acpi(p);
	return rc; /* on error vm_destroy frees what was made */
}

size_t platform_console_input(struct vm *vm, const char *buf, size_t n)
{
	struct platform *p = plat_of(vm);
	size_t i = 0;

	if (!p)
		return 0;
	mutex_lock(&vm->lock);
	while (i < n && !vuart_rx(&p->uart, (uint8_t)buf[i]))
		i++;
	mutex_unlock(&vm->lock);
	return i;
}

int platform_power_button(struct vm *vm)
{
	struct platform *p = plat_of(vm);

	if (!p)
		return -EINVAL;
	mutex_lock(&vm->lock);
	acpi_pm_power_button(&p->pm);
	mutex_unlock(&vm->lock);
	return 0;
}
