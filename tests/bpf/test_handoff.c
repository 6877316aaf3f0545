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
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include "harness.h"

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
static const char *skip_reason;
static pid_t child = -1;
static int to_child = -1, from_child = -1;

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* The trivial program a veth needs on the peer for XDP_TX frames to arrive. */
static int attach_xdp_pass(const char *ifname)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_pass", "GPL", insns, 2, NULL);

	if (fd < 0)
		return fd;
	return bpf_xdp_attach(if_nametoindex(ifname), fd, XDP_FLAGS_DRV_MODE, NULL);
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
	if ((family == AF_INET ? bind(fd, (void *)&a4, sizeof(a4)) :
				 bind(fd, (void *)&a6, sizeof(a6))) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
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
	if (child == 0)
		child_main(down[0], up[1]);
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
}

/* One round: the client connects over IPv4 and IPv6 while synq_xdp runs in mode xdp_flags. */
static void handoff_round(__u32 xdp_flags)
{
	struct snap { __u64 st[SYNQ_COUNTER_MAX]; } a, b;
	int fds[2];
	char go = 1;

	if (skip_reason) {
		print_message("skipped: %s\n", skip_reason);
		skip();
	}
	assert_int_equal(attach_xdp(xdp_flags), 0);
	fds[0] = listen_on(AF_INET);
	fds[1] = listen_on(AF_INET6);
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_stats), a.st, SYNQ_COUNTER_MAX), 0);
	assert_int_equal(write(to_child, &go, 1), 1);
	serve_one(fds[0], 1460);
	serve_one(fds[1], 1440);
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_stats), b.st, SYNQ_COUNTER_MAX), 0);
	close(fds[0]);
	close(fds[1]);
	/* Each connection: our SYN-ACK, a valid final ACK, and one successful handoff. */
	assert_true(b.st[SYNQ_SYNACK_SENT] - a.st[SYNQ_SYNACK_SENT] >= 2);
	assert_int_equal(b.st[SYNQ_ACK_COOKIE_VALID] - a.st[SYNQ_ACK_COOKIE_VALID], 2);
	assert_int_equal(b.st[SYNQ_HANDOFF_OK] - a.st[SYNQ_HANDOFF_OK], 2);
	assert_int_equal(b.st[SYNQ_HANDOFF_FAILED] - a.st[SYNQ_HANDOFF_FAILED], 0);
	assert_int_equal(b.st[SYNQ_SYN_MALFORMED] - a.st[SYNQ_SYN_MALFORMED], 0);
	assert_true(b.st[SYNQ_ACK_ESTABLISHED] - a.st[SYNQ_ACK_ESTABLISHED] >= 2);
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

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_handoff_native),
	cmocka_unit_test(test_handoff_generic),
};

int main(void)
{
	return cmocka_run_group_tests_name("synq_handoff", tests, group_setup, group_teardown);
}
