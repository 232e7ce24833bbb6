/* selftest=pci-irq: QEMU's edu device raises INTx through the IOAPIC, then MSI, each to a
 * chosen CPU; the test driver's binding shows in /proc/bus/pci/devices. Needs -device edu. */
#define LOG_TAG "pci"
#include <vmk/errno.h>
#include <vmk/pci.h>
#include <vmk/selftest.h>
#include <vmk/smp.h>
#include <vmk/time.h>
#include <arch/cpu.h>
#include <string.h>
#include "../../kern/selftest_priv.h"

/* QEMU hw/misc/edu.c, BAR0 registers. */
#define EDU_VENDOR    0x1234
#define EDU_DEVICE    0x11e8
#define EDU_IDENT     0x00
#define EDU_IRQ_STAT  0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK   0x64

static volatile uint32_t *edu;
static volatile unsigned got, got_cpu;
static volatile uint32_t got_status;

static void edu_irq(struct pci_dev *d, unsigned idx, void *arg)
{
	uint32_t st = edu[EDU_IRQ_STAT / 4];

	(void)d;
	(void)idx;
	(void)arg;
	if (!st)
		return;		   /* a shared line: someone else's */
	edu[EDU_IRQ_ACK / 4] = st; /* drops INTx before the EOI */
	got_status = st;
	got_cpu = this_cpu()->id;
	__atomic_add_fetch(&got, 1, __ATOMIC_SEQ_CST);
}

/* Wait for the handler to have run @want times in all; false after 5 s (never "too slow":
 * only an interrupt that never comes fails). */
static bool wait_got(unsigned want)
{
	uint64_t end = time_ns() + 5000000000ull;

	while (__atomic_load_n(&got, __ATOMIC_SEQ_CST) < want && time_ns() < end)
		cpu_relax();
	return got >= want;
}

static const struct pci_device_id edu_ids[] = {{EDU_VENDOR, EDU_DEVICE, 0, 0}, {0, 0, 0, 0}};

static int edu_probe(struct pci_dev *d, const struct pci_device_id *id)
{
	(void)id;
	pci_enable(d, true);
	edu = pci_map_bar(d, 0);
	return edu ? 0 : -ENOMEM;
}

static struct pci_driver edu_driver = {.name = "edu-selftest", .ids = edu_ids, .probe = edu_probe};

/* Raise @status and check it came to @cpu once more than before. */
static bool raise_and_check(const char *name, uint32_t status, unsigned cpu, const char *mode)
{
	unsigned before = got;
	bool ok;

	edu[EDU_IRQ_RAISE / 4] = status;
	ok = wait_got(before + 1);
	return selftest_report(
		ok && got_cpu == cpu && got_status == status && edu[EDU_IRQ_STAT / 4] == 0, name,
		"%s: %s, on CPU %u (wanted %u), status %#x (raised %#x)", mode,
		ok ? "delivered" : "never delivered", got_cpu, cpu, got_status, status);
}

bool selftest_pci_irq(void)
{
	struct pci_dev *d = pci_find(EDU_VENDOR, EDU_DEVICE, NULL);
	unsigned far = ncpus_online - 1, before;
	struct pci_irq_req req = {edu_irq, NULL, far};
	char line[512];
	size_t len, tail = strlen("\tedu-selftest\n");
	bool ok = true, late;
	int n;

	if (!d)
		return selftest_report(false, "pci-irq",
				       "no edu device (run QEMU with -device edu)");
	n = pci_driver_register(&edu_driver);
	len = (size_t)pci_format_devices_line(d, line, sizeof(line));
	ok &= selftest_report(
		n == 1 && d->driver == &edu_driver && len > tail && len < sizeof(line) &&
			!strcmp(line + len - tail, "\tedu-selftest\n"),
		"pci-bind", "%d bound, identity %#x", n, edu ? edu[EDU_IDENT / 4] : 0);
	if (!edu)
		return false;

	/* INTx: the Interrupt Line through the IOAPIC, level-triggered, to the last CPU. */
	n = pci_irq_setup(d, 1, &req, PCI_IRQ_ALLOW_INTX);
	if (!selftest_report(n == 1 && d->irq_mode == PCI_IRQ_INTX_MODE, "pci-intx-setup",
			     "%d vectors, GSI %d", n, n == 1 ? d->vec[0].gsi : -1))
		return false;
	ok &= raise_and_check("pci-intx", 0x11, far, "INTx");
	/* Masked (Interrupt Disable): nothing for a while; unmasked: the pending one arrives. */
	before = got;
	pci_irq_mask(d, 0);
	edu[EDU_IRQ_RAISE / 4] = 0x22;
	for (uint64_t end = time_ns() + 100000000ull; time_ns() < end;)
		cpu_relax();
	n = (int)(got - before);
	pci_irq_unmask(d, 0);
	late = wait_got(before + 1);
	ok &= selftest_report(n == 0 && late && got_status == 0x22, "pci-intx-mask",
			      "%d while masked, %s after unmasking", n,
			      late ? "delivered" : "not delivered");
	pci_irq_free(d);

	/* MSI to CPU 0 (another CPU than before when there are two). */
	req.cpu = 0;
	n = pci_irq_setup(d, 1, &req, PCI_IRQ_ALLOW_MSIX | PCI_IRQ_ALLOW_MSI);
	if (!selftest_report(n == 1 && d->irq_mode == PCI_IRQ_MSI_MODE, "pci-msi-setup",
			     "%d vectors, vector %#x", n, n == 1 ? d->vec[0].vector : 0))
		return false;
	ok &= raise_and_check("pci-msi", 0x44, 0, "MSI");
	/* edu's MSI has no per-vector mask bits: masking must say so, not pretend. */
	ok &= selftest_report(pci_irq_mask(d, 0) == -EOPNOTSUPP, "pci-msi-nomask",
			      "mask without per-vector masking is refused");
	pci_irq_free(d);
	return ok;
}
