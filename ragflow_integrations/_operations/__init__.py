"""IO-free operations: one module per resource; see :mod:`._core`."""
