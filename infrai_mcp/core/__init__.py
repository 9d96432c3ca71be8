"""Pure building blocks, no I/O: errors and hints, ids, the clock, fire planning, upcoming fires."""
