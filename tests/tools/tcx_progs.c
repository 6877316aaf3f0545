// SPDX-License-Identifier: GPL-2.0
/*
 * tcx_progs IFACE: the names of the programs the kernel runs at IFACE's TCX
 * ingress hook (current network namespace), one a line, in run order. The
 * tests' oracle for synq's TC link: tc(8) and this bpftool do not show TCX.
 * Exit 1 when IFACE does not exist or the kernel cannot say.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

/* BPF_TCX_INGRESS (Linux 6.6): newer than Debian 12's kernel headers. */
#define TCX_INGRESS 46
#define MAX_PROGS 64

int main(int argc, char **argv)
{
	__u32 ids[MAX_PROGS];
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = MAX_PROGS);
	int ifindex;

	if (argc != 2) {
		fprintf(stderr, "usage: tcx_progs IFACE\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex || bpf_prog_query_opts(ifindex, TCX_INGRESS, &q)) {
		fprintf(stderr, "tcx_progs: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (__u32 i = 0; i < q.prog_cnt; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			printf("id%u\n", ids[i]);
		else
			printf("%s\n", info.name);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
