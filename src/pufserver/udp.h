/* UDP transport of the authentication protocol: the server loop, and the client side the device
 * program uses (one socket connected to the server, send and wait with a timeout). */
#ifndef HWG_PUFSERVER_UDP_H
#define HWG_PUFSERVER_UDP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pufserver/service.h"

/* Splits "HOST:PORT" (or "[v6]:PORT") and resolves it. Returns a UDP socket bound to it (server)
 * or connected to it (client), or -1 with a message in err. */
int pufudp_listen(const char *hostport, char *err, size_t err_len);
int pufudp_connect(const char *hostport, char *err, size_t err_len);

/* The port a socket is bound to (0 on error). */
uint16_t pufudp_local_port(int fd);

/* Serves datagrams on fd until *stop becomes non-zero. Returns 0, or -1 on a socket error. */
int pufudp_serve(struct pufservice *svc, int fd, volatile sig_atomic_t *stop);

/* Sends msg on a connected socket and waits up to timeout_ms for one datagram. Returns its length,
 * 0 on timeout, or -1 with a message in err. */
long pufudp_exchange(int fd, const uint8_t *msg, size_t len, uint8_t *reply, size_t cap,
                     int timeout_ms, char *err, size_t err_len);

/* Waits up to timeout_ms for one datagram on a connected socket. Returns its length, 0 on timeout,
 * or -1 with a message in err. */
long pufudp_receive(int fd, uint8_t *reply, size_t cap, int timeout_ms, char *err, size_t err_len);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t pufudp_now_ms(void);

#endif
