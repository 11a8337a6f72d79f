#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A second ring reader, written from formats/SPEC.md alone (no C code
consulted), to show the spec is complete: prints a ring in the format of
`gen-corpus --dump`. LZ4 block decompression and XXH3-64 come from the
system's liblz4 and libxxhash through ctypes.

    spec-reader.py RING
"""
import ctypes
import struct
import sys

lz4 = ctypes.CDLL("liblz4.so.1")
xxh = ctypes.CDLL("libxxhash.so.0")
xxh.XXH3_64bits.restype = ctypes.c_uint64
xxh.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
lz4.LZ4_decompress_safe.restype = ctypes.c_int
lz4.LZ4_decompress_safe.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]


def xxh3(b):
    return xxh.XXH3_64bits(bytes(b), len(b))


class Damage(Exception):
    pass


# SPEC 7.2: field id -> type (U, I, S, L, A)
TYPES = {}
for ids, t in (
    ((1, 2, 3, 4, 9, 10, 11, 12, 13, 14, 17, 27, 28, 34, 36, 37, 38, 43, 44, 58, 81, 82, 83, 85), "U"),
    ((16, 69), "I"),
    ((5, 6, 8, 15, 18, 19, 24, 25, 26, 32, 39, 40, 41, 48, 49, 50, 51, 52, 56, 57, 59, 60, 61, 62,
      64, 66, 67, 68, 71, 72, 73, 74, 75, 80, 84), "S"),
    ((7, 42, 53, 65, 70, 76, 77), "L"),
    ((33, 35), "A"),
):
    for i in ids:
        TYPES[i] = t
WIRE = {"U": 0, "I": 1, "S": 2, "L": 3, "A": 4}


def varint(b, p, end):
    v = shift = 0
    for i in range(10):
        if p >= end:
            raise Damage("truncated varint")
        c = b[p]
        p += 1
        if i == 9 and c > 1:
            raise Damage("varint over 64 bits")
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, p
    raise Damage("varint too long")


def unzigzag(u):
    return (u >> 1) ^ -(u & 1)


def header_copy(b, off):
    """SPEC 3.2 steps for one copy: returns a dict or raises Damage."""
    h = b[off:off + 4096]
    if len(h) < 8 or h[:8] != b"FDRRING\0":
        raise Damage("magic")
    major, minor, hsize, compat, incompat, gen, slot_size, slot_count, data_off, created, meta_len = \
        struct.unpack_from("<HHIIIQIIQQI", h, 8)
    if major > 1:
        raise Damage("version")
    if len(h) < 4096:
        raise Damage("truncated")
    if major == 0 or hsize < 64 or hsize + meta_len + 8 > 4096:
        raise Damage("header")
    if struct.unpack_from("<Q", h, hsize + meta_len)[0] != xxh3(h[:hsize + meta_len]):
        raise Damage("checksum")
    if incompat:
        raise Damage("incompat")
    if (slot_size % 4096 or not 4096 <= slot_size <= 16 << 20 or not 2 <= slot_count <= 1 << 24
            or data_off % 4096 or not 8192 <= data_off <= 1 << 40):
        raise Damage("geometry")
    meta = {"created": created, "labels": []}
    names = {1: "hostname", 4: "container_id", 7: "image"}
    p, end = hsize, hsize + meta_len
    while end - p >= 4:
        tag, n = struct.unpack_from("<HH", h, p)
        if p + 4 + n > end:
            break
        v = h[p + 4:p + 4 + n]
        p += 4 + n
        if tag in names:
            meta[names[tag]] = v
        elif tag == 14:
            meta["labels"].append(v)
        elif tag == 15 and n == 8:
            meta["started"] = struct.unpack("<Q", v)[0]
    return dict(gen=gen, slot_size=slot_size, slot_count=slot_count, data_off=data_off, meta=meta)


def read_header(b):
    if not b:
        raise Damage("empty")
    best = None
    for off in (0, 4096):
        try:
            c = header_copy(b, off)
        except Damage:
            continue
        if best is None or c["gen"] > best["gen"]:
            best = c
    if best is None:
        raise Damage("no valid header")
    if len(b) < best["data_off"] + best["slot_count"] * best["slot_size"]:
        raise Damage("truncated")
    return best


def blocks(b, h):
    """SPEC 4.1 steps 2-4."""
    found = {}
    for i in range(h["slot_count"]):
        off = h["data_off"] + i * h["slot_size"]
        hd = b[off:off + 64]
        if hd == bytes(64):
            continue
        if hd[:4] != b"FDRB":
            print(f"warning: slot {i}: damaged", file=sys.stderr)
            continue
        (hs, flags, seq, rev, events, first, last, kinds, raw, comp, csum) = \
            struct.unpack_from("<HHQIIQQQIIQ", hd, 4)
        ok = (64 <= hs <= h["slot_size"] and comp <= h["slot_size"] - hs and raw <= 64 << 20
              and first <= last and flags & 0xF in (0, 1) and not flags & 0xFFF0)
        if ok:
            payload = b[off + hs:off + hs + comp]
            ok = xxh3(hd[:56] + b[off + 64:off + hs] + payload) == csum
        if not ok:
            print(f"warning: slot {i}: damaged", file=sys.stderr)
            continue
        blk = dict(seq=seq, rev=rev, events=events, first=first, last=last, kinds=kinds,
                   raw=raw, comp=comp, flags=flags, payload=payload, slot=i)
        if seq not in found or rev > found[seq]["rev"] or (rev == found[seq]["rev"] and i < found[seq]["slot"]):
            found[seq] = blk
    return [found[s] for s in sorted(found)]


def decode(blk):
    if blk["flags"] & 0xF == 1:
        out = ctypes.create_string_buffer(blk["raw"] + 1)
        n = lz4.LZ4_decompress_safe(blk["payload"], out, blk["comp"], blk["raw"])
        if n != blk["raw"]:
            raise Damage("lz4")
        b = out.raw[:n]
    else:
        b = blk["payload"]
    strings, evs, p, t = [], [], 0, blk["first"]
    while p < len(b):
        kind, p = varint(b, p, len(b))
        n, p = varint(b, p, len(b))
        if n > len(b) - p:
            raise Damage("record past end")
        body, end, p = p, p + n, p + n
        if kind == 0:
            strings.append(b[body:end])
            continue
        if kind >= 64:
            continue
        flags, q = varint(b, body, end)
        dt, q = varint(b, q, end)
        t = (t + unzigzag(dt)) % (1 << 64)
        fields = {}
        while q < end:
            tag, q = varint(b, q, end)
            fid, wt = tag >> 3, tag & 7
            want = WIRE.get(TYPES.get(fid))
            if wt in (0, 1):
                v, q = varint(b, q, end)
                val = v if wt == 0 else unzigzag(v)
            elif wt == 2:
                i, q = varint(b, q, end)
                if i >= len(strings):
                    raise Damage("undefined string")
                val = strings[i]
            elif wt == 3:
                cnt, q = varint(b, q, end)
                if cnt > 65536 or cnt > end - q:
                    raise Damage("list")
                val = []
                for _ in range(cnt):
                    i, q = varint(b, q, end)
                    if i >= len(strings):
                        raise Damage("undefined string")
                    val.append(strings[i])
            elif wt == 4:
                if q >= end or b[q] not in (4, 6):
                    raise Damage("family")
                alen = 4 if b[q] == 4 else 16
                if end - q - 1 < alen:
                    raise Damage("address")
                val = (b[q], b[q + 1:q + 1 + alen])
                q += 1 + alen
            else:
                break  # unknown wire type: rest of the record skipped
            if want == wt:
                fields[fid] = val
        evs.append((kind, flags & 0xFFFF, t, fields))
    if len(evs) != blk["events"]:
        raise Damage("event count")
    return evs


def fmt(fid, v):
    t = TYPES[fid]
    if t == "U":
        return str(v)
    if t == "I":
        return str(v)
    if t == "S":
        return v.hex()
    if t == "L":
        return "[" + ",".join(s.hex() for s in v) + "]"
    return f"{v[0]}:{v[1].hex()}"


def main():
    b = open(sys.argv[1], "rb").read()
    h = read_header(b)
    m = h["meta"]
    print(f"meta hostname={m.get('hostname', b'').decode()} container_id={m.get('container_id', b'').decode()} "
          f"image={m.get('image', b'').decode()} created={m['created']} started={m.get('started', 0)}")
    for lab in m["labels"]:
        print(f"label {lab.decode()}")
    for blk in blocks(b, h):
        print(f"block seq={blk['seq']} rev={blk['rev']} events={blk['events']} first={blk['first']} "
              f"last={blk['last']} kinds={blk['kinds']:x}")
        for kind, flags, t, fields in decode(blk):
            print(f"ev kind={kind} flags={flags} time={t}" +
                  "".join(f" {f}={fmt(f, fields[f])}" for f in sorted(fields)))


if __name__ == "__main__":
    main()
