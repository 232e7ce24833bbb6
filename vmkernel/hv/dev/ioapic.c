/* I/O APIC virtual device model: 24 redirection entries, edge and level pins, EOI register. */
#include <string.h>

#include <vmk/errno.h>
#include <hv/ioapic.h>

/* Low half: vector, delivery mode, dest mode, polarity, trigger, mask.  High: destination. */
#define RTE_LOW_WRITABLE  0x0001afffull
#define RTE_HIGH_WRITABLE 0xff000000ull

static uint64_t ones(unsigned size)
{
	if (size >= 8)
		return UINT64_MAX;
	return (1ull << (size * 8)) - 1;
}

/* Send the entry of `pin`; a level entry holds remote IRR until its EOI if someone took it. */
static void vioapic_service(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	struct vioapic_msg msg = {
		.dest = (uint8_t)(e >> IOAPIC_RTE_DEST_SHIFT),
		.logical = e & IOAPIC_RTE_LOGICAL,
		.delivery = (uint8_t)((e >> 8) & 7),
		.vector = (uint8_t)e,
		.level = e & IOAPIC_RTE_LEVEL,
		.pin = (uint8_t)pin,
	};

	if (msg.delivery == 3 || msg.delivery == 6 || !io->cb.deliver) {
		io->dropped++;
		return;
	}
	/* Set remote IRR first so that a callback re-entering the model sees it; undo if no one
	 * accepted.  The entry is re-read: the callback may have reprogrammed it. */
	if (msg.level)
		io->redir[pin] |= IOAPIC_RTE_REMOTE_IRR;
	io->delivered++;
	if (!io->cb.deliver(io->cb.ctx, &msg) && msg.level)
		io->redir[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
}

/* A level entry fires while its line is asserted, unmasked and remote IRR is clear. */
static void vioapic_check_level(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];

	if ((e & IOAPIC_RTE_LEVEL) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
	    (io->line & (1u << pin)))
		vioapic_service(io, pin);
}

int vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	uint32_t bit;
	bool was;

	if (pin >= IOAPIC_NPINS)
		return -EINVAL;
	bit = 1u << pin;
	was = io->line & bit;
	if (!level) {
		io->line &= ~bit;
		return 0;
	}
	io->line |= bit;
	if (io->redir[pin] & IOAPIC_RTE_LEVEL)
		vioapic_check_level(io, pin);
	else if (!was && !(io->redir[pin] & IOAPIC_RTE_MASKED))
		vioapic_service(io, pin);
	return 0;
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		uint64_t e = io->redir[pin];

		if ((uint8_t)e != vector || !(e & IOAPIC_RTE_LEVEL) || !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->redir[pin] = e & ~IOAPIC_RTE_REMOTE_IRR;
		vioapic_check_level(io, pin);
	}
}

static uint32_t read_index(const struct vioapic *io, uint32_t index)
{
	uint32_t pin;

	switch (index) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->id;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION;
	}
	if (index < IOAPIC_REG_REDIR || index >= IOAPIC_REG_REDIR + 2 * IOAPIC_NPINS)
		return 0xffffffffu;
	pin = (index - IOAPIC_REG_REDIR) / 2;
	if (index & 1)
		return (uint32_t)(io->redir[pin] >> 32);
	return (uint32_t)io->redir[pin];
}

static void write_index(struct vioapic *io, uint32_t index, uint32_t val)
{
	uint32_t pin;
	uint64_t e;

	if (index == IOAPIC_REG_ID) {
		io->id = val & 0x0f000000u;
		return;
	}
	if (index < IOAPIC_REG_REDIR || index >= IOAPIC_REG_REDIR + 2 * IOAPIC_NPINS)
		return; /* version, arbitration, nothing */
	pin = (index - IOAPIC_REG_REDIR) / 2;
	e = io->redir[pin];
	if (index & 1) {
		io->redir[pin] = (e & 0xffffffffull) | ((uint64_t)(val & RTE_HIGH_WRITABLE) << 32);
		return;
	}
	e = (e & ~0xffffffffull) | (val & RTE_LOW_WRITABLE) | (e & IOAPIC_RTE_REMOTE_IRR);
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	io->redir[pin] = e;
	vioapic_check_level(io, pin); /* unmasked while asserted */
}

uint64_t vioapic_read(struct vioapic *io, uint64_t off, unsigned size)
{
	if (size != 4) {
		io->bad_access++;
		return ones(size);
	}
	switch (off) {
	case IOAPIC_IOREGSEL:
		return io->ioregsel;
	case IOAPIC_IOWIN:
		return read_index(io, io->ioregsel);
	case IOAPIC_EOI:
		return 0;
	default:
		io->bad_access++;
		return 0xffffffffu;
	}
}

void vioapic_write(struct vioapic *io, uint64_t off, unsigned size, uint64_t val)
{
	if (size != 4) {
		io->bad_access++;
		return;
	}
	switch (off) {
	case IOAPIC_IOREGSEL:
		io->ioregsel = (uint32_t)val & 0xff;
		break;
	case IOAPIC_IOWIN:
		write_index(io, io->ioregsel, (uint32_t)val);
		break;
	case IOAPIC_EOI:
		vioapic_eoi(io, (uint8_t)val);
		break;
	default:
		io->bad_access++;
		break;
	}
}

void vioapic_reset(struct vioapic *io)
{
	io->ioregsel = 0;
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		io->redir[pin] = IOAPIC_RTE_MASKED;
}

void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_callbacks *cb)
{
	memset(io, 0, sizeof(*io));
	if (cb)
		io->cb = *cb;
	io->id = (uint32_t)(id & 0xf) << 24;
	vioapic_reset(io);
}
