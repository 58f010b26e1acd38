# Tests of the handshake, cookies, keypairs, timers, peers and device.
