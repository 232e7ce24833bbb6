/* Local APIC (xAPIC, MMIO) virtual device model: registers, timer, acceptance, IPIs. */
#include <string.h>

#include <vmk/errno.h>
#include <hv/lapic.h>

#define LVT_VECTOR(v)	  ((v)&0xffu)
#define LVT_DM(v)	  (((v) >> 8) & 7u)
#define LVT_TIMER_MODE(v) ((v) & (3u << 17))
#define LVT_TIMER_RSVD	  (3u << 17)

#define ICR_WRITABLE	 0x000ccfffu /* vector, mode, dest mode, level, trigger, shorthand */
#define ICR_LOGICAL	 (1u << 11)
#define ICR_LEVEL	 (1u << 14)
#define ICR_TRIGGER	 (1u << 15)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3u)

/* Bits the guest may set in each LVT entry; delivery status (12) and remote IRR are read-only. */
static const uint32_t lvt_writable[LAPIC_NLVT] = {
	[LAPIC_LVT_TIMER] = 0x000700ffu,   /* vector, mask, timer mode */
	[LAPIC_LVT_THERMAL] = 0x000107ffu, /* vector, delivery mode, mask */
	[LAPIC_LVT_PERF] = 0x000107ffu,
	[LAPIC_LVT_LINT0] = 0x0001a7ffu, /* vector, mode, polarity, trigger, mask */
	[LAPIC_LVT_LINT1] = 0x0001a7ffu,
	[LAPIC_LVT_ERROR] = 0x000100ffu, /* vector, mask */
};

static bool vec_test(const uint32_t *r, unsigned v)
{
	return (r[v >> 5] >> (v & 31)) & 1;
}

static void vec_set(uint32_t *r, unsigned v)
{
	r[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *r, unsigned v)
{
	r[v >> 5] &= ~(1u << (v & 31));
}

static int vec_highest(const uint32_t *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static bool sw_enabled(const struct vlapic *l)
{
	return l->svr & LAPIC_SVR_ENABLE;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint32_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	if ((l->tpr & 0xf0) >= isr_class)
		return l->tpr & 0xff;
	return isr_class;
}

/* Record errors; each one raises the error LVT (the guest reads them after an ESR write). */
static void vlapic_error(struct vlapic *l, uint32_t bits)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_ERROR];

	l->esr_pending |= bits;
	if (lvt & LAPIC_LVT_MASKED)
		return;
	if (LVT_VECTOR(lvt) < 16) {
		l->esr_pending |= LAPIC_ESR_RECV_ILL; /* no further interrupt: no loop */
		return;
	}
	vec_set(l->irr, LVT_VECTOR(lvt));
	vec_clear(l->tmr, LVT_VECTOR(lvt));
}

/* Accept a fixed interrupt into the IRR; locally generated ones (LVT, self IPI) too. */
static bool vlapic_accept(struct vlapic *l, unsigned vector, bool level)
{
	if (!l->hw_enabled || vector > 255) {
		l->irq_dropped++;
		return false;
	}
	if (vector < 16) {
		l->irq_dropped++;
		vlapic_error(l, LAPIC_ESR_RECV_ILL);
		return false;
	}
	if (!sw_enabled(l)) {
		l->irq_dropped++;
		return false;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	return true;
}

/* ---- Timer ---- */

/* Divide configuration bits 3,1,0: 000 -> 2, 001 -> 4, ..., 110 -> 128, 111 -> 1. */
static uint32_t timer_divisor(uint32_t tdcr)
{
	unsigned s = (tdcr & 3) | ((tdcr >> 1) & 4);

	return 1u << ((s + 1) & 7);
}

static uint32_t timer_mode(const struct vlapic *l)
{
	return LVT_TIMER_MODE(l->lvt[LAPIC_LVT_TIMER]);
}

/* One count-down in ns at divisor `div` (the 1 GHz clock: a tick is `div` ns). */
static uint64_t timer_period(const struct vlapic *l, uint32_t div)
{
	uint64_t p = (uint64_t)l->tmict * div;

	if (timer_mode(l) == LAPIC_TIMER_PERIODIC && p < LAPIC_TIMER_MIN_PERIOD_NS)
		p = LAPIC_TIMER_MIN_PERIOD_NS;
	return p;
}

static bool timer_counts(const struct vlapic *l)
{
	uint32_t m = timer_mode(l);

	return m == LAPIC_TIMER_ONESHOT || m == LAPIC_TIMER_PERIODIC;
}

static uint32_t timer_current(const struct vlapic *l, uint64_t now, uint32_t div)
{
	uint64_t remaining, period, c;

	if (!timer_counts(l) || l->timer_deadline == HVDEV_NEVER || l->tmict == 0)
		return 0;
	if (now < l->timer_deadline) {
		remaining = l->timer_deadline - now;
	} else if (timer_mode(l) == LAPIC_TIMER_PERIODIC) {
		/* Due but not yet polled: where the count would be in the running period. */
		period = timer_period(l, div);
		remaining = period - (now - l->timer_deadline) % period;
	} else {
		return 0;
	}
	c = remaining / div;
	return c > l->tmict ? l->tmict : (uint32_t)c;
}

static void timer_start(struct vlapic *l, uint64_t now)
{
	if (!timer_counts(l) || l->tmict == 0) {
		l->timer_deadline = HVDEV_NEVER;
		return;
	}
	l->timer_deadline = sat_add(now, timer_period(l, timer_divisor(l->tdcr)));
}

static void write_lvt_timer(struct vlapic *l, uint32_t val)
{
	uint32_t old = timer_mode(l);

	l->lvt[LAPIC_LVT_TIMER] = val;
	if ((old == LAPIC_TIMER_TSC) != (timer_mode(l) == LAPIC_TIMER_TSC)) {
		l->tmict = 0;
		l->tsc_deadline = 0;
		l->timer_deadline = HVDEV_NEVER;
	} else if (timer_mode(l) == LVT_TIMER_RSVD) {
		l->timer_deadline = HVDEV_NEVER;
	}
	/* One-shot <-> periodic keeps the running count (the period is derived when reloading). */
}

static void write_tdcr(struct vlapic *l, uint32_t val, uint64_t now)
{
	uint32_t old_div = timer_divisor(l->tdcr), new_div = timer_divisor(val & 0xb);
	uint32_t cur;

	if (timer_counts(l) && l->timer_deadline != HVDEV_NEVER && now < l->timer_deadline &&
	    old_div != new_div) {
		cur = timer_current(l, now, old_div);
		l->timer_deadline = sat_add(now, (uint64_t)cur * new_div);
	}
	l->tdcr = val & 0xb;
}

uint64_t vlapic_poll(struct vlapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_TIMER];
	uint64_t period, late;

	if (l->timer_deadline == HVDEV_NEVER || now < l->timer_deadline)
		return l->timer_deadline;
	l->timer_fired++;
	if (timer_mode(l) == LAPIC_TIMER_PERIODIC && l->tmict) {
		period = timer_period(l, timer_divisor(l->tdcr));
		late = (now - l->timer_deadline) % period;
		l->timer_deadline = sat_add(now - late, period);
	} else {
		l->timer_deadline = HVDEV_NEVER;
		l->tsc_deadline = 0;
	}
	if (!(lvt & LAPIC_LVT_MASKED))
		vlapic_accept(l, LVT_VECTOR(lvt), false);
	return l->timer_deadline;
}

void vlapic_write_tsc_deadline(struct vlapic *l, uint64_t deadline_ns, uint64_t raw_tsc_value)
{
	if (!l->hw_enabled || timer_mode(l) != LAPIC_TIMER_TSC)
		return;
	l->tsc_deadline = raw_tsc_value;
	l->timer_deadline = raw_tsc_value ? deadline_ns : HVDEV_NEVER;
}

uint64_t vlapic_read_tsc_deadline(const struct vlapic *l)
{
	if (!l->hw_enabled || timer_mode(l) != LAPIC_TIMER_TSC)
		return 0;
	return l->tsc_deadline;
}

/* ---- EOI, LINT ---- */

/* Deliver a fixed-mode LINT entry: level-triggered ones hold remote IRR until the EOI. */
static int lint_fixed(struct vlapic *l, unsigned pin, bool rising)
{
	uint32_t *lvt = &l->lvt[LAPIC_LVT_LINT0 + pin];

	if (*lvt & LAPIC_LVT_LEVEL) {
		if (!l->lint_level[pin] || (*lvt & LAPIC_LVT_REMOTE_IRR))
			return LAPIC_LINT_NONE;
		if (!vlapic_accept(l, LVT_VECTOR(*lvt), true))
			return LAPIC_LINT_NONE;
		*lvt |= LAPIC_LVT_REMOTE_IRR;
		return LAPIC_LINT_DELIVERED;
	}
	if (!rising)
		return LAPIC_LINT_NONE;
	return vlapic_accept(l, LVT_VECTOR(*lvt), false) ? LAPIC_LINT_DELIVERED : LAPIC_LINT_NONE;
}

static void vlapic_eoi(struct vlapic *l)
{
	int v = vec_highest(l->isr);

	if (v < 0)
		return;
	vec_clear(l->isr, (unsigned)v);
	if (!vec_test(l->tmr, (unsigned)v))
		return;
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t *lvt = &l->lvt[LAPIC_LVT_LINT0 + pin];

		if (!(*lvt & LAPIC_LVT_REMOTE_IRR) || LVT_VECTOR(*lvt) != (unsigned)v)
			continue;
		*lvt &= ~LAPIC_LVT_REMOTE_IRR;
		if (!(*lvt & LAPIC_LVT_MASKED) && LVT_DM(*lvt) == LAPIC_DM_FIXED)
			lint_fixed(l, pin, false);
	}
	if (l->cb.eoi)
		l->cb.eoi(l->cb.ctx, (uint8_t)v);
}

int vlapic_lint(struct vlapic *l, unsigned pin, bool level)
{
	bool rising;
	uint32_t lvt;

	if (pin > 1)
		return -EINVAL;
	rising = level && !l->lint_level[pin];
	l->lint_level[pin] = level;
	if (!l->hw_enabled || !sw_enabled(l)) {
		if (pin == 0)
			return level ? LAPIC_LINT_EXTINT : LAPIC_LINT_NONE;
		if (!rising)
			return LAPIC_LINT_NONE;
		if (l->cb.nmi)
			l->cb.nmi(l->cb.ctx);
		return LAPIC_LINT_DELIVERED;
	}
	lvt = l->lvt[LAPIC_LVT_LINT0 + pin];
	if (lvt & LAPIC_LVT_MASKED)
		return LAPIC_LINT_NONE;
	switch (LVT_DM(lvt)) {
	case LAPIC_DM_FIXED:
		return lint_fixed(l, pin, rising);
	case LAPIC_DM_NMI:
		if (!rising)
			return LAPIC_LINT_NONE;
		if (l->cb.nmi)
			l->cb.nmi(l->cb.ctx);
		return LAPIC_LINT_DELIVERED;
	case LAPIC_DM_EXTINT:
		return level ? LAPIC_LINT_EXTINT : LAPIC_LINT_NONE;
	default:
		return LAPIC_LINT_NONE;
	}
}

bool vlapic_extint_enabled(const struct vlapic *l)
{
	uint32_t lvt0 = l->lvt[LAPIC_LVT_LINT0];

	if (!l->hw_enabled || !sw_enabled(l))
		return true;
	return !(lvt0 & LAPIC_LVT_MASKED) && LVT_DM(lvt0) == LAPIC_DM_EXTINT;
}

/* ---- IPIs ---- */

static void vlapic_send_ipi(struct vlapic *l)
{
	uint32_t lo = l->icr_lo;
	struct vlapic_ipi ipi = {
		.delivery = (uint8_t)LVT_DM(lo),
		.vector = (uint8_t)LVT_VECTOR(lo),
		.dest = (uint8_t)(l->icr_hi >> 24),
		.shorthand = (uint8_t)ICR_SHORTHAND(lo),
		.logical = lo & ICR_LOGICAL,
		.level = lo & ICR_LEVEL,
		.trigger_level = lo & ICR_TRIGGER,
		.src_id = l->id,
	};

	switch (ipi.delivery) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		if (ipi.vector < 16) {
			vlapic_error(l, LAPIC_ESR_SEND_ILL);
			return;
		}
		break;
	case LAPIC_DM_INIT:
		if (!ipi.level && ipi.trigger_level)
			ipi.delivery = LAPIC_DM_INIT_DEASSERT;
		break;
	case LAPIC_DM_SMI:
	case LAPIC_DM_NMI:
	case LAPIC_DM_SIPI:
		break;
	default: /* 3 and 7 (ExtINT) are reserved in the ICR */
		l->ipi_dropped++;
		return;
	}
	if (ipi.shorthand == LAPIC_SH_SELF) {
		/* Only fixed is valid with "self" (SDM table 10-3); taken as edge. */
		if (ipi.delivery == LAPIC_DM_FIXED)
			vlapic_accept(l, ipi.vector, false);
		else
			l->ipi_dropped++;
		return;
	}
	if (l->cb.ipi)
		l->cb.ipi(l->cb.ctx, &ipi);
}

bool vlapic_match_dest(const struct vlapic *l, uint8_t dest, bool logical)
{
	uint8_t ldr = (uint8_t)(l->ldr >> 24);

	if (!l->hw_enabled)
		return false;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == l->id;
	switch (l->dfr >> 28) {
	case 0xf: /* flat */
		return (ldr & dest) != 0;
	case 0x0: /* cluster */
		return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf) != 0;
	default:
		return false;
	}
}

/* ---- Interrupt acceptance and delivery ---- */

bool vlapic_set_irq(struct vlapic *l, unsigned vector, bool level_triggered)
{
	return vlapic_accept(l, vector, level_triggered);
}

int vlapic_pending(const struct vlapic *l)
{
	int v;

	if (!l->hw_enabled || !sw_enabled(l))
		return -1;
	v = vec_highest(l->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (vlapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *l, unsigned vector)
{
	if (vector > 255 || !vec_test(l->irr, vector))
		return;
	vec_clear(l->irr, vector);
	vec_set(l->isr, vector);
}

/* ---- Registers ---- */

uint64_t vlapic_read(struct vlapic *l, uint64_t off, unsigned size, uint64_t now)
{
	if (!l->hw_enabled) {
		if (size >= 8)
			return UINT64_MAX;
		return size ? (1ull << (size * 8)) - 1 : 0;
	}
	if (size != 4 || (off & 15) || off >= LAPIC_MMIO_SIZE) {
		l->bad_access++;
		return 0;
	}
	if (off >= LAPIC_REG_ISR && off < LAPIC_REG_ISR + 0x80)
		return l->isr[(off - LAPIC_REG_ISR) >> 4];
	if (off >= LAPIC_REG_TMR && off < LAPIC_REG_TMR + 0x80)
		return l->tmr[(off - LAPIC_REG_TMR) >> 4];
	if (off >= LAPIC_REG_IRR && off < LAPIC_REG_IRR + 0x80)
		return l->irr[(off - LAPIC_REG_IRR) >> 4];
	if (off >= LAPIC_REG_LVT && off < LAPIC_REG_LVT + 0x10 * LAPIC_NLVT)
		return l->lvt[(off - LAPIC_REG_LVT) >> 4];
	switch (off) {
	case LAPIC_REG_ID:
		return (uint32_t)l->id << 24;
	case LAPIC_REG_VERSION:
		return LAPIC_VERSION;
	case LAPIC_REG_TPR:
		return l->tpr;
	case LAPIC_REG_PPR:
		return vlapic_ppr(l);
	case LAPIC_REG_LDR:
		return l->ldr;
	case LAPIC_REG_DFR:
		return l->dfr;
	case LAPIC_REG_SVR:
		return l->svr;
	case LAPIC_REG_ESR:
		return l->esr;
	case LAPIC_REG_ICR_LO:
		return l->icr_lo; /* delivery status (bit 12) always idle */
	case LAPIC_REG_ICR_HI:
		return l->icr_hi;
	case LAPIC_REG_TMICT:
		return l->tmict;
	case LAPIC_REG_TMCCT:
		return timer_current(l, now, timer_divisor(l->tdcr));
	case LAPIC_REG_TDCR:
		return l->tdcr;
	default: /* APR, EOI, RRD, reserved */
		return 0;
	}
}

static void write_lvt(struct vlapic *l, unsigned i, uint32_t val)
{
	uint32_t v = (val & lvt_writable[i]) | (l->lvt[i] & LAPIC_LVT_REMOTE_IRR);

	if (!sw_enabled(l))
		v |= LAPIC_LVT_MASKED;
	if (!(v & LAPIC_LVT_LEVEL))
		v &= ~LAPIC_LVT_REMOTE_IRR; /* edge entries have no remote IRR */
	if (i == LAPIC_LVT_TIMER)
		write_lvt_timer(l, v);
	else
		l->lvt[i] = v;
}

void vlapic_write(struct vlapic *l, uint64_t off, unsigned size, uint64_t val, uint64_t now)
{
	uint32_t v = (uint32_t)val;

	if (!l->hw_enabled)
		return;
	if (size != 4 || (off & 15) || off >= LAPIC_MMIO_SIZE) {
		l->bad_access++;
		return;
	}
	if (off >= LAPIC_REG_LVT && off < LAPIC_REG_LVT + 0x10 * LAPIC_NLVT) {
		write_lvt(l, (unsigned)(off - LAPIC_REG_LVT) >> 4, v);
		return;
	}
	switch (off) {
	case LAPIC_REG_TPR:
		l->tpr = v & 0xff;
		break;
	case LAPIC_REG_EOI:
		vlapic_eoi(l); /* may call back: last */
		break;
	case LAPIC_REG_LDR:
		l->ldr = v & 0xff000000u;
		break;
	case LAPIC_REG_DFR:
		l->dfr = (v & 0xf0000000u) | 0x0fffffffu;
		break;
	case LAPIC_REG_SVR:
		l->svr = v & 0x3ffu; /* vector, enable, focus checking */
		if (!sw_enabled(l))
			for (unsigned i = 0; i < LAPIC_NLVT; i++)
				l->lvt[i] |= LAPIC_LVT_MASKED;
		break;
	case LAPIC_REG_ESR:
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case LAPIC_REG_ICR_LO:
		l->icr_lo = v & ICR_WRITABLE;
		vlapic_send_ipi(l); /* may call back: last */
		break;
	case LAPIC_REG_ICR_HI:
		l->icr_hi = v & 0xff000000u;
		break;
	case LAPIC_REG_TMICT:
		if (timer_mode(l) == LAPIC_TIMER_TSC)
			break; /* ignored in TSC-deadline mode */
		l->tmict = v;
		timer_start(l, now);
		break;
	case LAPIC_REG_TDCR:
		write_tdcr(l, v, now);
		break;
	default: /* ID, version, APR, PPR, RRD, ISR, TMR, IRR, current count, reserved */
		break;
	}
}

/* ---- State ---- */

void vlapic_reset(struct vlapic *l)
{
	l->tpr = 0;
	l->ldr = 0;
	l->dfr = 0xffffffffu;
	l->svr = 0xff;
	l->esr = 0;
	l->esr_pending = 0;
	l->icr_lo = 0;
	l->icr_hi = 0;
	for (unsigned i = 0; i < LAPIC_NLVT; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	memset(l->irr, 0, sizeof(l->irr));
	l->tmict = 0;
	l->tdcr = 0;
	l->timer_deadline = HVDEV_NEVER;
	l->tsc_deadline = 0;
}

void vlapic_init(struct vlapic *l, uint8_t apic_id, bool bsp, const struct vlapic_callbacks *cb)
{
	memset(l, 0, sizeof(*l));
	if (cb)
		l->cb = *cb;
	l->id = apic_id;
	l->bsp = bsp;
	l->hw_enabled = true;
	vlapic_reset(l);
}

uint64_t vlapic_read_base(const struct vlapic *l)
{
	return LAPIC_BASE_ADDR | (l->bsp ? LAPIC_BASE_BSP : 0) |
	       (l->hw_enabled ? LAPIC_BASE_ENABLE : 0);
}

int vlapic_write_base(struct vlapic *l, uint64_t val)
{
	bool enable = val & LAPIC_BASE_ENABLE;

	if ((val & ~(LAPIC_BASE_BSP | LAPIC_BASE_ENABLE)) != LAPIC_BASE_ADDR)
		return -EINVAL;
	if (l->hw_enabled && !enable)
		vlapic_reset(l);
	l->hw_enabled = enable;
	return 0;
}
