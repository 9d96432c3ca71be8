"""The running engine: wiring, the scheduler and executor loops, push delivery, retention sweeps;
the background engine process of a data dir and its control channel."""
