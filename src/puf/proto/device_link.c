/* Frames and the device report on the device <-> bridge serial link. */
#include "puf/proto/device_link.h"

#include <string.h>

#include "crypto/portable/bytes.h"

static const uint8_t report_magic[4] = {'H', 'W', 'G', 'R'};

/* The u16 fields, in their wire order (offset 8 on). */
#define REPORT_U16S 6

static void report_fields(const struct puflink_report *r, uint16_t *f)
{
	f[0] = r->boot_stack_used;
	f[1] = r->boot_stack_size;
	f[2] = r->run_stack_used;
	f[3] = r->run_stack_size;
	f[4] = r->static_ram;
	f[5] = r->ram_size;
}

void puflink_report_encode(const struct puflink_report *r, uint8_t *out)
{
	uint16_t f[REPORT_U16S];

	memcpy(out, report_magic, sizeof(report_magic));
	out[4] = 1;
	out[5] = r->outcome;
	store_le16(out + 6, (uint16_t)r->error);
	report_fields(r, f);
	for (int i = 0; i < REPORT_U16S; i++)
		store_le16(out + 8 + 2 * i, f[i]);
}

int puflink_report_parse(const uint8_t *buf, size_t len, struct puflink_report *r)
{
	if (len != PUFLINK_REPORT_LEN || memcmp(buf, report_magic, sizeof(report_magic)) ||
	    buf[4] != 1 || buf[5] < PUFLINK_AUTHENTICATED || buf[5] > PUFLINK_FAILED)
		return -1;
	r->outcome = buf[5];
	r->error = (int16_t)load_le16(buf + 6);
	r->boot_stack_used = load_le16(buf + 8);
	r->boot_stack_size = load_le16(buf + 10);
	r->run_stack_used = load_le16(buf + 12);
	r->run_stack_size = load_le16(buf + 14);
	r->static_ram = load_le16(buf + 16);
	r->ram_size = load_le16(buf + 18);
	return 0;
}

void puflink_reader_init(struct puflink_reader *rd)
{
	rd->len = 0;
	rd->want = 0;
	rd->head_len = 0;
	rd->failed = 0;
}

long puflink_reader_feed(struct puflink_reader *rd, const uint8_t *in, size_t n, size_t *frame_len)
{
	size_t used = 0;

	*frame_len = 0;
	if (rd->failed)
		return -1;
	if (rd->want == 0 && rd->len == 0 && rd->head_len == 2) /* the previous frame was taken */
		rd->head_len = 0;
	while (used < n && rd->head_len < 2)
		rd->head[rd->head_len++] = in[used++];
	if (rd->head_len < 2)
		return (long)used;
	if (rd->want == 0) {
		rd->want = load_le16(rd->head);
		if (rd->want == 0 || rd->want > PUFLINK_MAX_FRAME) {
			rd->failed = 1;
			return -1;
		}
	}
	size_t take = rd->want - rd->len;
	if (take > n - used)
		take = n - used;
	memcpy(rd->frame + rd->len, in + used, take);
	rd->len += take;
	used += take;
	if (rd->len == rd->want) {
		*frame_len = rd->len;
		rd->len = 0;
		rd->want = 0;
	}
	return (long)used;
}

const char *puflink_strerror(int err)
{
	switch (err) {
	case PUFLINK_ERR_WARM_RESET:
		return "warm reset: RAM was not power-cycled, refusing to run";
	case PUFLINK_ERR_NO_STATE:
		return "no valid device state in flash (not enrolled)";
	case PUFLINK_ERR_TRNG:
		return "power-up noise failed its health test";
	case PUFLINK_ERR_PUF:
		return "power-up PUF reading failed";
	case PUFLINK_ERR_CHALLENGE:
		return "stored challenge lies outside the PUF region";
	case PUFLINK_ERR_BOOT_STACK:
		return "boot stack overflowed its reservation";
	case PUFLINK_ERR_COMMIT:
		return "committing the new state to flash failed";
	case PUFLINK_ERR_FRAME:
		return "received frame too large";
	case PUFLINK_ERR_STACK_OVERFLOW:
		return "stack overflowed into static RAM";
	case PUFLINK_ERR_FAULT:
		return "the CPU took a fault";
	default:
		return NULL;
	}
}

const char *puflink_outcome_name(uint8_t outcome)
{
	switch (outcome) {
	case PUFLINK_AUTHENTICATED:
		return "authenticated";
	case PUFLINK_REJECTED:
		return "rejected";
	case PUFLINK_FAILED:
		return "failed";
	default:
		return NULL;
	}
}
