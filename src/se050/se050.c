#include "se050/se050.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "se050/apdu.h"
#include "se050/bus.h"

/* How long to wait for another process to release the chip (a CLI that is just exiting). */
#define SE050_LOCK_WAIT_MS   2000
#define SE050_LIST_MAX_PAGES 64

struct se050 {
	pthread_mutex_t mu;
	struct se050_bus *bus;
	struct t1_link link;
	int lock_fd;
	bool link_down; /* recovery failed: reopen the link before the next command */
	bool selected;
	struct se050_info info;
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int take_lock(const char *path, int *fd_out)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (unsigned waited = 0;; waited += 20) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK || waited >= SE050_LOCK_WAIT_MS) {
			int e = errno == EWOULDBLOCK ? EBUSY : errno;
			close(fd);
			return -e;
		}
		sleep_ms(20);
	}
	*fd_out = fd;
	return 0;
}

static void reverse32(uint8_t out[SE050_KEY_LEN], const uint8_t in[SE050_KEY_LEN])
{
	for (int i = 0; i < SE050_KEY_LEN; i++)
		out[i] = in[SE050_KEY_LEN - 1 - i];
}

static int select_applet(struct se050 *se)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t n = se05x_cmd_select(cmd), rlen;
	int r = t1_transceive(&se->link, cmd, n, rsp, sizeof(rsp), &rlen);
	if (r)
		return r;
	r = se05x_parse_select(rsp, rlen, se->info.applet_version, &se->info.applet_config);
	if (r)
		return r;
	if (!(se->info.applet_config & SE05X_CONFIG_DH_MONT))
		return -ENOTSUP;
	se->selected = true;
	return 0;
}

static int bring_up(struct se050 *se)
{
	if (se->link_down) {
		t1_link_init(&se->link, se->bus);
		if (t1_link_open(&se->link) != 0)
			return -ENODEV;
		se->link_down = false;
		se->selected = false;
		se->info.have_atr = se->link.have_atr;
		se->info.atr = se->link.atr;
	}
	if (!se->selected) {
		int r = select_applet(se);
		if (r == -ENODEV)
			se->link_down = true;
		return r;
	}
	return 0;
}

/* Runs one command. idempotent commands are sent again once after the link was recovered; every
 * command is sent again when the chip answered "no applet selected" (it was reset behind our back,
 * so the command did not run). */
static int transact(struct se050 *se, const uint8_t *cmd, size_t n, uint8_t *rsp, size_t cap,
                    size_t *rlen, bool idempotent)
{
	int r = -EIO;
	for (int attempt = 0; attempt < 2; attempt++) {
		r = bring_up(se);
		if (r)
			return r;
		r = t1_transceive(&se->link, cmd, n, rsp, cap, rlen);
		if (r == -ENODEV) {
			se->link_down = true;
			return r;
		}
		if (r == -EIO || r == -EMSGSIZE) {
			se->selected = false; /* the chip may have reset: select again before the
			                         next command */
			if (idempotent && r == -EIO)
				continue;
			return r;
		}
		if (r)
			return r;
		if (*rlen == 2) {
			uint16_t sw = (uint16_t)(rsp[0] << 8 | rsp[1]);
			if (sw == SE05X_SW_CLA_UNKNOWN || sw == SE05X_SW_INS_UNKNOWN) {
				se->selected = false;
				r = -ENOTSUP;
				continue;
			}
		}
		return 0;
	}
	return r;
}

int se050_open(const char *bus_spec, struct se050 **out, const char **err_msg)
{
	const char *dummy;
	if (!err_msg)
		err_msg = &dummy;
	*out = NULL;
	struct se050 *se = calloc(1, sizeof(*se));
	if (!se) {
		*err_msg = "out of memory";
		return -ENOMEM;
	}
	se->lock_fd = -1;
	int r = se050_bus_open(bus_spec, &se->bus, err_msg);
	if (r) {
		free(se);
		return r;
	}
	r = take_lock(se->bus->lock_path, &se->lock_fd);
	if (r) {
		*err_msg =
		        r == -EBUSY
		                ? "the SE050 is in use by another process (hwguard owns the chip "
		                  "while it runs; use `hwguard-key show IFNAME`)"
		                : "cannot create the SE050 lock file";
		goto fail;
	}
	pthread_mutex_init(&se->mu, NULL);
	t1_link_init(&se->link, se->bus);
	se->link_down = true;
	r = bring_up(se);
	if (r) {
		*err_msg = r == -ENOTSUP
		                   ? "the SE050 applet has no X25519 (DH_MONT missing from its "
		                     "configuration)"
		           : r == -ENODEV ? "no SE050 answers on this bus"
		                          : "the SE050 did not accept the applet selection";
		pthread_mutex_destroy(&se->mu);
		goto fail;
	}
	*out = se;
	return 0;
fail:
	if (se->lock_fd >= 0)
		close(se->lock_fd);
	se050_bus_close(se->bus);
	free(se);
	return r;
}

void se050_close(struct se050 *se)
{
	if (!se)
		return;
	pthread_mutex_destroy(&se->mu);
	se050_bus_close(se->bus);
	close(se->lock_fd);
	free(se);
}

void se050_get_info(struct se050 *se, struct se050_info *info)
{
	pthread_mutex_lock(&se->mu);
	*info = se->info;
	pthread_mutex_unlock(&se->mu);
}

void se050_get_stats(struct se050 *se, struct t1_stats *stats)
{
	pthread_mutex_lock(&se->mu);
	*stats = se->link.stats;
	pthread_mutex_unlock(&se->mu);
}

static int exists_locked(struct se050 *se, uint32_t id)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP], v;
	size_t rlen;
	int r = transact(se, cmd, se05x_cmd_exists(cmd, id), rsp, sizeof(rsp), &rlen, true);
	if (!r)
		r = se05x_parse_u8(rsp, rlen, &v);
	if (r)
		return r;
	if (v == SE05X_RESULT_SUCCESS)
		return 1;
	return v == SE05X_RESULT_FAILURE ? 0 : -EBADMSG;
}

static int delete_locked(struct se050 *se, uint32_t id)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen;
	/* Idempotent in effect: a repeat after a lost response finds nothing and fails harmlessly.
	 */
	int r = transact(se, cmd, se05x_cmd_delete(cmd, id), rsp, sizeof(rsp), &rlen, false);
	return r ? r : se05x_parse_status(rsp, rlen);
}

static int describe_locked(struct se050 *se, uint32_t id, uint8_t *type, uint8_t *curve)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen;
	int r = exists_locked(se, id);
	if (r <= 0)
		return r == 0 ? -ENOENT : r;
	r = transact(se, cmd, se05x_cmd_read_type(cmd, id), rsp, sizeof(rsp), &rlen, true);
	if (!r)
		r = se05x_parse_type(rsp, rlen, type);
	if (r)
		return r;
	*curve = 0;
	if (*type != SE05X_TYPE_EC_KEY_PAIR)
		return 0;
	r = transact(se, cmd, se05x_cmd_curve_id(cmd, id), rsp, sizeof(rsp), &rlen, true);
	if (!r)
		r = se05x_parse_u8(rsp, rlen, curve);
	return r;
}

int se050_generate_x25519(struct se050 *se, uint32_t id, bool force)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen;
	if (id < SE050_ID_MIN || id > SE050_ID_MAX)
		return -ERANGE;
	pthread_mutex_lock(&se->mu);
	int r = exists_locked(se, id);
	if (r == 1)
		r = force ? delete_locked(se, id) : -EEXIST;
	if (r == 0) {
		r = transact(se, cmd, se05x_cmd_generate_x25519(cmd, id, SE050_KEY_POLICY, true),
		             rsp, sizeof(rsp), &rlen, false);
		if (!r)
			r = se05x_parse_status(rsp, rlen);
	}
	pthread_mutex_unlock(&se->mu);
	return r;
}

int se050_x25519_public(struct se050 *se, uint32_t id, uint8_t pub[SE050_KEY_LEN])
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP], be[SE050_KEY_LEN], type, curve;
	size_t rlen;
	pthread_mutex_lock(&se->mu);
	int r = describe_locked(se, id, &type, &curve);
	if (!r && (type != SE05X_TYPE_EC_KEY_PAIR || curve != SE05X_CURVE_MONT_DH_25519))
		r = -EINVAL;
	if (!r)
		r = transact(se, cmd, se05x_cmd_read_object(cmd, id), rsp, sizeof(rsp), &rlen,
		             true);
	if (!r)
		r = se05x_parse_x25519(rsp, rlen, be);
	pthread_mutex_unlock(&se->mu);
	if (r)
		return r;
	reverse32(pub, be);
	pub[31] &= 0x7F; /* RFC 7748 §5: receivers mask the top bit of a u-coordinate */
	return 0;
}

int se050_x25519(struct se050 *se, uint32_t id, const uint8_t peer[SE050_KEY_LEN],
                 uint8_t shared[SE050_KEY_LEN])
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP], be[SE050_KEY_LEN];
	size_t rlen = 0;
	reverse32(be, peer);
	pthread_mutex_lock(&se->mu);
	int r = transact(se, cmd, se05x_cmd_ecdh(cmd, id, be), rsp, sizeof(rsp), &rlen, false);
	if (!r)
		r = se05x_parse_x25519(rsp, rlen, be);
	pthread_mutex_unlock(&se->mu);
	secure_wipe(rsp, sizeof(rsp));
	if (!r) {
		reverse32(shared, be);
		/* The chip does not promise to refuse low-order points; WireGuard must. */
		if (ct_is_zero(shared, SE050_KEY_LEN))
			r = -EINVAL;
	}
	secure_wipe(be, sizeof(be));
	if (r)
		secure_wipe(shared, SE050_KEY_LEN);
	return r;
}

int se050_exists(struct se050 *se, uint32_t id)
{
	pthread_mutex_lock(&se->mu);
	int r = exists_locked(se, id);
	pthread_mutex_unlock(&se->mu);
	return r;
}

int se050_describe(struct se050 *se, uint32_t id, uint8_t *type, uint8_t *curve)
{
	pthread_mutex_lock(&se->mu);
	int r = describe_locked(se, id, type, curve);
	pthread_mutex_unlock(&se->mu);
	return r;
}

int se050_list(struct se050 *se, uint32_t *ids, size_t cap, size_t *count)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen, total = 0;
	int r = 0;
	pthread_mutex_lock(&se->mu);
	for (int page = 0;; page++) {
		size_t got;
		bool more;
		if (page == SE050_LIST_MAX_PAGES || total > UINT16_MAX) {
			r = -EBADMSG; /* a chip that never says "no more" */
			break;
		}
		r = transact(se, cmd, se05x_cmd_list(cmd, (uint16_t)total), rsp, sizeof(rsp), &rlen,
		             true);
		if (!r)
			r = se05x_parse_list(rsp, rlen, ids + total, cap - total, &got, &more);
		if (r == -EBADMSG && cap == total)
			r = -E2BIG;
		if (r)
			break;
		total += got;
		if (!more)
			break;
		if (got == 0) {
			r = -EBADMSG;
			break;
		}
	}
	pthread_mutex_unlock(&se->mu);
	*count = total;
	return r;
}

int se050_delete(struct se050 *se, uint32_t id)
{
	pthread_mutex_lock(&se->mu);
	int r = exists_locked(se, id);
	if (r == 1)
		r = delete_locked(se, id);
	else if (r == 0)
		r = -ENOENT;
	pthread_mutex_unlock(&se->mu);
	return r;
}
