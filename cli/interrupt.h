// cli/interrupt.h — SIGINT and SIGTERM as a flag that long loops poll.
//
// A run or a sweep stops at the next event boundary (or between points) once a signal
// has arrived, writes what it has with "interrupted": true, and the command exits 130.
// The handler only stores the signal number; everything else happens in the loops.
#pragma once

#include "cli/exit_codes.h"  // kExitInterrupted

namespace cli {

// Installs the handlers for SIGINT and SIGTERM (idempotent).
void install_interrupt_handlers();

// Whether a signal has arrived since the handlers were installed.
bool interrupted();

// The signal that arrived first (0 when none).
int interrupt_signal();

}  // namespace cli
