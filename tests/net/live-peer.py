#!/usr/bin/env python3
# Traffic ends for tests/net/live.sh (real sockets, real kernel).
#   tcp-server ADDR PORT PIDFILE   echo one connection, then exit
#   tcp-client ADDR PORT NBYTES PIDFILE   send NBYTES, read them back, hold 1 s, close
#   udp-send ADDR PORT NBYTES PIDFILE
#   dns ADDR NAME udp|tcp PIDFILE  one A query; prints the answer addresses
import os, random, socket, struct, sys, time

def pidfile(path):
    with open(path, "w") as f:
        f.write("%d\n" % os.getpid())

def query(name):
    qid = random.randint(0, 65535)
    hdr = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return hdr + q + struct.pack(">HH", 1, 1)

def answers(msg):
    an = struct.unpack(">H", msg[6:8])[0]
    off = 12
    while msg[off]:
        off += 1 + msg[off]
    off += 5
    out = []
    for _ in range(an):
        if msg[off] & 0xC0 == 0xC0:
            off += 2
        else:
            while msg[off]:
                off += 1 + msg[off]
            off += 1
        typ, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        if typ == 1:
            out.append(socket.inet_ntoa(msg[off:off + 4]))
        off += rdlen
    return out

cmd = sys.argv[1]
if cmd == "tcp-server":
    addr, port, pf = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    pidfile(pf)
    c, _ = s.accept()
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    time.sleep(0.5)
    c.close()
elif cmd == "tcp-client":
    addr, port, n, pf = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    pidfile(pf)
    s = socket.create_connection((addr, port), timeout=5)
    s.sendall(b"x" * n)
    got = 0
    while got < n:
        got += len(s.recv(65536))
    time.sleep(1)
    s.close()
elif cmd == "udp-send":
    addr, port, n, pf = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    pidfile(pf)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    s.send(b"u" * n)
    time.sleep(1)
elif cmd == "dns":
    addr, name, proto, pf = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    pidfile(pf)
    q = query(name)
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5)
        s.connect((addr, 53))
        s.send(q)
        msg = s.recv(4096)
    else:
        s = socket.create_connection((addr, 53), timeout=5)
        s.sendall(struct.pack(">H", len(q)) + q)
        ln = struct.unpack(">H", s.recv(2))[0]
        msg = b""
        while len(msg) < ln:
            msg += s.recv(ln - len(msg))
    print(" ".join(answers(msg)))
    time.sleep(1)
    s.close()
elif cmd == "many-server":
    # threaded echo server until killed: ADDR PORT PIDFILE
    import threading
    addr, port, pf = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(512)
    pidfile(pf)
    def serve(c):
        with c:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
elif cmd == "many-client":
    # ADDR PORT CONNECTIONS BYTES_EACH BULK_MB: connections one after another,
    # each echoing BYTES_EACH; then one bulk connection of BULK_MB each way
    addr, port, n, each, bulk = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    buf = b"y" * each
    for _ in range(n):
        s = socket.create_connection((addr, port), timeout=10)
        s.sendall(buf)
        got = 0
        while got < each:
            got += len(s.recv(65536))
        s.close()
    s = socket.create_connection((addr, port), timeout=30)
    chunk = b"z" * 65536
    total = bulk << 20
    sent = got = 0
    import selectors
    sel = selectors.DefaultSelector()
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    while got < total:
        for key, ev in sel.select(timeout=10):
            if ev & selectors.EVENT_WRITE and sent < total:
                try:
                    sent += s.send(chunk[:min(65536, total - sent)])
                except BlockingIOError:
                    pass
                if sent >= total:
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                try:
                    d = s.recv(262144)
                except BlockingIOError:
                    continue
                if not d:
                    got = total
                got += len(d)
    s.close()
