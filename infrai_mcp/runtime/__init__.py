"""The running engine: wiring, the scheduler and executor loops, push delivery, retention sweeps."""
