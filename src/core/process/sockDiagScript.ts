/**
 * The python3 program behind netlinkSockets.ts: it opens one NETLINK_SOCK_DIAG socket and, for every
 * request line on stdin, asks the kernel for exactly one TCP socket by its 4-tuple (SOCK_DIAG_BY_FAMILY
 * with an inet_diag_req_v2 and no NLM_F_DUMP: the kernel's inet_diag_find_one path, one hash lookup).
 *
 * Protocol (ASCII lines; requests are pipelined, answers come in any order, keyed by id):
 *   first line out:  `ready` | `unavailable REASON` (then it exits)
 *   in:              `ID FAMILY SRC SPORT DST DPORT`  (FAMILY 4 or 6; SRC/DST the socket's own/peer end)
 *   out:             `ID found INODE UID STATE SPORT DPORT` | `ID none ERRNO` | `ID bad` | `ID lost`
 *                    (answers to one read of stdin are written together: a burst of accepts is one batch)
 * It exits when stdin closes (the proxy stopped, or its process died).
 *
 * Layouts (Linux uapi, native byte order unless __be):
 *   struct nlmsghdr        { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }              16 bytes
 *   struct inet_diag_sockid{ be16 sport, dport; be32 src[4], dst[4]; u32 if; u32 cookie[2]; } 48 bytes
 *   struct inet_diag_req_v2{ u8 family, protocol, ext, pad; u32 states; sockid id; }          56 bytes
 *   struct inet_diag_msg   { u8 family, state, timer, retrans; sockid id;
 *                            u32 expires, rqueue, wqueue, uid, inode; }                       72 bytes
 * The cookie is INET_DIAG_NOCOOKIE (~0, ~0) so the kernel does not check it. An IPv4 request also finds
 * a dual-stack IPv6 socket connected to a v4-mapped address (the kernel hashes both alike).
 *
 * A burst (DUMP_MIN or more requests of one read asking about clients of the same proxy address and
 * port: 500 connections accepted at once) is answered by one dump instead (NLM_F_DUMP with an
 * INET_DIAG_REQ_BYTECODE filter on the destination port: `dport >= P && dport <= P`), each answer picked
 * out of it by its 4-tuple. What the dump does not list (closed, or a dual-stack socket of the other
 * family) is asked for exactly, as above, so a dump never makes an answer "none" that the exact lookup
 * would have found. A dump that fails or does not end within DUMP_WAIT seconds leaves every request of
 * the burst to the exact lookup.
 *   struct inet_diag_bc_op { u8 code, yes; u16 no; }  (the port in the `no` of the op after D_GE/D_LE)
 *   struct nlattr          { u16 len, type; }          (INET_DIAG_REQ_BYTECODE = 1)
 */
export const SOCK_DIAG_SCRIPT = String.raw`import os, select, socket, struct, sys, time
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 0x01
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
NOCOOKIE = 0xFFFFFFFF
INET_DIAG_REQ_BYTECODE = 1
INET_DIAG_BC_D_GE = 4
INET_DIAG_BC_D_LE = 5
TCP_TIME_WAIT = 6
DUMP_MIN = 8
DUMP_WAIT = 1.0
DUMP_SEQ = 0
HEADER = struct.Struct('=IHHII')
REQUEST = struct.Struct('=BBBBI')
PORTS = struct.Struct('!HH')
TAIL = struct.Struct('=IIIII')
try:
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    nl.bind((0, 0))
except (OSError, AttributeError) as error:
    sys.stdout.write('unavailable %s\n' % (getattr(error, 'strerror', None) or error))
    sys.stdout.flush()
    raise SystemExit(3)

def address(family, text):
    packed = socket.inet_pton(family, text)
    return packed + bytes(16 - len(packed))

def send(seq, version, src, sport, dst, dport):
    family = socket.AF_INET if version == '4' else socket.AF_INET6
    body = (REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF)
            + PORTS.pack(int(sport), int(dport)) + address(family, src) + address(family, dst)
            + struct.pack('=III', 0, NOCOOKIE, NOCOOKIE))
    nl.send(HEADER.pack(HEADER.size + len(body), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, seq, 0) + body)

def receive(answers):
    while True:
        try:
            data = nl.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        at = 0
        while at + HEADER.size <= len(data):
            length, kind, _, seq, _ = HEADER.unpack_from(data, at)
            if length < HEADER.size:
                break
            body = at + HEADER.size
            if kind == NLMSG_ERROR:
                answers[seq] = '%d none %d' % (seq, -struct.unpack_from('=i', data, body)[0])
            elif kind == SOCK_DIAG_BY_FAMILY and length >= HEADER.size + 72:
                state = data[body + 1]
                sport, dport = PORTS.unpack_from(data, body + 4)
                _, _, _, uid, inode = TAIL.unpack_from(data, body + 52)
                answers[seq] = '%d found %d %d %d %d %d' % (seq, inode, uid, state, sport, dport)
            at += (length + 3) & ~3

def answer_of(seq, data, body):
    state = data[body + 1]
    sport, dport = PORTS.unpack_from(data, body + 4)
    _, _, _, uid, inode = TAIL.unpack_from(data, body + 52)
    return '%d found %d %d %d %d %d' % (seq, inode, uid, state, sport, dport)

def dump(version, dst, dport, wanted, answers):
    # wanted: (client address bytes, client port) -> seq. True when the dump ended (answers filled in).
    family = socket.AF_INET if version == '4' else socket.AF_INET6
    size = 4 if version == '4' else 16
    port = int(dport)
    proxy = address(family, dst)[:size]
    code = struct.pack('=BBHBBHBBHBBH', INET_DIAG_BC_D_GE, 8, 20, 0, 0, port, INET_DIAG_BC_D_LE, 8, 12, 0, 0, port)
    body = (REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF & ~(1 << TCP_TIME_WAIT)) + bytes(48)
            + struct.pack('=HH', 4 + len(code), INET_DIAG_REQ_BYTECODE) + code)
    nl.send(HEADER.pack(HEADER.size + len(body), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, DUMP_SEQ, 0) + body)
    deadline = time.monotonic() + DUMP_WAIT
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([nl], [], [], left)[0]:
            return False
        data = nl.recv(1 << 20)
        at = 0
        while at + HEADER.size <= len(data):
            length, kind, _, seq, _ = HEADER.unpack_from(data, at)
            if length < HEADER.size:
                break
            body = at + HEADER.size
            at += (length + 3) & ~3
            if seq != DUMP_SEQ:
                continue
            if kind == NLMSG_DONE:
                return True
            if kind == NLMSG_ERROR:
                return False
            if kind != SOCK_DIAG_BY_FAMILY or length < HEADER.size + 72:
                continue
            if data[body + 24:body + 24 + size] != proxy:
                continue
            sport = PORTS.unpack_from(data, body + 4)[0]
            asked = wanted.get((bytes(data[body + 8:body + 8 + size]), sport))
            # A socket with an inode wins over one without (an orphan of the same 4-tuple).
            if asked is not None and (asked not in answers or TAIL.unpack_from(data, body + 52)[4] != 0):
                answers[asked] = answer_of(asked, data, body)

def dumped(requests, answers):
    # Bursts of requests about one proxy end answered by one dump each; returns the requests left to ask exactly.
    groups = {}
    for seq, parts in requests:
        groups.setdefault((parts[0], parts[3], parts[4]), []).append((seq, parts))
    left = []
    for (version, dst, dport), group in groups.items():
        if len(group) < DUMP_MIN:
            left.extend(group)
            continue
        try:
            family = socket.AF_INET if version == '4' else socket.AF_INET6
            size = 4 if version == '4' else 16
            wanted = dict(((address(family, parts[1])[:size], int(parts[2])), seq) for seq, parts in group)
            found = {}
            if dump(version, dst, dport, wanted, found):
                answers.update(found)
                left.extend(item for item in group if item[0] not in found)
                continue
        except (ValueError, OSError):
            pass
        left.extend(group)
    return left

sys.stdout.write('ready\n')
sys.stdout.flush()
stdin = sys.stdin.fileno()
pending = b''
while True:
    chunk = os.read(stdin, 65536)
    if not chunk:
        break
    lines = (pending + chunk).split(b'\n')
    pending = lines.pop()[-200:]
    requests, replies, answers, asked = [], [], {}, []
    for line in lines:
        parts = line.decode('ascii', 'replace').split()
        try:
            seq = int(parts[0]) & 0xFFFFFFFF
        except (IndexError, ValueError):
            continue
        if len(parts) != 6 or seq == DUMP_SEQ:
            replies.append('%d bad' % seq)
        else:
            requests.append((seq, parts[1:]))
    left = dumped(requests, answers)
    replies.extend(answers.values())
    for seq, parts in left:
        try:
            send(seq, *parts)
            asked.append(seq)
        except (ValueError, OSError):
            replies.append('%d bad' % seq)
        receive(answers)
    if any(seq not in answers for seq in asked):
        select.select([nl], [], [], 0.05)
        receive(answers)
    replies.extend(answers.get(seq, '%d lost' % seq) for seq in asked)
    sys.stdout.write(''.join(reply + '\n' for reply in replies))
    sys.stdout.flush()
`;
