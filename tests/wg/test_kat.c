/* Known-answer check against an independent implementation: tests/wg/kat_handshake.py builds the
 * initiation, the response and the first transport packet for fixed keys with Python's hashlib and
 * the `cryptography` package, straight from the whitepaper. The core must produce the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/blake2s.h"
#include "support/test_main.h"
#include "test_core_harness.h"
#include "test_kat_vectors.h"

/* The same fixed inputs as kat_handshake.py. */
static void fill(uint8_t *out, uint8_t seed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(seed + 7 * i);
}

/* The two devices of kat_handshake.py: its clock, static keys and preshared key, and the
 * initiator's random bytes (the ephemeral key, then the sender index, little-endian). The
 * responder's random bytes differ by test. */
static void oracle_net(struct h_net *net, uint8_t script_i[36])
{
	uint8_t s_i[32], s_r[32], psk[32];

	h_init(net, 2, 1);
	net->now.real_sec = 1700000000;
	net->now.real_nsec = 123456789;
	fill(s_i, 0x11, 32);
	fill(s_r, 0x22, 32);
	fill(psk, 0x55, 32);
	h_set_key(net, 0, s_i);
	h_set_key(net, 1, s_r);
	h_pair(net, 0, 1);
	wg_peer_set_preshared_key(h_peer(net, 0, 1), psk);
	wg_peer_set_preshared_key(h_peer(net, 1, 0), psk);
	fill(script_i, 0x33, 32);
	memcpy(script_i + 32, (const uint8_t[]){0x0d, 0x0c, 0x0b, 0x0a}, 4);
	net->node[0].script = script_i;
	net->node[0].script_len = 36;
}

static void test_handshake_matches_python_oracle(void **state)
{
	static struct h_net net;
	uint8_t script_i[36], script_r[36];

	oracle_net(&net, script_i);
	fill(script_r, 0x44, 32);
	memcpy(script_r + 32, (const uint8_t[]){0x04, 0x03, 0x02, 0x01}, 4);
	net.node[1].script = script_r;
	net.node[1].script_len = sizeof(script_r);

	wg_device_tun_input(net.node[0].dev, kat_payload, sizeof(kat_payload), &net.now);
	h_pump(&net);

	const struct h_capture *init = h_last_sent(&net, 0, 1);
	const struct h_capture *resp = h_last_sent(&net, 1, 2);
	const struct h_capture *data = h_last_sent(&net, 0, 4);
	assert_non_null(init);
	assert_non_null(resp);
	assert_non_null(data);
	assert_int_equal(init->d.len, sizeof(kat_initiation));
	assert_memory_equal(init->d.data, kat_initiation, sizeof(kat_initiation));
	assert_int_equal(resp->d.len, sizeof(kat_response));
	assert_memory_equal(resp->d.data, kat_response, sizeof(kat_response));
	assert_int_equal(data->d.len, sizeof(kat_first_data));
	assert_memory_equal(data->d.data, kat_first_data, sizeof(kat_first_data));
	assert_int_equal(net.node[1].delivered, 1);
	assert_memory_equal(net.node[1].last_delivered, kat_payload, sizeof(kat_payload));
	h_free(&net);
}

/* Under load the responder answers the same initiation with a cookie reply; the bytes must match
 * the oracle (HChaCha20 + ChaCha20-Poly1305 in Python), and the retry's mac2 must use that cookie.
 */
static void test_cookie_reply_matches_python_oracle(void **state)
{
	static struct h_net net;
	uint8_t script_i[36], script_r[32 + 24];

	oracle_net(&net, script_i);
	fill(script_r, 0x66, 32);      /* cookie secret */
	fill(script_r + 32, 0x77, 24); /* reply nonce */
	net.node[1].script = script_r;
	net.node[1].script_len = sizeof(script_r);
	net.node[1].under_load = true;

	wg_device_tun_input(net.node[0].dev, kat_payload, sizeof(kat_payload), &net.now);
	h_pump(&net);
	const struct h_capture *reply = h_last_sent(&net, 1, 3);
	assert_non_null(reply);
	assert_memory_equal(h_last_sent(&net, 0, 1)->d.data, kat_initiation, 148);
	assert_int_equal(reply->d.len, sizeof(kat_cookie_reply));
	assert_memory_equal(reply->d.data, kat_cookie_reply, sizeof(kat_cookie_reply));

	/* The retransmission carries mac2 = MAC(cookie, message up to mac2) and is accepted. */
	h_advance(&net, 6 * 1000000000ull);
	const struct h_capture *retry = NULL;
	for (unsigned i = 0; i < net.captured; i++)
		if (net.capture[i].from_node == 0 && net.capture[i].d.data[0] == 1)
			retry = &net.capture[i]; /* the last initiation */
	uint8_t mac2[16];
	blake2s_mac(mac2, kat_cookie, sizeof(kat_cookie), retry->d.data, 132);
	assert_memory_equal(retry->d.data + 132, mac2, 16);
	assert_int_equal(net.node[1].delivered, 1);
	h_free(&net);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_matches_python_oracle),
        cmocka_unit_test(test_cookie_reply_matches_python_oracle),
};

HWG_TEST_MAIN(tests, NULL, NULL)
