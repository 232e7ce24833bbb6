/* ACPI power management device: PM1a event/control registers, PM timer, reset register. */
#include <string.h>

#include <hv/acpi_pm.h>

/* Status bits that can be set here, and the enable bits the guest can store. */
#define PM1_STS_MASK (ACPI_PM1_PWRBTN | ACPI_PM1_WAK)
#define PM1_EN_MASK                                                                       \
	(ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | ACPI_PM1_RTC | \
	 ACPI_PM1_PCIEXP_WAKE)
/* Enable bits that route their status bit to the SCI (PCIEXP_WAKE_DIS is a disable). */
#define PM1_SCI_MASK \
	(ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | ACPI_PM1_RTC)
#define PM1_CNT_MASK (ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP)

#define NS_PER_S 1000000000ull

static void update_sci(struct acpi_pm *pm)
{
	bool level = (pm->sts & pm->en & PM1_SCI_MASK) != 0;

	if (level != pm->sci_level) {
		pm->sci_level = level;
		hvdev_irq_set(&pm->sci, level);
	}
}

void acpi_pm_init(struct acpi_pm *pm, const struct hvdev_irq *sci, const struct acpi_pm_ops *ops,
		  uint64_t now)
{
	memset(pm, 0, sizeof(*pm));
	if (sci)
		pm->sci = *sci;
	if (ops)
		pm->ops = *ops;
	pm->tmr_base = now;
	pm->cnt = ACPI_PM1_CNT_SCI_EN;
}

/*
 * floor(elapsed * 3579545 / 1e9) without a 128-bit product: split elapsed into whole seconds and
 * the rest.  Both products stay below 2^64 for any 64-bit elapsed (1.9e10 s * 3.6e6 < 6.7e16).
 */
static uint32_t tmr_value(const struct acpi_pm *pm, uint64_t now)
{
	uint64_t elapsed = now - pm->tmr_base; /* wraps harmlessly if the clock went backwards */
	uint64_t ticks = (elapsed / NS_PER_S) * ACPI_PM_TMR_HZ +
			 (elapsed % NS_PER_S) * ACPI_PM_TMR_HZ / NS_PER_S;

	return (uint32_t)(ticks & ACPI_PM_TMR_MASK);
}

static uint8_t read_byte(const struct acpi_pm *pm, uint64_t now, uint64_t off)
{
	uint16_t cnt;

	switch (off) {
	case ACPI_PM_PM1_STS:
	case ACPI_PM_PM1_STS + 1:
		return (uint8_t)(pm->sts >> (8 * (off - ACPI_PM_PM1_STS)));
	case ACPI_PM_PM1_EN:
	case ACPI_PM_PM1_EN + 1:
		return (uint8_t)(pm->en >> (8 * (off - ACPI_PM_PM1_EN)));
	case ACPI_PM_PM1_CNT:
	case ACPI_PM_PM1_CNT + 1:
		/* SCI_EN always reads 1; SLP_EN and GBL_RLS are write-only. */
		cnt = pm->cnt | ACPI_PM1_CNT_SCI_EN;
		return (uint8_t)(cnt >> (8 * (off - ACPI_PM_PM1_CNT)));
	case ACPI_PM_TMR:
	case ACPI_PM_TMR + 1:
	case ACPI_PM_TMR + 2:
	case ACPI_PM_TMR + 3:
		return (uint8_t)(tmr_value(pm, now) >> (8 * (off - ACPI_PM_TMR)));
	default:
		return 0xFF;
	}
}

static void write_cnt_high(struct acpi_pm *pm, uint8_t b)
{
	uint16_t v = (uint16_t)(b << 8);

	pm->cnt = (uint16_t)((pm->cnt & 0x00FFu) | (v & ACPI_PM1_CNT_SLP_TYP));
	if (!(v & ACPI_PM1_CNT_SLP_EN))
		return;
	/* SLP_EN acts on the SLP_TYP of the same write, which is in this byte. */
	if ((v & ACPI_PM1_CNT_SLP_TYP) >> ACPI_PM1_CNT_SLP_TYP_SHIFT == ACPI_PM_SLP_TYP_S5 &&
	    pm->ops.poweroff)
		pm->ops.poweroff(pm->ops.ctx);
}

static void write_byte(struct acpi_pm *pm, uint64_t off, uint8_t b)
{
	unsigned shift;

	switch (off) {
	case ACPI_PM_PM1_STS:
	case ACPI_PM_PM1_STS + 1:
		shift = 8 * (unsigned)(off - ACPI_PM_PM1_STS);
		pm->sts &= (uint16_t) ~((unsigned)b << shift);
		break;
	case ACPI_PM_PM1_EN:
	case ACPI_PM_PM1_EN + 1:
		shift = 8 * (unsigned)(off - ACPI_PM_PM1_EN);
		pm->en = (uint16_t)((pm->en & ~(0xFFu << shift)) |
				    (((unsigned)b << shift) & PM1_EN_MASK));
		break;
	case ACPI_PM_PM1_CNT:
		pm->cnt = (uint16_t)((pm->cnt & 0xFF00u) | (b & PM1_CNT_MASK & 0xFFu) |
				     ACPI_PM1_CNT_SCI_EN);
		break;
	case ACPI_PM_PM1_CNT + 1:
		write_cnt_high(pm, b);
		break;
	default:
		break; /* PM_TMR is read-only; unused bytes */
	}
}

/* The offset of byte @i of an access at @off; past the end of the address space is unused. */
static uint64_t byte_off(uint64_t off, unsigned i)
{
	return off + i < off ? UINT64_MAX : off + i;
}

static bool size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

uint64_t acpi_pm_read(struct acpi_pm *pm, uint64_t now, uint64_t off, unsigned size)
{
	uint64_t val = 0;

	if (!size_ok(size))
		return UINT64_MAX;
	for (unsigned i = 0; i < size; i++)
		val |= (uint64_t)read_byte(pm, now, byte_off(off, i)) << (8 * i);
	return val;
}

void acpi_pm_write(struct acpi_pm *pm, uint64_t now, uint64_t off, unsigned size, uint64_t val)
{
	(void)now;
	if (!size_ok(size))
		return;
	for (unsigned i = 0; i < size; i++)
		write_byte(pm, byte_off(off, i), (uint8_t)(val >> (8 * i)));
	update_sci(pm);
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	pm->sts |= ACPI_PM1_PWRBTN;
	update_sci(pm);
}

bool acpi_pm_power_button_enabled(const struct acpi_pm *pm)
{
	return (pm->en & ACPI_PM1_PWRBTN) != 0;
}

uint8_t acpi_pm_reset_read(const struct acpi_pm *pm)
{
	return pm->rst_cnt;
}

void acpi_pm_reset_write(struct acpi_pm *pm, uint8_t val)
{
	pm->rst_cnt = (uint8_t)(val & ~ACPI_PM_RST_CPU);
	if ((val & ACPI_PM_RST_CPU) && pm->ops.reset)
		pm->ops.reset(pm->ops.ctx);
}
