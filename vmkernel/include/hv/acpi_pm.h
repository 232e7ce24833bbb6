/* ACPI power management device: PM1a event/control registers, PM timer, reset register. */
#ifndef HV_ACPI_PM_H
#define HV_ACPI_PM_H

/*
 * The fixed-hardware ACPI registers of a PC chipset (ACPI 6.x chapter 4.8), as the FADT built by
 * hv/acpi_tables.h describes them, in one 12-byte port block at ACPI_PM_IO_BASE:
 *
 *   +0x00  PM1a_STS  (2 bytes)  status, write 1 to clear
 *   +0x02  PM1a_EN   (2 bytes)  enables
 *   +0x04  PM1a_CNT  (2 bytes)  control: SCI_EN, BM_RLD, SLP_TYP, SLP_EN
 *   +0x06  (2 bytes)            unused: reads all ones, writes ignored
 *   +0x08  PM_TMR    (4 bytes)  3.579545 MHz counter, 24 bits (FADT TMR_VAL_EXT clear)
 *
 * and the chipset reset control register (RST_CNT, the byte at port 0xCF9 on PIIX/ICH).
 *
 * Emulated: the power button as a fixed feature (PWRBTN_STS / PWRBTN_EN; the FADT's PWR_BUTTON
 * flag is clear), the SCI as a level interrupt that is high while any status bit is set with its
 * enable bit, the soft-off state S5 (SLP_EN with SLP_TYP == ACPI_PM_SLP_TYP_S5 calls poweroff),
 * the PM timer computed from the caller's monotonic clock, and RST_CNT (bit 2 RST_CPU calls
 * reset).  There is no SMI command port: ACPI mode is always on, so SCI_EN reads 1 and cannot be
 * cleared.
 *
 * Left out: sleep states other than S5 (the DSDT has only \_S5, so Linux offers no other; any
 * other SLP_TYP with SLP_EN is ignored), wake events and WAK_STS, TMR_STS (the timer carry
 * interrupt: Linux never enables it), the sleep button, RTC alarm, bus master and global lock
 * status (their status bits never become set, their enable bits are stored), GBL_RLS (writes
 * ignored), GPE blocks (the FADT declares none), and the PM2 and PM1b blocks.
 *
 * Registers are treated byte by byte: an access of 1, 2, 4 or 8 bytes at any offset acts on its
 * bytes in turn (little-endian), so a 16-bit write of SLP_TYP | SLP_EN to PM1a_CNT and two byte
 * writes act alike, and an access running past the block reads all ones there.  Other sizes
 * read all ones and are ignored on write.  All functions are O(access size).
 */

#include <hv/dev.h>

#define ACPI_PM_IO_BASE	    0x600 /* PM1a_EVT_BLK; PM1a_CNT_BLK and PM_TMR_BLK follow */
#define ACPI_PM_IO_LEN	    12
#define ACPI_PM_PM1_STS	    0x00 /* register offsets in the block */
#define ACPI_PM_PM1_EN	    0x02
#define ACPI_PM_PM1_CNT	    0x04
#define ACPI_PM_TMR	    0x08
#define ACPI_PM_SCI_IRQ	    9 /* ISA IRQ 9, level, active high (MADT override) */
#define ACPI_PM_RESET_PORT  0xCF9
#define ACPI_PM_RESET_VALUE 0x06 /* what the FADT's RESET_VALUE says to write */

/* SLP_TYP for \_S5: dsdt.asl's Name (\_S5, Package () {5, 5, 0, 0}) must say the same (the
 * acpi_tables unit test checks the compiled DSDT against this). */
#define ACPI_PM_SLP_TYP_S5 5

#define ACPI_PM_TMR_HZ	 3579545u
#define ACPI_PM_TMR_MASK 0xFFFFFFu

/* PM1 status and enable bits (the same positions in both registers). */
#define ACPI_PM1_TMR	     (1u << 0)
#define ACPI_PM1_BM	     (1u << 4) /* status only */
#define ACPI_PM1_GBL	     (1u << 5)
#define ACPI_PM1_PWRBTN	     (1u << 8)
#define ACPI_PM1_SLPBTN	     (1u << 9)
#define ACPI_PM1_RTC	     (1u << 10)
#define ACPI_PM1_PCIEXP_WAKE (1u << 14) /* PCIEXP_WAKE_STS / PCIEXP_WAKE_DIS */
#define ACPI_PM1_WAK	     (1u << 15) /* status only */

/* PM1 control bits. */
#define ACPI_PM1_CNT_SCI_EN	   (1u << 0)
#define ACPI_PM1_CNT_BM_RLD	   (1u << 1)
#define ACPI_PM1_CNT_GBL_RLS	   (1u << 2)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP	   (7u << 10)
#define ACPI_PM1_CNT_SLP_EN	   (1u << 13)

/* RST_CNT bits: SYS_RST (1) and FULL_RST (3) are stored; RST_CPU (2) resets and reads 0. */
#define ACPI_PM_RST_CPU (1u << 2)

/* What the device does to the machine.  Either callback may be NULL (then that event is
 * ignored).  They are called with the caller's lock held, from inside acpi_pm_write or
 * acpi_pm_reset_write: they should only mark the VM for power-off or reset and return. */
struct acpi_pm_ops {
	void (*poweroff)(void *ctx); /* the guest entered S5 */
	void (*reset)(void *ctx);    /* the guest wrote RST_CPU to 0xCF9 */
	void *ctx;
};

/* Device state: embedded by the caller, set up by acpi_pm_init, not to be touched directly. */
struct acpi_pm {
	struct hvdev_irq sci;
	struct acpi_pm_ops ops;
	uint64_t tmr_base; /* `now` at which the PM timer read 0 */
	uint16_t sts, en, cnt;
	uint8_t rst_cnt;
	bool sci_level; /* the level last given to sci */
};

/*
 * acpi_pm_init - power-on state: all status and enable bits clear, SCI_EN set, SLP_TYP 0,
 * RST_CNT 0, the SCI low (not signalled: the caller starts the line low), the PM timer 0 at @now.
 * @sci: the SCI line, level-triggered (true while asserted), copied.
 * @ops: the power-off and reset callbacks, copied; NULL for none.
 * @now: the caller's monotonic clock in ns.
 * Called again to reset the device (a VM reset).
 */
void acpi_pm_init(struct acpi_pm *pm, const struct hvdev_irq *sci, const struct acpi_pm_ops *ops,
		  uint64_t now);

/*
 * acpi_pm_read - guest read of @size bytes at offset @off into the port block.
 * @now: the caller's monotonic clock in ns, for PM_TMR.
 * Returns the value (little-endian, zero-extended); all ones for a size other than 1, 2, 4, 8.
 * Reads have no side effects.
 */
uint64_t acpi_pm_read(struct acpi_pm *pm, uint64_t now, uint64_t off, unsigned size);

/*
 * acpi_pm_write - guest write of the low @size bytes of @val at offset @off into the port block.
 * PM1a_STS: each 1 bit clears that status bit.  PM1a_EN: stores the defined enable bits.
 * PM1a_CNT: stores BM_RLD and SLP_TYP; SLP_EN with SLP_TYP == ACPI_PM_SLP_TYP_S5 calls
 * ops.poweroff.  PM_TMR and unused bytes ignore writes.  May change the SCI level.
 */
void acpi_pm_write(struct acpi_pm *pm, uint64_t now, uint64_t off, unsigned size, uint64_t val);

/*
 * acpi_pm_power_button - the host presses the power button: sets PWRBTN_STS, which raises the
 * SCI if the guest has set PWRBTN_EN.  Linux (drivers/acpi/button.c, LNXPWRBN) then reports
 * KEY_POWER and systemd-logind or acpid shuts the guest down, ending in S5.  Pressing again
 * while the status is still set changes nothing.
 */
void acpi_pm_power_button(struct acpi_pm *pm);

/*
 * acpi_pm_power_button_enabled - whether the guest has enabled the power button event, i.e.
 * whether acpi_pm_power_button can be expected to do anything (an ACPI-less or early-booting
 * guest has not): the host may fall back to a hard power-off when false.
 */
bool acpi_pm_power_button_enabled(const struct acpi_pm *pm);

/*
 * acpi_pm_reset_read / acpi_pm_reset_write - guest byte access to RST_CNT (port 0xCF9; the
 * platform routes only 1-byte accesses there, as PIIX/ICH do: a 32-bit access at 0xCF8 is the
 * PCI CONFIG_ADDRESS register).  A write stores every bit but RST_CPU; with RST_CPU set (0x06,
 * 0x0E: Linux's ACPI and "pci" reboot methods) it calls ops.reset.
 */
uint8_t acpi_pm_reset_read(const struct acpi_pm *pm);
void acpi_pm_reset_write(struct acpi_pm *pm, uint8_t val);

#endif
