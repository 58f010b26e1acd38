/* The emulator's "I2C over a Unix socket" wire: one SOCK_SEQPACKET message per I2C transaction.
 *   host -> emu  'W' SEQ <bytes>            an I2C write; answered by 'A' SEQ (ACK) or 'N' SEQ
 *                                           (address NACK)
 *   host -> emu  'R' SEQ <len hi> <len lo>  an I2C read of len bytes; answered by 'D' SEQ <len
 * bytes> or 'N' SEQ SEQ is a byte the host counts up per message and the emulator echoes, so that a
 * reply that arrives after the host stopped waiting for it (a stopped emulator that runs again) is
 * recognised as stale and dropped, instead of being taken as the answer to a later transaction. A
 * real bus has no such queue. The framing above it (T=1 over I2C) is exactly what goes over a real
 * bus. */
#ifndef HWG_SE050_EMU_WIRE_H
#define HWG_SE050_EMU_WIRE_H

#define EMU_MSG_WRITE  'W'
#define EMU_MSG_READ   'R'
#define EMU_REPLY_ACK  'A'
#define EMU_REPLY_NACK 'N'
#define EMU_REPLY_DATA 'D'
/* Type and sequence byte. */
#define EMU_HDR_LEN 2

#endif
