#!/usr/bin/env python3
"""Counts the pixels of given colours in a PNG (8-bit RGB or RGBA, as Chromium writes
screenshots), with the standard library only.

Usage: png_colours.py FILE RRGGBB...   prints one "RRGGBB COUNT" line per colour, then
"pixels N" (the image's size). Exit 2 when FILE is not such a PNG.
"""
import struct
import sys
import zlib


def rows(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise ValueError("unsupported PNG: depth %d colour type %d interlace %d" % (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        yield width, bpp, line
        previous = line


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    wanted = {bytes.fromhex(c): 0 for c in sys.argv[2:]}
    pixels = 0
    try:
        for width, bpp, line in rows(sys.argv[1]):
            pixels += width
            for x in range(0, width * bpp, bpp):
                rgb = bytes(line[x:x + 3])
                if rgb in wanted:
                    wanted[rgb] += 1
    except (OSError, ValueError, zlib.error, TypeError, struct.error) as e:
        print("png_colours: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 2
    for colour, count in wanted.items():
        print(colour.hex(), count)
    print("pixels", pixels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
