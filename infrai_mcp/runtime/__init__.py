"""Running the engine: the background engine process of a data dir and its control channel."""
