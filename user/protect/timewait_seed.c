// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds `synq_closing` at attach with the TIME_WAIT sockets the kernel already
 * holds on protected ports. synq_xdp marks a tuple when it sees the client's FIN;
 * a connection that closed before the program was there was never seen, and a
 * client reusing its tuple within the next 60 s would get a cookie SYN-ACK the
 * TIME_WAIT socket then spoils (see "A SYN on a 4-tuple in TIME_WAIT" in
 * docs/dataplane.md). Runs after the XDP attach: from then on synq_xdp marks
 * new ones itself, so nothing falls between the two.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "protect/timewait_seed.h"

#define TCP_STATE_TIME_WAIT 6	/* "st" in /proc/net/tcp: the kernel's TCP_TIME_WAIT */

/* An IPv4 peer of a dual-stack socket (::ffff:a.b.c.d) is IPv4 on the wire. */
static void unmap_v4(__be32 a[4])
{
	if (!a[0] && !a[1] && a[2] == htonl(0xffff)) {
		a[0] = a[3];
		a[2] = a[3] = 0;
	}
}

/*
 * One line of /proc/net/tcp (v6 = 0) or /proc/net/tcp6 (v6 = 1). Addresses there
 * are the address words as stored, printed as numbers; ports are in host order.
 * Returns 1 and fills *flow (the client's view: saddr = remote) for a TIME_WAIT
 * socket on a protected local port, 0 for any other line.
 */
int closing_parse_line(const char *line, int v6, const uint8_t *ports, struct synq_flow_v6 *flow)
{
	unsigned int l[4] = { 0 }, r[4] = { 0 }, lport, rport, st;
	int n;

	if (v6)
		n = sscanf(line, " %*u: %8x%8x%8x%8x:%x %8x%8x%8x%8x:%x %x", &l[0], &l[1], &l[2],
			   &l[3], &lport, &r[0], &r[1], &r[2], &r[3], &rport, &st);
	else
		n = sscanf(line, " %*u: %8x:%x %8x:%x %x", &l[0], &lport, &r[0], &rport, &st);
	if (n != (v6 ? 11 : 5) || st != TCP_STATE_TIME_WAIT || lport > 65535 || rport > 65535 ||
	    !ports[lport])
		return 0;
	memset(flow, 0, sizeof(*flow));
	for (int i = 0; i < 4; i++) {
		flow->saddr[i] = r[i];
		flow->daddr[i] = l[i];
	}
	unmap_v4(flow->saddr);
	unmap_v4(flow->daddr);
	flow->sport = htons(rport);
	flow->dport = htons(lport);
	return 1;
}

/* Marks every protected TIME_WAIT tuple of one table; returns how many, or -errno. */
static int seed_table(const char *path, int v6, const uint8_t *ports, int map_fd, __u8 tag)
{
	struct synq_flow_v6 flow;
	char line[512];
	int marked = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* no IPv6 in this kernel */
	while (fgets(line, sizeof(line), f)) {
		if (!closing_parse_line(line, v6, ports, &flow))
			continue;
		__u32 words[9], slot;

		/* Copied, not cast: reading the ports through a __u32 pointer breaks
		 * C's aliasing rules, which -O2 may turn into a wrong slot. */
		_Static_assert(sizeof(words) == sizeof(flow), "synq_flow_v6 is nine words");
		memcpy(words, &flow, sizeof(words));
		slot = synq_closing_slot(words);

		if (bpf_map_update_elem(map_fd, &slot, &tag, BPF_ANY) == 0)
			marked++;
	}
	fclose(f);
	return marked;
}

int closing_seed(int map_fd, const uint8_t *ports)
{
	struct timespec now;
	int v4, v6;
	__u8 tag;

	/* The same clock and step as synq_xdp's marks (bpf_ktime_get_tai_ns()). */
	if (clock_gettime(CLOCK_TAI, &now))
		return -errno;
	tag = synq_closing_tag(synq_time_counter((__u64)now.tv_sec * 1000000000ull + now.tv_nsec));
	/* /proc/self/net is the namespace this thread is in: the interface's. */
	v4 = seed_table("/proc/self/net/tcp", 0, ports, map_fd, tag);
	v6 = seed_table("/proc/self/net/tcp6", 1, ports, map_fd, tag);
	if (v4 < 0 || v6 < 0)
		return v4 < 0 ? v4 : v6;
	return v4 + v6;
}
