/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attribution helpers for the network source: everything here reads procfs
 * or sysfs text. Formats:
 *  - /proc/net/fib_trie: an indented trie; a leaf line "|-- A.B.C.D" is
 *    followed by lines "/LEN scope TYPE"; "/32 host LOCAL" marks an address
 *    of this namespace (net/ipv4/fib_trie.c, fib_trie_seq_show);
 *  - /proc/net/if_inet6: "ADDR32HEX IFINDEX PLEN SCOPE FLAGS NAME"
 *    (net/ipv6/addrconf.c, if6_seq_show);
 *  - /proc/net/tcp: "sl LOCAL REMOTE st ... inode" with addresses as hex of
 *    the in-memory (host order per 32-bit word) address and hex port
 *    (net/ipv4/tcp_ipv4.c, get_tcp4_sock).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <unistd.h>

#include "net-attr.h"

#define TEXT_MAX (4u << 20)	/* cap on a procfs file we slurp */

static bool addr_eq(const struct fdr_addr *a, const struct fdr_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

int na_addrs_add(struct na_addrs *s, const struct fdr_addr *a, const char *owner, uint64_t netns)
{
	struct na_addr_entry *e;

	if (na_addrs_find(s, a))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct na_addr_entry *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->addr = *a;
	snprintf(e->owner, sizeof(e->owner), "%s", owner ? owner : "");
	e->netns = netns;
	return 0;
}

const struct na_addr_entry *na_addrs_find(const struct na_addrs *s, const struct fdr_addr *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (addr_eq(&s->v[i].addr, a))
			return &s->v[i];
	return NULL;
}

void na_addrs_reset(struct na_addrs *s)
{
	s->n = 0;
}

void na_addrs_release(struct na_addrs *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

bool na_is_loopback(const struct fdr_addr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->family == 4)
		return a->b[0] == 127;
	if (a->family == 6)
		return !memcmp(a->b, v6lo, 16) || (!memcmp(a->b, mapped, 12) && a->b[12] == 127);
	return false;
}

/* Read a whole (small, procfs) file into a NUL-terminated heap buffer. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out_free;
	for (;;) {
		ssize_t r;

		if (cap - len < 2) {
			char *nb;

			if (cap >= TEXT_MAX)
				break;
			nb = realloc(buf, cap * 2);
			if (!nb)
				goto out_close;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out_close;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return buf;

out_close:
	close(fd);
out_free:
	free(buf);
	return NULL;
}

int na_parse_fib_trie(const char *text, void (*fn)(void *arg, const struct fdr_addr *a), void *arg)
{
	char last[64] = "";
	const char *line = text;
	int n = 0;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *leaf = memmem(line, len, "|-- ", 4);

		if (leaf) {
			size_t l = len - (size_t)(leaf + 4 - line);

			if (l >= sizeof(last))
				l = sizeof(last) - 1;
			memcpy(last, leaf + 4, l);
			last[l] = '\0';
		} else if (memmem(line, len, "/32 host LOCAL", 14) && last[0]) {
			struct fdr_addr a;

			if (!fdr_addr_parse(&a, last) && a.family == 4) {
				fn(arg, &a);
				n++;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool parse_hex_bytes(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo;

		if (hi < 0)
			return false;
		lo = hexval((unsigned char)s[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

int na_parse_if_inet6(const char *text,
		      void (*fn)(void *arg, const struct fdr_addr *a, uint32_t ifindex, const char *name),
		      void *arg)
{
	const char *line = text;
	int n = 0;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		char hex[33], name[32];
		unsigned idx, plen, scope, flags;
		struct fdr_addr a = { .family = 6 };
		char tmp[256];
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len < sizeof(tmp)) {
			memcpy(tmp, line, len);
			tmp[len] = '\0';
			if (sscanf(tmp, "%32s %x %x %x %x %31s", hex, &idx, &plen, &scope, &flags, name) == 6 &&
			    strlen(hex) == 32 && parse_hex_bytes(hex, a.b, 16)) {
				fn(arg, &a, idx, name);
				n++;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return n;
}

struct load_ctx {
	struct na_addrs *s;
	const char *owner;
	uint64_t netns;
	int added, err;
};

static void load_v4(void *arg, const struct fdr_addr *a)
{
	struct load_ctx *c = arg;

	if (na_addrs_add(c->s, a, c->owner, c->netns))
		c->err = -ENOMEM;
	else
		c->added++;
}

static void load_v6(void *arg, const struct fdr_addr *a, uint32_t ifindex, const char *name)
{
	(void)ifindex;
	(void)name;
	load_v4(arg, a);
}

int na_addrs_load_pid(struct na_addrs *s, pid_t pid, const char *owner, uint64_t netns)
{
	struct load_ctx c = { s, owner, netns, 0, 0 };
	char path[64];
	char *text;
	bool any = false;

	snprintf(path, sizeof(path), "/proc/%d/net/fib_trie", pid ? (int)pid : (int)getpid());
	text = slurp(path);
	if (text) {
		na_parse_fib_trie(text, load_v4, &c);
		free(text);
		any = true;
	}
	snprintf(path, sizeof(path), "/proc/%d/net/if_inet6", pid ? (int)pid : (int)getpid());
	text = slurp(path);
	if (text) {	/* absent when IPv6 is off: not an error */
		na_parse_if_inet6(text, load_v6, &c);
		free(text);
		any = true;
	}
	if (c.err)
		return c.err;
	return any ? c.added : -ENOENT;
}

uint64_t na_netns_of(pid_t pid)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/net");
	if (stat(path, &st))
		return 0;
	return (uint64_t)st.st_ino;
}

uint32_t na_iflink(const char *ifname)
{
	char path[128], buf[32];
	unsigned long v;
	ssize_t r;
	int fd;

	if (strchr(ifname, '/') || snprintf(path, sizeof(path), "/sys/class/net/%s/iflink", ifname) >= (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	v = strtoul(buf, NULL, 10);
	return v > UINT32_MAX ? 0 : (uint32_t)v;
}

/* ---- view ------------------------------------------------------------------ */

static void add_nsif(struct na_view *v, uint32_t ifindex, uint64_t netns, const char *owner)
{
	if (v->nnsifs == v->capnsifs) {
		size_t cap = v->capnsifs ? v->capnsifs * 2 : 32;
		struct na_nsif *nv = realloc(v->nsifs, cap * sizeof(*nv));

		if (!nv)
			return;
		v->nsifs = nv;
		v->capnsifs = cap;
	}
	v->nsifs[v->nnsifs].ifindex = ifindex;
	v->nsifs[v->nnsifs].netns = netns;
	snprintf(v->nsifs[v->nnsifs].owner, sizeof(v->nsifs[v->nnsifs].owner), "%s", owner);
	v->nnsifs++;
}

/* Interface indexes of the namespace of pid from /proc/<pid>/net/igmp
 * ("Idx Device : ..."; every multicast-capable interface is listed, which
 * veths and Ethernet are), since sysfs shows only our own namespace. */
static void load_ns_ifindexes(struct na_view *v, pid_t pid, uint64_t netns, const char *owner)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/igmp", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned idx;
		char name[32];

		if (isdigit((unsigned char)line[0]) && sscanf(line, "%u %31s", &idx, name) == 2 &&
		    strcmp(name, "lo"))
			add_nsif(v, idx, netns, owner);
	}
	fclose(f);
}

int na_view_refresh(struct na_view *v, na_container_fn container_of, void *arg)
{
	uint64_t seen[1024];
	size_t nseen = 0;
	DIR *d;
	struct dirent *de;

	na_addrs_reset(&v->addrs);
	v->nnsifs = 0;
	v->namespaces = 0;
	v->host_netns = na_netns_of(1);
	(void)na_addrs_load_pid(&v->addrs, 1, "", v->host_netns);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char cid[128] = "";
		uint64_t ns;
		pid_t pid;
		size_t k;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		ns = na_netns_of(pid);
		if (!ns || ns == v->host_netns)
			continue;
		for (k = 0; k < nseen && seen[k] != ns; k++)
			;
		if (k < nseen)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = ns;
		v->namespaces++;
		if (container_of) {
			const char *r = container_of(arg, pid, cid, sizeof(cid));

			if (r != cid)
				snprintf(cid, sizeof(cid), "%s", r ? r : "");
		}
		(void)na_addrs_load_pid(&v->addrs, pid, cid, ns);
		load_ns_ifindexes(v, pid, ns, cid);
	}
	closedir(d);
	return 0;
}

const char *na_view_iface_owner(const struct na_view *v, const char *ifname, uint32_t ifindex)
{
	uint32_t peer = na_iflink(ifname);

	if (!peer || peer == ifindex)
		return "";
	for (size_t k = 0; k < v->nnsifs; k++)
		if (v->nsifs[k].ifindex == peer)
			return v->nsifs[k].owner;
	return "";
}

void na_view_release(struct na_view *v)
{
	na_addrs_release(&v->addrs);
	free(v->nsifs);
	v->nsifs = NULL;
	v->nnsifs = v->capnsifs = 0;
}

/* ---- socket snapshot ------------------------------------------------------- */

struct na_inode_pid {
	uint64_t inode;
	pid_t pid;
};

/*
 * Socket inode of a 4-tuple from the kernel (NETLINK_SOCK_DIAG, one exact
 * lookup, as ss(8) does for a single socket): reading /proc/net/tcp walks the
 * whole connection hash table, which costs milliseconds even when idle.
 */
static uint64_t diag_inode(struct na_socks *s, bool tcp, uint8_t family, const uint8_t *la, uint16_t lp,
			   const uint8_t *ra, uint16_t rp)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	union {
		struct nlmsghdr nlh;
		char buf[1024];
	} resp;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	size_t alen = family == 4 ? 4 : 16;
	ssize_t n;

	if (s->diag_fd < 0)
		return 0;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = ++s->diag_seq;
	req.r.sdiag_family = family == 4 ? AF_INET : AF_INET6;
	req.r.sdiag_protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	req.r.idiag_states = ~0u;
	/* TCP's lookup takes src as the local end; UDP's (udp_dump_one ->
	 * __udp4_lib_lookup) takes src as the packet's source: the peer. */
	if (!tcp) {
		const uint8_t *t = la;
		uint16_t tp = lp;

		la = ra;
		lp = rp;
		ra = t;
		rp = tp;
	}
	req.r.id.idiag_sport = htons(lp);
	req.r.id.idiag_dport = htons(rp);
	memcpy(req.r.id.idiag_src, la, alen);
	memcpy(req.r.id.idiag_dst, ra, alen);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(s->diag_fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 0;
	for (;;) {
		n = recv(s->diag_fd, &resp, sizeof(resp), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof(struct nlmsghdr))
			return 0;
		if (resp.nlh.nlmsg_seq != s->diag_seq)
			continue;	/* a stale answer of an earlier request */
		break;
	}
	if (resp.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    (size_t)n < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		return 0;	/* NLMSG_ERROR: -ENOENT */
	return ((struct inet_diag_msg *)NLMSG_DATA(&resp.nlh))->idiag_inode;
}

static uint64_t socks_inode(struct na_socks *s, bool tcp, const struct fdr_addr *la, uint16_t lp,
			    const struct fdr_addr *ra, uint16_t rp)
{
	uint64_t ino;
	uint8_t ml[16] = { [10] = 0xff, [11] = 0xff }, mr[16] = { [10] = 0xff, [11] = 0xff };

	if (s->diag_fd == 0 && !s->diag_tried) {
		s->diag_tried = true;
		s->diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		if (s->diag_fd >= 0) {
			struct timeval tv = { 0, 200000 };

			setsockopt(s->diag_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
	}
	ino = diag_inode(s, tcp, la->family, la->b, lp, ra->b, rp);
	if (ino || la->family != 4)
		return ino;
	/* An IPv4 flow on a dual-stack IPv6 socket: ::ffff:a.b.c.d. */
	memcpy(ml + 12, la->b, 4);
	memcpy(mr + 12, ra->b, 4);
	return diag_inode(s, tcp, 6, ml, lp, mr, rp);
}

static int cmp_ip(const void *a, const void *b)
{
	const struct na_inode_pid *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static void load_fds(struct na_socks *s)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;

	if (!proc)
		return;
	while ((de = readdir(proc))) {
		char path[300];
		DIR *fds;
		struct dirent *fe;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			char lp[600], target[64];
			unsigned long long ino;
			ssize_t r;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(lp, sizeof(lp), "/proc/%s/fd/%s", de->d_name, fe->d_name);
			r = readlink(lp, target, sizeof(target) - 1);
			if (r < 9 || memcmp(target, "socket:[", 8))
				continue;
			target[r] = '\0';
			ino = strtoull(target + 8, NULL, 10);
			if (s->nip == s->capip) {
				size_t cap = s->capip ? s->capip * 2 : 256;
				struct na_inode_pid *v = realloc(s->ip, cap * sizeof(*v));

				if (!v)
					break;
				s->ip = v;
				s->capip = cap;
			}
			s->ip[s->nip].inode = ino;
			s->ip[s->nip].pid = (pid_t)atoi(de->d_name);
			s->nip++;
		}
		closedir(fds);
	}
	closedir(proc);
	qsort(s->ip, s->nip, sizeof(*s->ip), cmp_ip);
}

static void socks_reload(struct na_socks *s, uint64_t now_ns)
{
	s->nip = 0;
	load_fds(s);
	s->loaded_ns = now_ns;
	s->reloads++;
}

static pid_t socks_find_pid(const struct na_socks *s, uint64_t inode)
{
	struct na_inode_pid key = { inode, 0 };
	const struct na_inode_pid *p;

	if (!inode || !s->nip)
		return 0;
	p = bsearch(&key, s->ip, s->nip, sizeof(*s->ip), cmp_ip);
	return p ? p->pid : 0;
}

/* Does pid hold socket inode? (one process's fd links) */
static bool pid_has_inode(pid_t pid, uint64_t inode)
{
	char path[64], want[48];
	DIR *fds;
	struct dirent *fe;
	bool found = false;
	int wlen;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	fds = opendir(path);
	if (!fds)
		return false;
	wlen = snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)inode);
	while (!found && (fe = readdir(fds))) {
		char lp[330], target[64];

		if (fe->d_name[0] == '.')
			continue;
		snprintf(lp, sizeof(lp), "%s/%s", path, fe->d_name);
		found = readlink(lp, target, sizeof(target)) == wlen && !memcmp(target, want, (size_t)wlen);
	}
	closedir(fds);
	return found;
}

static void remember(struct na_socks *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < NA_RECENT - 1 && s->recent[i] != pid; i++)
		;
	memmove(s->recent + 1, s->recent, i * sizeof(s->recent[0]));
	s->recent[0] = pid;
}

pid_t na_socks_pid(struct na_socks *s, bool tcp, const struct fdr_addr *laddr, uint16_t lport,
		   const struct fdr_addr *raddr, uint16_t rport, uint64_t now_ns)
{
	uint64_t min_age = s->min_age_ns ? s->min_age_ns : 250000000ull;
	uint64_t inode = socks_inode(s, tcp, laddr, lport, raddr, rport);
	pid_t pid;

	if (!inode)
		return 0;
	pid = socks_find_pid(s, inode);
	/* A process that opened the last sockets likely opened this one: look
	 * at its fds before reading everyone's. */
	for (size_t i = 0; !pid && i < NA_RECENT && s->recent[i]; i++)
		if (pid_has_inode(s->recent[i], inode))
			pid = s->recent[i];
	if (!pid && (!s->reloads || now_ns - s->loaded_ns >= min_age)) {
		socks_reload(s, now_ns);
		pid = socks_find_pid(s, inode);
	}
	if (pid)
		remember(s, pid);
	return pid;
}

void na_socks_release(struct na_socks *s)
{
	if (s->diag_fd > 0)
		close(s->diag_fd);
	free(s->ip);
	memset(s, 0, sizeof(*s));
}

void na_attribute(const struct na_view *v, const struct fdr_event *ev, int local,
		  const char *iface_owner, uint64_t *tag, struct na_socks *socks, uint64_t now_ns,
		  struct na_verdict *out)
{
	const struct na_addr_entry *e = NULL;
	pid_t pid = 0;

	memset(out, 0, sizeof(*out));
	if (local)
		e = na_addrs_find(&v->addrs, &ev->f[local == 1 ? FDR_F_SRC : FDR_F_DST].a);
	if (e && e->owner[0]) {
		out->container = e->owner;
		return;
	}
	if (!e && !local && iface_owner && iface_owner[0]) {
		out->container = iface_owner;
		return;
	}
	if (!local || (e && e->netns != v->host_netns)) {
		/* Forwarded traffic, or a namespace no container owns. */
		out->unattributed = true;
		return;
	}
	/* A host socket (or loopback): its process, found now or before. */
	if (tag && *tag) {
		pid = *tag == NA_TAG_NONE ? 0 : (pid_t)*tag;
	} else if (ev->kind != FDR_NET_CLOSE && socks) {
		bool tcp = fdr_str_eq(fdr_event_str(ev, FDR_F_PROTO), "tcp");
		int l = local == 1 ? FDR_F_SRC : FDR_F_DST, r = local == 1 ? FDR_F_DST : FDR_F_SRC;

		pid = na_socks_pid(socks, tcp, &ev->f[l].a,
				   (uint16_t)fdr_event_u(ev, local == 1 ? FDR_F_SPORT : FDR_F_DPORT, 0),
				   &ev->f[r].a,
				   (uint16_t)fdr_event_u(ev, local == 1 ? FDR_F_DPORT : FDR_F_SPORT, 0), now_ns);
		if (tag)	/* one search per flow, found or not */
			*tag = pid > 0 ? (uint64_t)pid : NA_TAG_NONE;
	}
	if (pid > 0)
		out->pid = pid;
	else
		out->unattributed = true;
}
