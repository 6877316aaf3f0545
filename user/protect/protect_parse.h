/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers of the protection (no system calls): the port list, key text,
 * the window scale and MSS synq_xdp advertises. The unit tests drive them.
 */
#ifndef SYNQ_PROTECT_PARSE_H
#define SYNQ_PROTECT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <synq/cookie.h>
#include <synq/protect.h>

/*
 * Parse "8080,8443,9000-9010" into ports[SYNQ_PORTS] (1 = protected). Ports
 * are 1..65535, ranges LOW-HIGH with LOW <= HIGH. Returns the number of
 * distinct ports, or -1 with the offending element copied into bad[badlen].
 */
int ports_parse(const char *spec, uint8_t *ports, char *bad, size_t badlen);

/*
 * Room for any port list ports_format() writes: at most SYNQ_PORTS / 2 elements
 * (two need a gap between them), each at most "65534-65535," (12 bytes), + NUL.
 */
#define SYNQ_PORTS_TEXT_MAX (SYNQ_PORTS / 2 * 12 + 1)

/*
 * Write the protected ports of ports[SYNQ_PORTS] as "80,443,9000-9010" and
 * return their count. A buffer of SYNQ_PORTS_TEXT_MAX holds every list; a
 * smaller one gets the elements that fit whole, never half a number.
 */
int ports_format(const uint8_t *ports, char *buf, size_t len);

/*
 * A key as 32 hex digits (surrounding white space allowed). The 16 bytes are
 * read in order and loaded as two little-endian 64-bit words, the convention
 * of SipHash's reference code. 0 or -EINVAL.
 */
int key_parse_hex(const char *text, struct synq_key *key);

/*
 * The window scale Linux advertises in a SYN-ACK (tcp_select_initial_window()):
 * ilog2(max(space, tcp_rmem[2], rmem_max)) - 15, clamped to 0..14, for a
 * listener without SO_RCVBUF or a route window clamp.
 */
uint8_t tcp_rcv_wscale(long space, long tcp_rmem_max, long core_rmem_max);

/*
 * The MSS values of synq_config from an interface MTU and an optional
 * requested MSS (0 = none). -ERANGE when the request does not fit the MTU.
 */
int mss_from_mtu(unsigned int mtu, unsigned int want, uint16_t *mss_v4, uint16_t *mss_v6);

#endif
