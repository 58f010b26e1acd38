#include "handoff.h"

/* used: the provisioning image never touches it, but must reserve it all the same */
__attribute__((section(".handoff"), used)) struct handoff handoff;
