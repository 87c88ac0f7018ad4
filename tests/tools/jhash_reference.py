#!/usr/bin/env python3
"""Reference values for tests/model/addressing_test.cpp: Linux include/linux/jhash.h
jhash_3words transcribed independently of the C++ (32-bit arithmetic, rol32)."""

M = 0xFFFFFFFF


def rol32(x, k):
    return ((x << k) | (x >> (32 - k))) & M


def jhash_final(a, b, c):
    c ^= b; c = (c - rol32(b, 14)) & M
    a ^= c; a = (a - rol32(c, 11)) & M
    b ^= a; b = (b - rol32(a, 25)) & M
    c ^= b; c = (c - rol32(b, 16)) & M
    a ^= c; a = (a - rol32(c, 4)) & M
    b ^= a; b = (b - rol32(a, 14)) & M
    c ^= b; c = (c - rol32(b, 24)) & M
    return c


def jhash_3words(a, b, c, initval):
    iv = (initval + 0xDEADBEEF + (3 << 2)) & M
    return jhash_final((a + iv) & M, (b + iv) & M, (c + iv) & M)


if __name__ == "__main__":
    for args in [(0, 0, 0, 0), (1, 2, 3, 4), (0x0100000A, 0x0101000A, (80 << 16) | 0x0080, 0x12345678)]:
        print(", ".join(hex(x) for x in args), "->", hex(jhash_3words(*args)))
