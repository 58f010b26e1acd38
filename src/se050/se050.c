#include "se050/se050.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "crypto/x25519.h"
#include "se050/apdu.h"
#include "se050/bus.h"

/* How long to wait for another process to release the chip (a CLI that is just exiting). */
#define SE050_LOCK_WAIT_MS   2000
#define SE050_LIST_MAX_PAGES 64

struct se050 {
	pthread_mutex_t mu;
	struct se050_bus *bus;
	struct t1_link link;
	struct se050_options opt;
	int lock_fd;
	bool link_down;  /* reopen the link before the next command */
	bool bus_opened; /* the bus was just opened: the first bring-up need not reconnect it */
	bool selected;
	uint16_t last_sw;
	const char *why;              /* reason of the last failed bring-up */
	struct t1_stats stats_before; /* of the links replaced by reopening */
	struct se050_info info;
};

static _Thread_local char why_buf[200];

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

void se050_options_default(struct se050_options *opt)
{
	opt->min_block_wait_ms = T1_MIN_BLOCK_WAIT_MS;
}

const char *se050_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -ENOMEM:
		return "out of memory on the host";
	case -ENOSPC:
		return "the SE050's memory is full";
	case -ENOENT:
		return "no such object in the SE050";
	case -EEXIST:
		return "the object already exists";
	case -EIO:
		return "bus error: the exchange with the SE050 failed";
	case -ENODEV:
		return "the SE050 does not answer";
	case -EBUSY:
		return "busy";
	case -EACCES:
		return "the object's policy forbids this";
	case -EINVAL:
		return "the SE050 rejected the data, or the object is not an X25519 key pair";
	case -EPERM:
		return "the SE050's conditions for this command are not met";
	case -ENOTSUP:
		return "not supported by this SE050 applet";
	case -EREMOTEIO:
		return "the SE050 reported a failure";
	case -EMSGSIZE:
		return "the SE050's response was too large";
	case -EBADMSG:
		return "malformed response from the SE050";
	case -E2BIG:
		return "too many objects";
	case -ERANGE:
		return "object id outside the customer range";
	default:
		return strerror(-err);
	}
}

static bool applet_7x(const struct se050 *se)
{
	return se->info.applet.major == 7;
}

static int select_applet(struct se050 *se)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	struct se05x_version v;
	size_t n = se05x_cmd_select(cmd), rlen;
	int r = t1_transceive(&se->link, cmd, n, rsp, sizeof(rsp), &rlen);
	if (r)
		return r;
	r = se05x_parse_select(rsp, rlen, &v);
	if (r) {
		se->why = "the SE050 did not accept the applet selection";
		return r;
	}
	se->info.applet = v;
	if (v.major != 3 && v.major != 7) {
		snprintf(why_buf, sizeof(why_buf),
		         "SE05x applet %u.%u is not supported: hwguard supports applet 3.x (SE050 "
		         "A/B/C/F) and 7.x (SE050E, SE051)",
		         v.major, v.minor);
		se->why = why_buf;
		return -ENOTSUP;
	}
	if (!(v.config & SE05X_CONFIG_DH_MONT)) {
		se->why = "the SE050 applet has no X25519 (DH_MONT missing from its configuration)";
		return -ENOTSUP;
	}
	se->selected = true;
	return 0;
}

static void add_stats(struct t1_stats *sum, const struct t1_stats *s)
{
	sum->nacks_sent += s->nacks_sent;
	sum->retransmits += s->retransmits;
	sum->wtx += s->wtx;
	sum->resyncs += s->resyncs;
	sum->soft_resets += s->soft_resets;
	sum->busy_polls += s->busy_polls;
	sum->filler_polls += s->filler_polls;
	sum->shifted += s->shifted;
	sum->nad0_rnacks += s->nad0_rnacks;
	sum->drained += s->drained;
}

static int bring_up(struct se050 *se)
{
	if (se->link_down) {
		/* A chip that stopped answering may have been power-cycled, an emulator restarted:
		 * connect again, then open the link as at start. */
		if (!se->bus_opened && se050_bus_reopen(se->bus) != 0) {
			se->why = "no SE050 answers on this bus";
			return -ENODEV;
		}
		se->bus_opened = false;
		add_stats(&se->stats_before, &se->link.stats);
		t1_link_init(&se->link, se->bus);
		t1_link_set_min_wait(&se->link, se->opt.min_block_wait_ms);
		if (t1_link_open(&se->link) != 0) {
			se->why = "no SE050 answers on this bus";
			return -ENODEV;
		}
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
			/* The bus lost the chip before anything of the command reached it (a
			 * restarted emulator, a re-plugged adapter): reconnect and send it once
			 * more, which is safe even for an ECDH. */
			if (se->link.undelivered && se->link.bus_gone)
				continue;
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
		if (*rlen >= 2) {
			uint16_t sw = (uint16_t)(rsp[*rlen - 2] << 8 | rsp[*rlen - 1]);
			if (sw != SE05X_SW_OK)
				se->last_sw = sw;
			if (*rlen == 2 &&
			    (sw == SE05X_SW_CLA_UNKNOWN || sw == SE05X_SW_INS_UNKNOWN)) {
				se->selected = false;
				r = -ENOTSUP;
				continue;
			}
		}
		return 0;
	}
	return r;
}

int se050_open_with(const char *bus_spec, const struct se050_options *opt, struct se050 **out,
                    const char **err_msg)
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
	if (opt)
		se->opt = *opt;
	else
		se050_options_default(&se->opt);
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
	se->bus_opened = true;
	r = bring_up(se);
	if (r) {
		*err_msg = se->why ? se->why : "the SE050 did not accept the applet selection";
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

int se050_open(const char *bus_spec, struct se050 **out, const char **err_msg)
{
	return se050_open_with(bus_spec, NULL, out, err_msg);
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
	*stats = se->stats_before;
	add_stats(stats, &se->link.stats);
	pthread_mutex_unlock(&se->mu);
}

uint16_t se050_last_status(struct se050 *se)
{
	pthread_mutex_lock(&se->mu);
	uint16_t sw = se->last_sw;
	pthread_mutex_unlock(&se->mu);
	return sw;
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
	int r = transact(se, cmd, se05x_cmd_read_type(cmd, id), rsp, sizeof(rsp), &rlen, true);
	if (!r)
		r = se05x_parse_type(rsp, rlen, type);
	if (r && r != -EIO && r != -ENODEV && exists_locked(se, id) == 0)
		return -ENOENT; /* the chip's "wrong data" for a missing object, named */
	if (r)
		return r;
	*curve = 0;
	if (*type == SE05X_TYPE_EC_KEY_PAIR_X25519) {
		*curve = SE05X_CURVE_MONT_DH_25519; /* applet 7.x: the type names the curve */
		return 0;
	}
	if (!se05x_type_is_ec_key_pair(*type))
		return 0;
	r = transact(se, cmd, se05x_cmd_curve_id(cmd, id), rsp, sizeof(rsp), &rlen, true);
	if (!r)
		r = se05x_parse_u8(rsp, rlen, curve);
	return r;
}

/* Makes id free for a new key: on applet 7.x the curve is created first (NXP's SSS does the same
 * and ignores the answer: "already exists" is the usual one); an existing object is refused, or
 * deleted with force. */
static int prepare_new_key(struct se050 *se, uint32_t id, bool force)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen;
	if (id < SE050_ID_MIN || id > SE050_ID_MAX)
		return -ERANGE;
	if (applet_7x(se)) {
		int r = transact(se, cmd, se05x_cmd_create_curve(cmd, SE05X_CURVE_MONT_DH_25519),
		                 rsp, sizeof(rsp), &rlen, true);
		if (r)
			return r;
	}
	int r = exists_locked(se, id);
	if (r == 1)
		r = force ? delete_locked(se, id) : -EEXIST;
	return r;
}

int se050_generate_x25519(struct se050 *se, uint32_t id, bool force)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen;
	pthread_mutex_lock(&se->mu);
	int r = bring_up(se);
	if (!r)
		r = prepare_new_key(se, id, force);
	if (!r) {
		r = transact(se, cmd, se05x_cmd_generate_x25519(cmd, id, SE050_KEY_POLICY, true),
		             rsp, sizeof(rsp), &rlen, false);
		if (!r)
			r = se05x_parse_status(rsp, rlen);
	}
	pthread_mutex_unlock(&se->mu);
	return r;
}

int se050_import_x25519(struct se050 *se, uint32_t id, const uint8_t priv[SE050_KEY_LEN],
                        bool force)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP], pub[SE050_KEY_LEN];
	uint8_t priv_be[SE050_KEY_LEN], pub_be[SE050_KEY_LEN];
	size_t rlen;
	if (x25519_public_key(pub, priv) != 0)
		return -EINVAL;
	reverse_bytes(priv_be, priv, SE050_KEY_LEN);
	reverse_bytes(pub_be, pub, SE050_KEY_LEN);
	pthread_mutex_lock(&se->mu);
	int r = bring_up(se);
	if (!r)
		r = prepare_new_key(se, id, force);
	if (!r) {
		size_t n =
		        se05x_cmd_import_x25519(cmd, id, SE050_KEY_POLICY, true, priv_be, pub_be);
		r = transact(se, cmd, n, rsp, sizeof(rsp), &rlen, false);
		if (!r)
			r = se05x_parse_status(rsp, rlen);
	}
	pthread_mutex_unlock(&se->mu);
	secure_wipe(cmd, sizeof(cmd));
	secure_wipe(priv_be, sizeof(priv_be));
	return r;
}

int se050_x25519_public(struct se050 *se, uint32_t id, uint8_t pub[SE050_KEY_LEN])
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP], be[SE050_KEY_LEN], type, curve;
	size_t rlen;
	pthread_mutex_lock(&se->mu);
	int r = describe_locked(se, id, &type, &curve);
	if (!r && !se05x_is_x25519_key_pair(type, curve))
		r = -EINVAL;
	if (!r)
		r = transact(se, cmd, se05x_cmd_read_object(cmd, id), rsp, sizeof(rsp), &rlen,
		             true);
	if (!r)
		r = se05x_parse_x25519(rsp, rlen, be);
	pthread_mutex_unlock(&se->mu);
	if (r)
		return r;
	reverse_bytes(pub, be, SE050_KEY_LEN);
	pub[31] &= 0x7F; /* RFC 7748 §5: receivers mask the top bit of a u-coordinate */
	return 0;
}

int se050_x25519(struct se050 *se, uint32_t id, const uint8_t peer[SE050_KEY_LEN],
                 uint8_t shared[SE050_KEY_LEN])
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP], be[SE050_KEY_LEN];
	size_t rlen = 0;
	reverse_bytes(be, peer, SE050_KEY_LEN);
	pthread_mutex_lock(&se->mu);
	int r = transact(se, cmd, se05x_cmd_ecdh(cmd, id, be), rsp, sizeof(rsp), &rlen, false);
	if (!r) {
		r = se05x_parse_x25519(rsp, rlen, be);
		/* The chip answers a missing object with "wrong data" or the like: ask, so that the
		 * error names the cause. */
		if ((r == -EINVAL || r == -EPERM || r == -EREMOTEIO) && exists_locked(se, id) == 0)
			r = -ENOENT;
	}
	pthread_mutex_unlock(&se->mu);
	secure_wipe(rsp, sizeof(rsp));
	if (!r) {
		reverse_bytes(shared, be, SE050_KEY_LEN);
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

int se050_get_version(struct se050 *se, struct se05x_version *version)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen;
	pthread_mutex_lock(&se->mu);
	int r = transact(se, cmd, se05x_cmd_get_version(cmd), rsp, sizeof(rsp), &rlen, true);
	if (!r)
		r = se05x_parse_version(rsp, rlen, version);
	pthread_mutex_unlock(&se->mu);
	return r;
}

int se050_free_memory(struct se050 *se, uint32_t *bytes)
{
	uint8_t cmd[SE05X_MAX_APDU], rsp[SE05X_MAX_RSP];
	size_t rlen;
	pthread_mutex_lock(&se->mu);
	int r = transact(se, cmd, se05x_cmd_free_memory(cmd, SE05X_MEMORY_PERSISTENT), rsp,
	                 sizeof(rsp), &rlen, true);
	if (!r)
		r = se05x_parse_free_memory(rsp, rlen, bytes);
	pthread_mutex_unlock(&se->mu);
	return r;
}
