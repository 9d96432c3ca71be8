"""The engine: store, scheduler, dispatcher, queues. See docs/ARCHITECTURE.md."""
