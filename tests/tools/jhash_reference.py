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


def jenkins_hash32_word(k, seed):
    """FreeBSD sys/libkern/jenkins_hash.c hashword(&k, 1, seed)."""
    a = b = c = (0xDEADBEEF + (1 << 2) + seed) & M
    return jhash_final((a + k) & M, b, c)


def be32(v):
    """A network-byte-order u32 as x86 reads it."""
    return int.from_bytes(v.to_bytes(4, "big"), "little")


def be16(v):
    return int.from_bytes(v.to_bytes(2, "big"), "little")


def reuseport_cases():
    """The SO_REUSEPORT selections tests/model/reuseport_test.cpp checks: server
    10.0.0.1:80, client 10.1.0.1, secret 0x12345678."""
    laddr, faddr, lport, secret = 0x0A000001, 0x0A010001, 80, 0x12345678
    for fport in (40000, 40002, 32768):
        h = jhash_3words(be32(laddr), be32(faddr), ((lport << 16) | be16(fport)) & M, secret)
        print("linux fport", fport, "hash", hex(h), "of 4 ->", (h * 4) >> 32, "of 3 ->", (h * 3) >> 32)
    for fport in (40000, 40001, 40002, 40003):
        h = jenkins_hash32_word(be32(faddr), secret) ^ (lport ^ fport)
        print("freebsd fport", fport, "hash", hex(h), "% 4 ->", h % 4, "% 3 ->", h % 3)


if __name__ == "__main__":
    reuseport_cases()
    for args in [(0, 0, 0, 0), (1, 2, 3, 4), (0x0100000A, 0x0101000A, (80 << 16) | 0x0080, 0x12345678)]:
        print(", ".join(hex(x) for x in args), "->", hex(jhash_3words(*args)))
