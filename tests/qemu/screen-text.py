#!/usr/bin/env python3
"""Read the text off a QEMU screendump (PPM) of Keel's framebuffer console.

The console draws a PSF1 font on an 8-pixel-wide grid; this script cuts the picture into the
same cells and matches each against the same font, so it recovers the exact text.
Usage: screen-text.py SCREEN.ppm FONT.psf.gz   (prints the screen's lines)
"""
import gzip
import sys


def load_font(path):
    data = gzip.open(path).read()
    if data[0:2] != b"\x36\x04":
        sys.exit("not a PSF1 font: " + path)
    mode, height = data[2], data[3]
    count = 512 if mode & 1 else 256
    glyphs = [data[4 + i * height:4 + (i + 1) * height] for i in range(count)]
    chars = {}
    if mode & 2:  # unicode table: a list of code points per glyph, ended by 0xffff
        pos, glyph, seq = 4 + count * height, 0, False
        while pos + 2 <= len(data) and glyph < count:
            u = data[pos] | data[pos + 1] << 8
            pos += 2
            if u == 0xFFFF:
                glyph, seq = glyph + 1, False
            elif u == 0xFFFE:
                seq = True
            elif not seq and 32 <= u < 127:
                chars.setdefault(glyphs[glyph], chr(u))
    else:
        chars = {glyphs[c]: chr(c) for c in range(32, 127)}
    chars[bytes(height)] = " "
    return chars, height


def load_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval (no comments from QEMU)
        while data[pos] in b" \n\r\t":
            pos += 1
        start = pos
        while data[pos] not in b" \n\r\t":
            pos += 1
        fields.append(data[start:pos])
    if fields[0] != b"P6":
        sys.exit("not a binary PPM: " + path)
    return int(fields[1]), int(fields[2]), data[pos + 1:]


def main():
    chars, height = load_font(sys.argv[2])
    width, rows_px, px = load_ppm(sys.argv[1])
    for row in range(rows_px // height):
        line = []
        for col in range(width // 8):
            cell = bytearray()
            for y in range(height):
                off = ((row * height + y) * width + col * 8) * 3
                bits = 0
                for x in range(8):
                    if px[off + x * 3] >= 0x80:  # foreground is light grey on black
                        bits |= 0x80 >> x
                cell.append(bits)
            line.append(chars.get(bytes(cell), "?"))
        print("".join(line).rstrip())


if __name__ == "__main__":
    main()
