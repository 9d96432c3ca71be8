"""The PostgreSQL store: any number of processes on one database (docs/SCALE_OUT.md)."""
