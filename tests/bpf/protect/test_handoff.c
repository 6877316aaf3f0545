// SPDX-License-Identifier: GPL-2.0
/*
 * A real handshake through synq_xdp and synq_tc: a client in one network namespace
 * connects over a veth pair to a listener in another, where synq_xdp (native mode)
 * answers the SYN with its cookie and synq_tc hands the final ACK to the kernel
 * with bpf_sk_assign_tcp_reqsk(). Data must flow both ways and both ends must
 * agree on the options the cookie carried: MSS, window scales, SACK, timestamps
 * and ECN (the client's namespace asks for ECN).
 *
 * Both namespaces are anonymous (unshare() in this process and in a child), so
 * they, the veth pair and the attached programs vanish when the processes exit,
 * whatever happens. Needs root, iproute2 and ethtool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include "harness.h"
#include "pkt.h"
#include "synq_pass.skel.h"
#include "protect/timewait_seed.h"
#include "system/system.h"

#define SRV_IF		"sqs0"
#define CLI_IF		"sqc0"
#define PORT		PORT_SYN
#define TIMEOUT_MS	5000

/* What the client saw of one connection. */
struct client_report {
	int err;			/* 0, or the errno of the step that failed */
	char step[16];
	struct tcp_info ti;
};

static struct synq_protect_bpf *skel;
static int listen_fds[2] = { -1, -1 };	/* closed by the next round or the teardown */
static const char *skip_reason;
static pid_t child = -1;
static int to_child = -1, from_child = -1;

/* synq_pass, which a veth needs on the peer for XDP_TX frames to arrive (as attach --pass-only). */
static int attach_xdp_pass(const char *ifname)
{
	struct synq_pass_bpf *pass = synq_pass_bpf__open_and_load();
	int err;

	if (!pass)
		return -errno;
	err = bpf_xdp_attach(if_nametoindex(ifname), bpf_program__fd(pass->progs.synq_pass),
			     XDP_FLAGS_DRV_MODE, NULL);
	synq_pass_bpf__destroy(pass);	/* the attachment holds the program */
	return err;
}

static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, TIMEOUT_MS) == 1 ? 0 : -ETIMEDOUT;
}

static void client_one(int family, struct client_report *rep)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *a4 = (void *)&ss;
	struct sockaddr_in6 *a6 = (void *)&ss;
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
	socklen_t len = sizeof(rep->ti);
	char buf[4];
	int fd;

	if (family == AF_INET) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(PORT);
		inet_pton(AF_INET, "192.0.2.2", &a4->sin_addr);
	} else {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(PORT);
		inet_pton(AF_INET6, "2001:db8::2", &a6->sin6_addr);
	}
	memset(rep, 0, sizeof(*rep));
	fd = socket(family, SOCK_STREAM, 0);
#define STEP(name, cond) do { if (!(cond)) { rep->err = errno ? errno : EIO; \
	strcpy(rep->step, name); goto out; } } while (0)
	STEP("socket", fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	STEP("connect", !connect(fd, (void *)&ss,
				 family == AF_INET ? sizeof(*a4) : sizeof(*a6)));
	STEP("send", send(fd, "ping", 4, 0) == 4);
	STEP("recv", recv(fd, buf, 4, MSG_WAITALL) == 4 && !memcmp(buf, "pong", 4));
	STEP("tcp_info", !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &rep->ti, &len));
#undef STEP
out:
	if (fd >= 0)
		close(fd);
}

/* The client namespace: waits for its veth, then makes one connection per family. */
static void child_main(int rd, int wr)
{
	struct client_report rep;
	char c = 0;
	int family;

	alarm(30);
	if (harness_netns() || write(wr, &c, 1) != 1 || read(rd, &c, 1) != 1)
		_exit(1);
	if (sh("ip addr add 192.0.2.1/24 dev " CLI_IF " && "
	       "ip -6 addr add 2001:db8::1/64 dev " CLI_IF " nodad && "
	       "ip link set " CLI_IF " up && "
	       "ethtool -K " CLI_IF " tx off >/dev/null && "
	       "echo 1 > /proc/sys/net/ipv4/tcp_ecn") ||	/* ask for ECN (this namespace only) */
	    attach_xdp_pass(CLI_IF))
		_exit(2);
	/* One round of connections (IPv4, then IPv6) per nonzero byte from the parent. */
	do {
		for (family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET) {
			client_one(family, &rep);
			if (write(wr, &rep, sizeof(rep)) != sizeof(rep))
				_exit(3);
		}
	} while (read(rd, &c, 1) == 1 && c);
	_exit(0);
}

static int listen_on(int family)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(PORT) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));	/* round 1 left TIME_WAITs */
	if ((family == AF_INET ? bind(fd, (void *)&a4, sizeof(a4)) :
				 bind(fd, (void *)&a6, sizeof(a6))) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Runs the server veth's NAPI as a kernel thread on `cpu` (the client stays on the
 * other one), as a loaded server would: the client's final ACK and its first data
 * segment then reach XDP in the same poll, which is where a double handoff would
 * show. /sys is remounted for this namespace in a private mount namespace only.
 */
static void napi_thread_on(const char *ifname, int cpu)
{
	char prefix[32], path[300], comm[64];
	struct dirent *d;
	cpu_set_t set;
	DIR *dir;

	sh("unshare --mount sh -c 'mount -t sysfs sysfs /sys && "
	   "echo 1 > /sys/class/net/%s/threaded' 2>/dev/null", ifname);
	snprintf(prefix, sizeof(prefix), "napi/%s-", ifname);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	dir = opendir("/proc");
	while (dir && (d = readdir(dir))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = d->d_name[0] >= '1' && d->d_name[0] <= '9' ? fopen(path, "r") : NULL;
		if (f && fgets(comm, sizeof(comm), f) && !strncmp(comm, prefix, strlen(prefix)))
			sched_setaffinity(atoi(d->d_name), sizeof(set), &set);
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
}

static void close_listeners(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (listen_fds[i] >= 0)
			close(listen_fds[i]);
		listen_fds[i] = -1;
	}
}

static int attach_xdp(__u32 flags)
{
	int ifindex = if_nametoindex(SRV_IF);

	bpf_xdp_detach(ifindex, 0, NULL);
	return bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.synq_xdp), flags, NULL);
}

static int attach_server(void)
{
	int ifindex = if_nametoindex(SRV_IF), err;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .prog_fd = bpf_program__fd(skel->progs.synq_tc));

	if (!ifindex)
		return -ENODEV;
	err = bpf_tc_hook_create(&hook);
	if (err == -EEXIST)	/* a reload_for(): the qdisc stays, its filters went */
		err = 0;
	return err ?: bpf_tc_attach(&hook, &tc);
}

static int group_setup(void **state)
{
	int down[2], up[2];
	char c;

	(void)state;
	if (geteuid() != 0) {
		skip_reason = "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN): run as root";
		return 0;
	}
	if (system("command -v ip >/dev/null && command -v ethtool >/dev/null")) {
		skip_reason = "needs iproute2 and ethtool (scripts/install-deps.sh)";
		return 0;
	}
	if (harness_netns() || pipe(down) || pipe(up)) {
		skip_reason = "cannot create a network namespace";
		return 0;
	}
	child = fork();
	if (child == 0) {
		cpu_set_t cpu0;

		CPU_ZERO(&cpu0);
		CPU_SET(0, &cpu0);
		sched_setaffinity(0, sizeof(cpu0), &cpu0);	/* NAPI runs on CPU 1 */
		child_main(down[0], up[1]);
	}
	to_child = down[1];
	from_child = up[0];
	skel = harness_load();
	if (child < 0 || !skel || read(from_child, &c, 1) != 1) {
		skip_reason = "synq_protect does not load here, or the client namespace failed";
		return 0;
	}
	if (sh("ip link add " SRV_IF " type veth peer name " CLI_IF " netns %d && "
	       "ip addr add 192.0.2.2/24 dev " SRV_IF " && "
	       "ip -6 addr add 2001:db8::2/64 dev " SRV_IF " nodad && "
	       "ip link set " SRV_IF " up", (int)child) || attach_server())
		skip_reason = "cannot set up the veth pair or attach synq to it";
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (child > 0) {
		char stop = 0;

		if (write(to_child, &stop, 1) != 1)
			print_message("client already gone\n");
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	close_listeners();
	/* The namespace, the veth pair and the attachments go with this process. */
	synq_protect_bpf__destroy(skel);
	return 0;
}

/* Accepts one connection, answers its ping, and checks both ends' view of it. */
#define OPTS (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE | TCPI_OPT_ECN)

static void serve_one(int lfd, int mss)
{
	struct client_report rep;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	char buf[4];
	int fd;

	assert_int_equal(wait_readable(lfd), 0);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(wait_readable(fd), 0);
	assert_int_equal(recv(fd, buf, 4, MSG_WAITALL), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(send(fd, "pong", 4, 0), 4);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(wait_readable(from_child), 0);
	assert_int_equal(read(from_child, &rep, sizeof(rep)), sizeof(rep));
	if (rep.err)
		fail_msg("client: %s: %s", rep.step, strerror(rep.err));
	close(fd);

	/* What the cookie carried reached the kernel, and both ends agree. */
	assert_int_equal(ti.tcpi_options & OPTS, OPTS);
	assert_int_equal(rep.ti.tcpi_options & OPTS, OPTS);
	/* MTU 1500, minus IP and TCP headers and the 12 bytes of timestamps. */
	assert_int_equal(ti.tcpi_snd_mss, mss - 12);
	assert_int_equal(rep.ti.tcpi_snd_mss, mss - 12);
	assert_int_equal(ti.tcpi_rcv_wscale, test_config.rcv_wscale);
	assert_int_equal(rep.ti.tcpi_snd_wscale, test_config.rcv_wscale);
	assert_int_equal(ti.tcpi_snd_wscale, rep.ti.tcpi_rcv_wscale);
	/* Nothing was lost on the way: the request right after the final ACK got through. */
	assert_int_equal(rep.ti.tcpi_total_retrans, 0);
	assert_int_equal(ti.tcpi_total_retrans, 0);
}

/*
 * Both programs anew, loaded as `synq attach` loads them for the XDP mode:
 * synq_xdp keeps xdp.frags in native mode only.
 */
static int reload_for(__u32 xdp_flags)
{
	int ifindex = if_nametoindex(SRV_IF);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);

	bpf_xdp_detach(ifindex, 0, NULL);
	bpf_tc_hook_destroy(&hook);
	synq_protect_bpf__destroy(skel);
	static uint8_t ports[SYNQ_PORTS] = { [PORT] = 1 };

	skel = harness_load_for(xdp_flags == XDP_FLAGS_DRV_MODE);
	if (!skel)
		return -EINVAL;
	/* As attach does: the earlier round's TIME_WAITs go on to the kernel. */
	if (closing_seed(bpf_map__fd(skel->maps.synq_closing), ports) < 0)
		return -EIO;
	return attach_server();
}

/* One round: the client connects over IPv4 and IPv6 while synq_xdp runs in mode xdp_flags. */
static void handoff_round(__u32 xdp_flags)
{
	struct snap { __u64 st[SYNQ_COUNTER_MAX]; } a, b;
	int *fds = listen_fds;
	char go = 1;

	if (skip_reason) {
		print_message("skipped: %s\n", skip_reason);
		skip();
	}
	assert_int_equal(reload_for(xdp_flags), 0);
	assert_int_equal(attach_xdp(xdp_flags), 0);
	if (xdp_flags == XDP_FLAGS_DRV_MODE && libbpf_num_possible_cpus() > 1)
		napi_thread_on(SRV_IF, 1);
	close_listeners();
	fds[0] = listen_on(AF_INET);
	fds[1] = listen_on(AF_INET6);
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_stats), a.st, SYNQ_COUNTER_MAX), 0);
	assert_int_equal(write(to_child, &go, 1), 1);
	serve_one(fds[0], 1460);
	serve_one(fds[1], 1440);
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_stats), b.st, SYNQ_COUNTER_MAX), 0);
	close_listeners();
	/* Each connection: our SYN-ACK, a valid final ACK, and one successful handoff. */
	assert_true(b.st[SYNQ_SYNACK_SENT] - a.st[SYNQ_SYNACK_SENT] >= 2);
	/* (A request riding in the final ACK's batch carries a valid cookie too.) */
	assert_true(b.st[SYNQ_ACK_COOKIE_VALID] - a.st[SYNQ_ACK_COOKIE_VALID] >= 2);
	assert_int_equal(b.st[SYNQ_HANDOFF_OK] - a.st[SYNQ_HANDOFF_OK], 2);
	assert_int_equal(b.st[SYNQ_HANDOFF_FAILED] - a.st[SYNQ_HANDOFF_FAILED], 0);
	assert_int_equal(b.st[SYNQ_SYN_MALFORMED] - a.st[SYNQ_SYN_MALFORMED], 0);
	assert_true(b.st[SYNQ_ACK_ESTABLISHED] - a.st[SYNQ_ACK_ESTABLISHED] >= 1);
}

static void test_handoff_native(void **state)
{
	(void)state;
	handoff_round(XDP_FLAGS_DRV_MODE);
}

/* Generic XDP (the loader's fallback) runs on skbs; metadata and XDP_TX still work. */
static void test_handoff_generic(void **state)
{
	(void)state;
	handoff_round(XDP_FLAGS_SKB_MODE);
}

/*
 * A final ACK carrying data, twice in one receive batch: live frames hand the
 * frames synq_xdp passes to the stack as one list, so TC runs for both before TCP
 * sees either -- the batching a loaded server sees. Both carry a valid cookie; the
 * first must be handed off and the second not (a second handoff would make a
 * duplicate connection that the kernel drops, and the segment with it), and the
 * connection must be accepted with its data. The source address is not on the client side, so
 * nobody resets the connection.
 */
static void test_batched_handshake(void **state)
{
	struct spec s = { .flags = F_ACK | F_PSH, .sport = 45000, .dport = PORT,
			  .seq = 7000 + 1, .payload = 5,
			  .saddr4 = { 192, 0, 2, 3 }, .daddr4 = { 192, 0, 2, 2 } };
	struct synq_cookie_opts ck = { .mss = 1460, .wscale = SYNQ_WSCALE_NONE };
	struct snap { __u64 st[SYNQ_COUNTER_MAX]; } a, b;
	struct synq_flow_v4 f = { .sport = htons(45000), .dport = htons(PORT) };
	struct ifreq ifr = { .ifr_name = SRV_IF };
	static const __u8 payload[] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4 };
	__u8 frame[PKT_MAX], buf[8];
	struct xdp_md ctx = {};
	__u32 tsval;
	int fd, sk;
	size_t len;

	(void)state;
	if (skip_reason) {
		print_message("skipped: %s\n", skip_reason);
		skip();
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
	close(fd);
	memcpy(s.dmac, ifr.ifr_hwaddr.sa_data, 6);
	memcpy(&f.saddr, s.saddr4, 4);
	memcpy(&f.daddr, s.daddr4, 4);
	s.ack = synq_cookie_make_v4(&test_keys[0], 0, &f, s.seq - 1, harness_now(), &ck, &tsval) + 1;
	len = build(&s, frame);
	ctx.data_end = len;
	ctx.ingress_ifindex = if_nametoindex(SRV_IF);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 2, .batch_size = 2, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	/* The frames meet synq_xdp here, once: nothing attached may run it again. */
	bpf_xdp_detach(ctx.ingress_ifindex, XDP_FLAGS_SKB_MODE, NULL);
	bpf_xdp_detach(ctx.ingress_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	close_listeners();
	listen_fds[0] = listen_on(AF_INET);
	assert_true(listen_fds[0] >= 0);
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_stats), a.st, SYNQ_COUNTER_MAX), 0);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.synq_xdp), &o), 0);
	assert_int_equal(wait_readable(listen_fds[0]), 0);
	sk = accept(listen_fds[0], NULL, NULL);
	assert_true(sk >= 0);
	assert_int_equal(wait_readable(sk), 0);
	assert_int_equal(recv(sk, buf, sizeof(buf), MSG_DONTWAIT), 5);
	assert_memory_equal(buf, payload, sizeof(payload));	/* pkt.h's pattern */
	close(sk);
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_stats), b.st, SYNQ_COUNTER_MAX), 0);
	assert_int_equal(b.st[SYNQ_ACK_COOKIE_VALID] - a.st[SYNQ_ACK_COOKIE_VALID], 2);
	assert_int_equal(b.st[SYNQ_HANDOFF_OK] - a.st[SYNQ_HANDOFF_OK], 1);
	assert_int_equal(b.st[SYNQ_HANDOFF_FAILED] - a.st[SYNQ_HANDOFF_FAILED], 0);
	close_listeners();
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_handoff_native),
	cmocka_unit_test(test_handoff_generic),
	cmocka_unit_test(test_batched_handshake),
};

int main(void)
{
	return cmocka_run_group_tests_name("synq_handoff", tests, group_setup, group_teardown);
}
