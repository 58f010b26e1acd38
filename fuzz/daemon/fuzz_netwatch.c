/* libFuzzer target for the rtnetlink link-event parser (netwatch_parse_link_messages): the kernel's
 * RTM_NEWLINK/RTM_DELLINK batches, with their attributes, decide whether the interface was
 * deleted, moved to another namespace, or changed its MTU. The first 8 bytes choose the watched
 * (namespace id, ifindex) and the batch's origin; the rest is the batch. Invariants: the result is
 * one of the four changes, and the new namespace id and index are given exactly when it moved. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/netwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8)
		return 0;
	int nsid = (int8_t)data[0], from = (int8_t)data[1];
	int ifindex = (int)(data[2] | data[3] << 8);
	/* netlink messages are 4-byte aligned in the kernel's buffers */
	size_t len = size - 8;
	uint32_t *buf = malloc(len + 4);
	if (!buf)
		return 0;
	memcpy(buf, data + 8, len);
	unsigned mtu = 1420;
	int new_nsid = 7, new_ifindex = 7;
	enum netwatch_link_change c = netwatch_parse_link_messages(buf, len, from, nsid, ifindex,
	                                                           &mtu, &new_nsid, &new_ifindex);
	if (c != NETWATCH_LINK_NONE && c != NETWATCH_LINK_LOST && c != NETWATCH_LINK_MOVED &&
	    c != NETWATCH_LINK_DELETED)
		abort();
	if (c != NETWATCH_LINK_MOVED && (new_nsid != -1 || new_ifindex != -1))
		abort();
	free(buf);
	return 0;
}
