#include "daemon/uapi_keyjob.h"

#include <errno.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "daemon/text.h"
#include "daemon/uapi_set.h"
#include "keys/se050.h"
#include "se050/se050.h"

#define LIST_MAX 1024

void uapi_key_job_init(struct uapi_key_job *j, const struct uapi_key_op *op, const char *bus)
{
	memset(j, 0, sizeof(*j));
	j->job.run = uapi_key_job_run;
	j->op = *op;
	j->bus = bus;
	strbuf_init(&j->lines);
}

void uapi_key_job_clear(struct uapi_key_job *j)
{
	strbuf_free(&j->lines);
}

static void public_key_line(struct strbuf *sb, const uint8_t pub[KEY_LEN])
{
	strbuf_printf(sb, "public_key=");
	text_format_key(sb, pub);
	strbuf_printf(sb, "\n");
}

static int list_objects(struct se050 *se, struct strbuf *sb)
{
	static uint32_t ids[LIST_MAX]; /* one worker thread: no concurrent use */
	size_t n;
	int err = se050_list(se, ids, LIST_MAX, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		uint8_t type, curve, pub[KEY_LEN];
		strbuf_printf(sb, "object_id=%u\n", ids[i]);
		/* As hwguard-key list: the public key first, a description for anything else. */
		err = se050_x25519_public(se, ids[i], pub);
		if (err == 0) {
			public_key_line(sb, pub);
			continue;
		}
		if (err == -EINVAL || err == -EACCES)
			err = se050_describe(se, ids[i], &type, &curve);
		if (err)
			strbuf_printf(sb, "object_error=%d\n", err);
		else
			strbuf_printf(sb, "object_type=%u\nobject_curve=%u\n", type, curve);
	}
	return 0;
}

void uapi_key_job_run(struct keyworker_job *job)
{
	struct uapi_key_job *j = (struct uapi_key_job *)job;
	const struct uapi_key_op *op = &j->op;
	uint8_t pub[KEY_LEN];

	if (op->kind != UAPI_KEY_LIST &&
	    (op->object_id < SE050_ID_MIN || op->object_id > SE050_ID_MAX)) {
		j->err = -ERANGE;
		return;
	}
	struct se050 *se;
	j->err = se050_session_acquire(j->bus, &se, NULL);
	if (j->err)
		return;
	switch (op->kind) {
	case UAPI_KEY_GENKEY:
		j->err = se050_generate_x25519(se, op->object_id, op->force);
		if (!j->err)
			j->err = se050_x25519_public(se, op->object_id, pub);
		if (!j->err)
			public_key_line(&j->lines, pub);
		break;
	case UAPI_KEY_PUBKEY:
		j->err = se050_x25519_public(se, op->object_id, pub);
		if (!j->err)
			public_key_line(&j->lines, pub);
		break;
	case UAPI_KEY_LIST:
		j->err = list_objects(se, &j->lines);
		break;
	case UAPI_KEY_DELETE:
		j->err = se050_delete(se, op->object_id);
		break;
	}
	se050_session_release(se);
	if (!j->err && j->lines.failed)
		j->err = -ENOMEM;
}

void uapi_prepare_job_run(struct keyworker_job *job)
{
	struct uapi_prepare_job *j = (struct uapi_prepare_job *)job;
	struct uapi_prepared_key *p = &j->prepared;
	p->why = NULL;
	p->err = key_provider_from_config(p->key, &j->cfg, &p->kp, &p->why);
	if (p->err)
		p->kp = NULL;
}

bool uapi_set_needs_hardware_key(const struct uapi_set *set, const struct key_provider *current,
                                 bool key_bound, uint8_t key[KEY_LEN])
{
	if (key_bound)
		return false;
	for (size_t i = 0; i < set->n; i++) {
		const struct uapi_op *op = &set->ops[i];
		if (op->kind == UAPI_OP_PEER)
			break; /* private_key is a device line: none after the first peer */
		if (op->kind != UAPI_OP_PRIVATE_KEY || !key_is_se050_handle(op->u.key, NULL))
			continue;
		if (current && ct_equal(current->config_key, op->u.key, KEY_LEN))
			continue;
		memcpy(key, op->u.key, KEY_LEN);
		return true;
	}
	return false;
}
