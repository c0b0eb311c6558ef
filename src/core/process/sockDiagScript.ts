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
 */
export const SOCK_DIAG_SCRIPT = String.raw`import os, select, socket, struct, sys
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 0x01
NLMSG_ERROR = 2
NOCOOKIE = 0xFFFFFFFF
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
    asked, replies, answers = [], [], {}
    for line in lines:
        parts = line.decode('ascii', 'replace').split()
        try:
            seq = int(parts[0]) & 0xFFFFFFFF
        except (IndexError, ValueError):
            continue
        try:
            if len(parts) != 6:
                raise ValueError
            send(seq, *parts[1:])
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
