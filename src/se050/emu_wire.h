/* The emulator's "I2C over a Unix socket" wire: one SOCK_SEQPACKET message per I2C transaction.
 *   host -> emu  'W' <bytes>          an I2C write; answered by 'A' (ACK) or 'N' (address NACK)
 *   host -> emu  'R' <len hi> <len lo> an I2C read of len bytes; answered by 'D' <len bytes> or 'N'
 * The framing above it (T=1 over I2C) is exactly what goes over a real bus. */
#ifndef HWG_SE050_EMU_WIRE_H
#define HWG_SE050_EMU_WIRE_H

#define EMU_MSG_WRITE  'W'
#define EMU_MSG_READ   'R'
#define EMU_REPLY_ACK  'A'
#define EMU_REPLY_NACK 'N'
#define EMU_REPLY_DATA 'D'

#endif
