/* VGA text-mode console (80x25 at 0xb8000), as left by GRUB under BIOS. */
#include <vmk/console.h>
#include <vmk/bootinfo.h>
#include <vmk/mm.h>
#include <arch/cpu.h>
#include <string.h>

static struct {
	volatile uint16_t *buf;
	unsigned cols, rows, x, y;
} vga;

#define VGA_ATTR 0x0700 /* light grey on black */

static void vga_scroll(void)
{
	memmove((void *)vga.buf, (const void *)(vga.buf + vga.cols), (vga.rows - 1) * vga.cols * 2);
	for (unsigned i = 0; i < vga.cols; i++)
		vga.buf[(vga.rows - 1) * vga.cols + i] = VGA_ATTR | ' ';
	vga.y = vga.rows - 1;
}

static void vga_cursor(void)
{
	unsigned pos = vga.y * vga.cols + vga.x;

	outb(0x3d4, 0x0f);
	outb(0x3d5, pos & 0xff);
	outb(0x3d4, 0x0e);
	outb(0x3d5, (pos >> 8) & 0xff);
}

static void vga_write(struct console *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '\n') {
			vga.x = 0;
			vga.y++;
		} else if (ch == '\r') {
			vga.x = 0;
		} else {
			vga.buf[vga.y * vga.cols + vga.x] = VGA_ATTR | (uint8_t)ch;
			if (++vga.x == vga.cols) {
				vga.x = 0;
				vga.y++;
			}
		}
		if (vga.y == vga.rows)
			vga_scroll();
	}
	vga_cursor();
}

bool vga_text_init(struct console *c, const struct boot_info *bi)
{
	if (!bi->has_fb || bi->fb.type != 2)
		return false;
	vga.cols = bi->fb.width ? bi->fb.width : 80;
	vga.rows = bi->fb.height ? bi->fb.height : 25;
	vga.buf = vm_map_phys(bi->fb.addr ? bi->fb.addr : 0xb8000, vga.cols * vga.rows * 2,
			      VM_WRITE | VM_MMIO);
	if (!vga.buf)
		return false;
	for (unsigned i = 0; i < vga.cols * vga.rows; i++)
		vga.buf[i] = VGA_ATTR | ' ';
	vga.x = vga.y = 0;
	c->name = "vga";
	c->write = vga_write;
	return true;
}
