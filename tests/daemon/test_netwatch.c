/* The rtnetlink link-event parser (netwatch_parse_link_messages): a deletion, a move to another
 * namespace (RTM_DELLINK with IFLA_NEW_NETNSID), MTU changes, and events about other interfaces or
 * from other namespaces, built as the kernel sends them. */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/netwatch.h"
#include "support/test_main.h"

struct batch {
	uint32_t buf[512];
	size_t len;
};

/* Appends one link message with optional attributes (type 0 ends the list). */
static void add_msg(struct batch *b, uint16_t type, int ifindex, ...)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)b->buf + b->len);
	memset(h, 0, NLMSG_SPACE(sizeof(struct ifinfomsg)) + 64);
	h->nlmsg_type = type;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	ifi->ifi_index = ifindex;
	va_list ap;
	va_start(ap, ifindex);
	for (int at; (at = va_arg(ap, int)) != 0;) {
		int32_t v = va_arg(ap, int32_t);
		struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
		a->rta_type = (unsigned short)at;
		a->rta_len = RTA_LENGTH(sizeof(v));
		memcpy(RTA_DATA(a), &v, sizeof(v));
		h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	}
	va_end(ap);
	b->len += NLMSG_ALIGN(h->nlmsg_len);
}

static enum netwatch_link_change parse(const struct batch *b, int from, int nsid, int ifindex,
                                       unsigned *mtu, int *new_nsid, int *new_ifindex)
{
	return netwatch_parse_link_messages(b->buf, b->len, from, nsid, ifindex, mtu, new_nsid,
	                                    new_ifindex);
}

static void test_mtu_change(void **state)
{
	struct batch b = {0};
	add_msg(&b, RTM_NEWLINK, 7, IFLA_MTU, 1380, 0);
	add_msg(&b, RTM_NEWLINK, 8, IFLA_MTU, 9000, 0); /* another interface */
	unsigned mtu = 1420;
	int nn, ni;
	assert_int_equal(parse(&b, -1, -1, 7, &mtu, &nn, &ni), NETWATCH_LINK_NONE);
	assert_int_equal(mtu, 1380);
	assert_int_equal(nn, -1);
	assert_int_equal(ni, -1);
}

static void test_deleted(void **state)
{
	struct batch b = {0};
	add_msg(&b, RTM_DELLINK, 7, IFLA_MTU, 1420, 0);
	unsigned mtu = 0;
	int nn, ni;
	assert_int_equal(parse(&b, -1, -1, 7, &mtu, &nn, &ni), NETWATCH_LINK_DELETED);
	assert_int_equal(parse(&b, -1, -1, 8, &mtu, &nn, &ni), NETWATCH_LINK_NONE);
	/* The same index in another namespace is another interface. */
	assert_int_equal(parse(&b, 3, -1, 7, &mtu, &nn, &ni), NETWATCH_LINK_NONE);
	assert_int_equal(parse(&b, 3, 3, 7, &mtu, &nn, &ni), NETWATCH_LINK_DELETED);
}

static void test_moved(void **state)
{
	struct batch b = {0};
	add_msg(&b, RTM_DELLINK, 7, IFLA_MTU, 1420, IFLA_NEW_NETNSID, 0, IFLA_NEW_IFINDEX, 2, 0);
	unsigned mtu = 0;
	int nn, ni;
	assert_int_equal(parse(&b, -1, -1, 7, &mtu, &nn, &ni), NETWATCH_LINK_MOVED);
	assert_int_equal(nn, 0);
	assert_int_equal(ni, 2);
	/* A move and then a deletion in the same batch: deleted wins. */
	add_msg(&b, RTM_DELLINK, 7, 0);
	assert_int_equal(parse(&b, -1, -1, 7, &mtu, &nn, &ni), NETWATCH_LINK_DELETED);
	/* ... and no destination is reported for an interface that no longer exists */
	assert_int_equal(nn, -1);
	assert_int_equal(ni, -1);
}

static void test_reply_names_its_namespace(void **state)
{
	/* A reply to a request aimed at namespace 4 carries IFLA_IF_NETNSID. */
	struct batch b = {0};
	add_msg(&b, RTM_NEWLINK, 2, IFLA_IF_NETNSID, 4, IFLA_MTU, 1360, 0);
	unsigned mtu = 0;
	int nn, ni;
	assert_int_equal(parse(&b, -1, 4, 2, &mtu, &nn, &ni), NETWATCH_LINK_NONE);
	assert_int_equal(mtu, 1360);
	mtu = 0;
	parse(&b, -1, -1, 2, &mtu, &nn, &ni);
	assert_int_equal(mtu, 0);
}

static void test_truncated_batches(void **state)
{
	struct batch b = {0};
	add_msg(&b, RTM_DELLINK, 7, 0);
	unsigned mtu = 0;
	int nn, ni;
	for (size_t cut = 0; cut < b.len; cut++)
		assert_int_equal(
		        netwatch_parse_link_messages(b.buf, cut, -1, -1, 7, &mtu, &nn, &ni),
		        NETWATCH_LINK_NONE);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mtu_change),
        cmocka_unit_test(test_deleted),
        cmocka_unit_test(test_moved),
        cmocka_unit_test(test_reply_names_its_namespace),
        cmocka_unit_test(test_truncated_batches),
};

HWG_TEST_MAIN(tests, NULL, NULL)
