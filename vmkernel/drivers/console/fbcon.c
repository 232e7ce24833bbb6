/*
 * Framebuffer text console: draws a PSF1 console font (from Debian's console-setup, linked in
 * at build time) onto the linear RGB framebuffer GRUB set up (UEFI GOP or VBE).
 */
#include <vmk/console.h>
#include <vmk/bootinfo.h>
#include <vmk/mm.h>
#include <vmk/compiler.h>
#include <string.h>

extern const uint8_t _binary_font_psf_start[], _binary_font_psf_end[];

#define PSF1_MAGIC0	0x36
#define PSF1_MAGIC1	0x04
#define PSF1_MODE512	0x01
#define PSF1_MODEHASTAB 0x02

static struct {
	uint8_t *fb;
	uint32_t pitch, width, height, bpp;
	uint32_t fg;
	const uint8_t *glyphs;
	unsigned glyph_h, nglyphs;
	uint16_t ascii[128]; /* ASCII code -> glyph index */
	unsigned cols, rows, x, y;
} fbc;

/* An 8-bit channel value placed in a field of `size` bits at `pos` (sizes above 8 scale up). */
static uint32_t fb_channel(uint8_t v, uint8_t size, uint8_t pos)
{
	uint32_t x = size <= 8 ? (uint32_t)v >> (8 - size) : (uint32_t)v << MIN(size - 8, 24);

	return pos < 32 ? x << pos : 0;
}

static uint32_t fb_color(const struct boot_fb *f, uint8_t r, uint8_t g, uint8_t b)
{
	return fb_channel(r, f->red_size, f->red_pos) | fb_channel(g, f->green_size, f->green_pos) |
	       fb_channel(b, f->blue_size, f->blue_pos);
}

static void fb_put_pixel(uint8_t *p, uint32_t v)
{
	switch (fbc.bpp) {
	case 32:
		*(volatile uint32_t *)p = v;
		break;
	case 24:
		p[0] = v & 0xff;
		p[1] = (v >> 8) & 0xff;
		p[2] = (v >> 16) & 0xff;
		break;
	case 16:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	}
}

static void fb_draw(unsigned cx, unsigned cy, char ch)
{
	unsigned c = (unsigned char)ch < 128 ? fbc.ascii[(unsigned char)ch] : fbc.ascii['?'];
	const uint8_t *g = fbc.glyphs + c * fbc.glyph_h;
	unsigned bytespp = fbc.bpp / 8;

	for (unsigned row = 0; row < fbc.glyph_h; row++) {
		uint8_t *p = fbc.fb + (cy * fbc.glyph_h + row) * fbc.pitch + cx * 8 * bytespp;

		for (unsigned col = 0; col < 8; col++, p += bytespp)
			fb_put_pixel(p, (g[row] & (0x80 >> col)) ? fbc.fg : 0);
	}
}

static void fb_scroll(void)
{
	size_t line = (size_t)fbc.pitch * fbc.glyph_h;

	memmove(fbc.fb, fbc.fb + line, line * (fbc.rows - 1));
	memset(fbc.fb + line * (fbc.rows - 1), 0, line);
	fbc.y = fbc.rows - 1;
}

static void fb_write(struct console *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			fbc.x = 0;
			fbc.y++;
		} else if (s[i] == '\r') {
			fbc.x = 0;
		} else {
			fb_draw(fbc.x, fbc.y, s[i]);
			if (++fbc.x == fbc.cols) {
				fbc.x = 0;
				fbc.y++;
			}
		}
		if (fbc.y == fbc.rows)
			fb_scroll();
	}
}

/* Map ASCII to glyph positions through the PSF1 unicode table (entries end with 0xffff). */
static void fb_font_map(const uint8_t *tab, const uint8_t *end)
{
	for (unsigned i = 0; i < 128; i++)
		fbc.ascii[i] = i < fbc.nglyphs ? i : 0;
	if (!tab)
		return;
	for (unsigned glyph = 0; glyph < fbc.nglyphs && tab + 2 <= end; glyph++) {
		bool seq = false;

		for (; tab + 2 <= end; tab += 2) {
			uint16_t u = (uint16_t)(tab[0] | tab[1] << 8);

			if (u == 0xffff) {
				tab += 2;
				break;
			}
			if (u == 0xfffe)
				seq = true;
			else if (!seq && u < 128)
				fbc.ascii[u] = (uint16_t)glyph;
		}
	}
}

bool fbcon_init(struct console *c, const struct boot_info *bi)
{
	const struct boot_fb *f = &bi->fb;
	const uint8_t *font = _binary_font_psf_start;
	size_t fontlen = (size_t)(_binary_font_psf_end - _binary_font_psf_start);

	if (!bi->has_fb || f->type != 1 || !(f->bpp == 32 || f->bpp == 24 || f->bpp == 16))
		return false;
	if (fontlen < 4 || font[0] != PSF1_MAGIC0 || font[1] != PSF1_MAGIC1)
		return false;
	fbc.glyph_h = font[3];
	fbc.nglyphs = (font[2] & PSF1_MODE512) ? 512 : 256;
	if (fbc.glyph_h == 0 || 4 + (size_t)fbc.nglyphs * fbc.glyph_h > fontlen)
		return false;
	fbc.glyphs = font + 4;
	fb_font_map((font[2] & PSF1_MODEHASTAB) ? fbc.glyphs + fbc.nglyphs * fbc.glyph_h : NULL,
		    font + fontlen);

	fbc.pitch = f->pitch;
	fbc.width = f->width;
	fbc.height = f->height;
	fbc.bpp = f->bpp;
	fbc.cols = f->width / 8;
	fbc.rows = f->height / fbc.glyph_h;
	if (!fbc.cols || !fbc.rows)
		return false;
	fbc.fb = vm_map_phys(f->addr, (size_t)f->pitch * f->height, VM_WRITE | VM_WC);
	if (!fbc.fb)
		return false;
	fbc.fg = fb_color(f, 0xc0, 0xc0, 0xc0);
	memset(fbc.fb, 0, (size_t)f->pitch * f->height);
	fbc.x = fbc.y = 0;
	c->name = "fb";
	c->write = fb_write;
	return true;
}
